"""Queue background jobs and run them: the database is the queue, or RQ when Redis is configured.

Both backends run the same job functions, named in :data:`JOBS`; this module builds no app
(the worker does, :data:`RQ_ENTRY_POINT`). A job function takes the
session first, then the app, then its JSON payload as keyword arguments; it commits its own
work. The commits here are the queue's own boundaries only: a claim, a job's end, the repair
of jobs whose worker died. Jobs are pushed only after the enqueuing transaction commits, so a worker always finds
the rows the job refers to.

The database queue claims a job so that two workers never run the same one: on PostgreSQL
``SELECT ... FOR UPDATE SKIP LOCKED``, elsewhere (SQLite) a conditional ``UPDATE`` whose row
count says who won.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from marketplace.appctx import real_app
from marketplace.db import is_lock_timeout, rows_matched, utcnow
from marketplace.jobs.models import Job, JobStatus
from marketplace.logs import bound, current_request_id, request_id_from

logger = logging.getLogger(__name__)

#: Job name -> ``module:function``; the functions are imported when a job runs.
JOBS: dict[str, str] = {
    "import_run": "marketplace.imports.jobs:run_import",
    "fetch_feed": "marketplace.imports.jobs:fetch_feed",
    "preview_run": "marketplace.imports.jobs:preview_upload",
    "make_thumbnails": "marketplace.catalog.jobs:make_thumbnails",
    "refresh_recommendations": "marketplace.recommendations.jobs:refresh_recommendations",
    "send_campaign": "marketplace.crm.campaign_mail:send_campaign",
}

_RQ_PENDING = "traderow.rq_pending"
#: The payload key that carries the id of the request that queued a job into the job's log
#: lines; taken out of the payload before the job function sees it.
REQUEST_ID_KEY = "_request_id"

#: The function an RQ job runs, named rather than imported: it builds the app for a plain
#: ``rq worker`` process, and only the worker, above every domain, may do that.
RQ_ENTRY_POINT = "marketplace.worker.perform"
#: How long a job that met a locked database waits before it runs again.
LOCKED_RETRY = dt.timedelta(seconds=2)
#: The jobs that commit once, at their end, so running one again after a locked database is safe.
#: An import commits its claim first and is failed instead (its run says why).
RETRIED_WHEN_LOCKED = frozenset({"preview_run", "make_thumbnails", "refresh_recommendations"})


class UnknownJob(ValueError):
    """No job function has that name."""


def worker_id() -> str:
    """Return ``host:pid``, which names the process that claimed a job."""
    return f"{socket.gethostname()}:{os.getpid()}"


def job_function(kind: str) -> Callable[..., Any]:
    """Return the function that runs jobs of ``kind``."""
    try:
        module_name, _, name = JOBS[kind].partition(":")
    except KeyError:
        raise UnknownJob(kind) from None
    return cast("Callable[..., Any]", getattr(importlib.import_module(module_name), name))


def uses_rq(app: Flask | None = None) -> bool:
    """Say whether jobs go to RQ (``TRADEROW_REDIS_URL`` is set)."""
    return bool((app or current_app).config.get("REDIS_URL"))


def enqueue(session: Session, kind: str, **payload: Any) -> Job | None:
    """Queue a job in the caller's transaction; it runs after the commit.

    Returns the ``Job`` row for the database queue, ``None`` for RQ (which gets the job
    once the session commits, and never if it rolls back).
    """
    if kind not in JOBS:
        raise UnknownJob(kind)
    app = real_app()
    request_id = current_request_id()
    if request_id is not None:
        payload = {**payload, REQUEST_ID_KEY: request_id}
    if uses_rq(app):
        pending = session.info.get(_RQ_PENDING)
        if pending is None:
            pending = session.info[_RQ_PENDING] = []
            event.listen(session, "after_commit", _push_to_rq)
            event.listen(session, "after_rollback", _forget_rq_jobs)
        pending.append((app, kind, payload))
        return None
    job = Job(kind=kind, payload=payload, status=JobStatus.QUEUED, run_after=utcnow())
    session.add(job)
    session.flush()
    logger.info("Queued job %d (%s %s)", job.id, kind, payload)
    return job


def _push_to_rq(session: Session) -> None:
    pending = session.info.get(_RQ_PENDING) or []
    session.info[_RQ_PENDING] = []
    for app, kind, payload in pending:
        rq_job = rq_queue(app).enqueue(RQ_ENTRY_POINT, kind, payload, job_timeout=app.config["JOB_TIMEOUT"])
        logger.info("Queued RQ job %s (%s %s)", rq_job.id, kind, payload)


def _forget_rq_jobs(session: Session) -> None:
    session.info[_RQ_PENDING] = []


# --- the database queue ---------------------------------------------------------------------


def claim_next(session: Session, *, claimed_by: str, lease: dt.timedelta) -> Job | None:
    """Claim the oldest due job for this worker and commit the claim; ``None`` if none is due."""
    now = utcnow()
    due = select(Job).where(Job.status == JobStatus.QUEUED, Job.run_after <= now).order_by(Job.id)
    claim = {"status": JobStatus.RUNNING, "claimed_by": claimed_by, "claimed_at": now, "lease_until": now + lease}
    if session.get_bind().dialect.name == "postgresql":
        job = session.scalars(due.limit(1).with_for_update(skip_locked=True)).first()
        if job is None:
            session.commit()  # the claim's boundary: release the row lock we did not use
            return None
        for name, value in claim.items():
            setattr(job, name, value)
        session.commit()  # the claim's boundary: other workers must see the job as taken before it runs
        return job
    candidates = session.scalars(due.with_only_columns(Job.id).limit(20)).all()
    # End the read transaction first: in WAL mode a reader that then writes after another
    # worker's commit fails at once with "database is locked" instead of waiting its turn.
    session.commit()
    for job_id in candidates:
        won = rows_matched(
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                .values(**claim)
                .execution_options(synchronize_session=False)
            )
        )
        session.commit()  # the claim's boundary: publish the win (or end the lost attempt) at once
        if won == 1:
            job = session.get(Job, job_id)
            if job is not None:
                session.refresh(job)
            return job
    session.commit()  # the claim's boundary: end the read transaction when nothing was won
    return None


def claim_inline(session: Session, kind: str, *, lease: dt.timedelta, **payload: Any) -> Job:
    """Record a job that this process runs itself now (a CLI import), claimed by it; the caller commits.

    If the process dies before :func:`finish_inline`, a worker fails the job and what it
    ran (:func:`abandoned_jobs`), as it does for a dead worker's.
    """
    if kind not in JOBS:
        raise UnknownJob(kind)
    now = utcnow()
    job = Job(
        kind=kind,
        payload=payload,
        status=JobStatus.RUNNING,
        run_after=now,
        claimed_by=worker_id(),
        claimed_at=now,
        lease_until=now + lease,
    )
    session.add(job)
    session.flush()
    return job


def finish_inline(session: Session, job_id: int) -> None:
    """Mark a job run by :func:`claim_inline` done and commit."""
    _finish(session, job_id, JobStatus.DONE, None)


def run_claimed(app: Flask, session: Session, job: Job) -> bool:
    """Run a claimed job and record how it ended; return whether it succeeded.

    A job that raises is marked failed with the error, and the worker goes on; one that met
    SQLite's "database is locked" is queued again for a moment later instead, if it may run twice.
    """
    job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
    request_id, payload = split_request_id(payload)
    with bound(request_id, f"job:{kind}"):
        return _run_claimed(app, session, job_id, kind, payload)


def split_request_id(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return the id of the request that queued a job (a new one if none did) and the job's own arguments."""
    arguments = dict(payload)
    return request_id_from(arguments.pop(REQUEST_ID_KEY, None)), arguments


def _run_claimed(app: Flask, session: Session, job_id: int, kind: str, payload: dict[str, Any]) -> bool:
    started = time.perf_counter()
    try:
        job_function(kind)(session, app, **payload)
    except Exception as exc:
        session.rollback()
        if kind in RETRIED_WHEN_LOCKED and isinstance(exc, OperationalError) and is_lock_timeout(exc):
            # SQLite's write lock was another's (a page's write committed while the job read):
            # a moment later the same job succeeds, so it waits its turn instead of failing for good.
            logger.warning("Job %d (%s %s) met a locked database; it runs again shortly", job_id, kind, payload)
            _requeue(session, job_id, utcnow() + LOCKED_RETRY)
            return False
        logger.exception("Job %d (%s %s) failed", job_id, kind, payload)
        _finish(session, job_id, JobStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
        return False
    _finish(session, job_id, JobStatus.DONE, None)
    # Every job says when it ended, so each has a line under its request's id.
    logger.info("Job %d (%s) done in %.2f s", job_id, kind, time.perf_counter() - started)
    return True


def _requeue(session: Session, job_id: int, run_after: dt.datetime) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.QUEUED, claimed_by=None, claimed_at=None, lease_until=None, run_after=run_after)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _finish(session: Session, job_id: int, status: JobStatus, error: str | None) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=status, error=error, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()  # the job's end: its outcome is recorded whatever the job's own transaction did


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def abandoned_jobs(session: Session) -> list[Job]:
    """Return running jobs whose worker is gone: its lease ran out, or its process on this host died."""
    host = socket.gethostname()
    now = utcnow()
    gone = []
    for job in session.scalars(select(Job).where(Job.status == JobStatus.RUNNING)):
        owner_host, _, pid = (job.claimed_by or "").rpartition(":")
        lease_until = job.lease_until
        expired = lease_until is not None and lease_until < now
        died_here = owner_host == host and pid.isdigit() and not _process_alive(int(pid))
        if expired or died_here:
            gone.append(job)
    return gone


def fail_abandoned(session: Session) -> list[Job]:
    """Mark jobs of dead workers failed and commit; return them so callers can clean up."""
    gone = abandoned_jobs(session)
    for job in gone:
        logger.warning("Job %d (%s) was abandoned by %s; marking it failed", job.id, job.kind, job.claimed_by)
        job.status = JobStatus.FAILED
        job.error = f"The worker {job.claimed_by} stopped before the job finished."
        job.finished_at = utcnow()
    session.commit()  # the queue's own repair, before the worker claims anything new
    return gone


# --- RQ ---------------------------------------------------------------------------------------


def rq_queue(app: Flask) -> Any:
    """Return the app's RQ queue."""
    from redis import Redis
    from rq import Queue

    return Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))


def run_rq_burst(app: Flask) -> int:
    """Run every job waiting in the app's RQ queue in this process and return how many ran."""
    from rq import SimpleWorker
    from rq.timeouts import TimerDeathPenalty

    class InlineWorker(SimpleWorker):
        # The traderow worker owns SIGTERM/SIGINT, and may run in a thread: no signal handlers.
        death_penalty_class = TimerDeathPenalty

        def _install_signal_handlers(self) -> None:
            pass

    queue = rq_queue(app)
    before = queue.finished_job_registry.count + queue.failed_job_registry.count
    InlineWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
    return int(queue.finished_job_registry.count + queue.failed_job_registry.count - before)
