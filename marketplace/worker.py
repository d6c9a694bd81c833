"""The background worker: runs queued jobs (imports, feed fetches) and is the one process that writes a Whoosh index.

Each pass fails the jobs of workers that died (their imports rolled back with them, so
the previous catalog is whole; the runs are marked failed), queues the feed URLs that are
due, runs the waiting jobs from the database queue or, when Redis is configured, from RQ,
brings a Whoosh index up to date (PostgreSQL's is written by the catalog's own commits),
then collects leads and reminds of overdue next steps, expires requests, sends mail and
records the click-outs that waited in the spool.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.alerts.jobs import run_alert_jobs
from marketplace.analytics.jobs import run_analytics_jobs
from marketplace.appctx import real_app
from marketplace.buyer_requests.jobs import run_request_jobs
from marketplace.catalog.jobs import queue_thumbnails, record_spooled_clicks
from marketplace.crm.jobs import run_customer_scoring, run_customer_sync, run_lead_jobs
from marketplace.db import database, utcnow
from marketplace.imports.feeds import schedule_due_fetches
from marketplace.imports.jobs import fail_interrupted_runs
from marketplace.jobs.queue import (
    claim_next,
    fail_abandoned,
    job_function,
    run_claimed,
    run_rq_burst,
    split_request_id,
    uses_rq,
    worker_id,
)
from marketplace.logs import bound
from marketplace.recommendations.jobs import queue_recommendations
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import update_index
from marketplace.suppliers.models import ImportRun, ImportStatus
from supplier_feeds.child import can_parse_in_child, start_parser_server

logger = logging.getLogger(__name__)


@dataclass
class WorkDone:
    """What one pass of the worker did."""

    #: Jobs run (imports and feed fetches).
    imports: int
    indexed: int


def work_once(app: Flask, *, max_jobs: int = 10) -> WorkDone:
    """Run one pass: recover, schedule, run up to ``max_jobs`` jobs, update the index."""
    with app.app_context():
        session = database(app).session()
        try:
            recover_interrupted(app, session)
            schedule_due_fetches(session)
            session.commit()
            if uses_rq(app):
                jobs = run_rq_burst(app)
            else:
                jobs = 0
                claimer = worker_id()
                lease = dt.timedelta(seconds=app.config["JOB_LEASE"])
                while jobs < max_jobs:
                    job = claim_next(session, claimed_by=claimer, lease=lease)
                    if job is None:
                        break
                    run_claimed(app, session, job)
                    jobs += 1
            try:
                indexed = update_index(
                    session,
                    get_index(app),
                    app.config["INDEX_REBUILD_THRESHOLD"],
                    commit_seconds=app.config["INDEX_COMMIT_SECONDS"],
                )
            except Exception:
                # The changes stay queued for the next pass; deadlines and mail must not wait for them.
                logger.exception("Index update failed; the changes stay queued for the next pass")
                session.rollback()
                indexed = 0
            try:
                # After the index: the imports just run are checked, held hits fired, digests queued before mail goes.
                run_alert_jobs(session, app.config)
            except Exception:
                # The checks are idempotent and the runs stay unchecked: the next pass tries again.
                logger.exception("Alert pass failed; it runs again next pass")
                session.rollback()
            try:
                run_lead_jobs(session)  # leads from requests, reminders of overdue next steps (mailed just below)
            except Exception:
                # Deadlines and mail must not wait for leads either; the next pass tries again.
                logger.exception("Collecting leads failed; the next pass tries again")
                session.rollback()
            try:
                run_customer_sync(session)  # after the leads: an order's contact joins its customer record
            except Exception:
                # The sync is idempotent: what it missed, the next pass makes.
                logger.exception("Customer sync failed; the next pass tries again")
                session.rollback()
            try:
                run_customer_scoring(session)  # after the sync: new records are scored too; hourly at most
            except Exception:
                # The pass rewrites every score: the next one repairs what this one missed.
                logger.exception("Customer scoring failed; the next pass tries again")
                session.rollback()
            run_request_jobs(session, app.config)  # expire requests past their deadline, send queued mail
            record_spooled_clicks(session, app.config)  # click-outs the database could not take in time
            queue_thumbnails(session, app.config)  # listing thumbnails of pictures new since the last pass
            run_analytics_jobs(session, app)  # hourly and daily rollups, retention of raw events
            queue_recommendations(session, app.config)  # recompute the product pages' recommendations when due
        finally:
            session.close()
    return WorkDone(imports=jobs, indexed=indexed)


def recover_interrupted(app: Flask, session: Session) -> int:
    """Fail the jobs and import runs that a dead worker left running; return the runs failed.

    The dead worker's import transaction was never committed, so the catalog is as it was.
    """
    run_ids: list[int] = []
    # With RQ the jobs table holds only the CLI's own imports (``claim_inline``): checked all the same.
    for job in fail_abandoned(session):
        payload = job.payload or {}
        if job.kind in ("import_run", "preview_run") and "run_id" in payload:
            run_ids.append(int(payload["run_id"]))
        elif job.kind == "fetch_feed" and "feed_id" in payload:
            run_ids.extend(
                session.scalars(
                    select(ImportRun.id).where(
                        ImportRun.feed_source_id == int(payload["feed_id"]),
                        ImportRun.status == ImportStatus.RUNNING,
                    )
                )
            )
    # Whatever the backend, a run "running" for longer than any job may run was abandoned.
    horizon = utcnow() - dt.timedelta(seconds=app.config["JOB_LEASE"])
    run_ids.extend(
        session.scalars(
            select(ImportRun.id).where(
                (ImportRun.status == ImportStatus.RUNNING) & (ImportRun.started_at < horizon)
                | (ImportRun.status == ImportStatus.PREPARING) & (ImportRun.created_at < horizon)
            )
        )
    )
    failed = fail_interrupted_runs(session, sorted(set(run_ids)))
    session.commit()
    return failed


def run_worker(app: Flask, *, interval: float, stop: threading.Event | None = None) -> None:
    """Work until ``stop`` is set, pausing ``interval`` seconds when there is nothing to do."""
    stop = stop or threading.Event()
    if can_parse_in_child():
        start_parser_server()  # large price lists are parsed in processes forked from it
    logger.info(
        "Worker %s started (%s queue; the index writer), polling every %.1f s",
        worker_id(),
        "RQ" if uses_rq(app) else "database",
        interval,
    )
    while not stop.is_set():
        try:
            done = work_once(app)
        except Exception:
            # One bad job must not kill the worker; the failure is logged with its traceback.
            logger.exception("Worker pass failed; retrying after %.1f s", interval)
            done = WorkDone(0, 0)
        if not (done.imports or done.indexed):
            stop.wait(interval)


def perform(kind: str, payload: dict[str, Any]) -> None:
    """Run one RQ job: the entry point RQ imports by name (``jobs.queue.RQ_ENTRY_POINT``)."""
    # Inside `traderow worker` the app is there; a plain `rq worker` process builds it from
    # the environment.
    app = real_app() if has_app_context() else create_app()
    request_id, arguments = split_request_id(payload)
    with app.app_context(), bound(request_id, f"job:{kind}"):
        started = time.perf_counter()
        session = database(app).session()
        try:
            job_function(kind)(session, app, **arguments)
        finally:
            session.close()
        logger.info("RQ job (%s) done in %.2f s", kind, time.perf_counter() - started)
