"""The preview of a CSV or Excel upload is a job of the import queue: the database queue or RQ."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer
from marketplace.db import utcnow
from marketplace.files.store import file_store
from marketplace.imports.jobs import INTERRUPTED_MESSAGE
from marketplace.imports.uploads import queue_import
from marketplace.jobs.models import Job, JobStatus
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from marketplace.worker import work_once
from tests.support.jobs import REDIS_URL, dead_pid

#: Columns we recognise: the preview finds nothing to ask, and the run goes on to the import.
KNOWN_COLUMNS = "sku;title;price;currency\r\nK-1;Ківш 1,5 л;310;UAH\r\nK-2;Друшляк;150;UAH\r\n".encode()


def queue_preview(app: Flask, session: Session, supplier: Supplier, data: bytes) -> ImportRun:
    run = queue_import(session, supplier, data, filename="prices.csv", files=file_store(app), preview=True)
    session.commit()
    return run


def test_a_recognised_table_is_previewed_then_imported_in_one_worker_pass(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    run = queue_preview(app, db_session, supplier, KNOWN_COLUMNS)
    assert run.status == ImportStatus.PREPARING
    assert [j.kind for j in db_session.scalars(select(Job))] == ["preview_run"]

    done = work_once(app)

    db_session.expire_all()
    assert done.imports == 2 and run.status == ImportStatus.SUCCEEDED and run.created == 2
    assert sorted(j.kind for j in db_session.scalars(select(Job))) == ["import_run", "preview_run"]


def test_a_dead_workers_preview_fails_its_run(app: Flask, db_session: Session, supplier: Supplier) -> None:
    run = queue_preview(app, db_session, supplier, KNOWN_COLUMNS)
    job = db_session.scalars(select(Job)).one()
    # A worker on this host claimed the preview and died (the parser process took it down).
    job.status, job.claimed_by = JobStatus.RUNNING, f"{socket.gethostname()}:{dead_pid()}"
    job.claimed_at, job.lease_until = utcnow(), utcnow() + dt.timedelta(hours=6)
    db_session.commit()

    work_once(app)

    db_session.expire_all()
    assert run.status == ImportStatus.FAILED and run.error == INTERRUPTED_MESSAGE
    assert db_session.scalars(select(Offer)).all() == []


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if "rq_queue_name" in request.fixturenames:
        return {"REDIS_URL": REDIS_URL, "RQ_QUEUE": request.getfixturevalue("rq_queue_name")}
    return {}


def test_with_redis_the_preview_and_then_the_import_run_in_rq(
    app: Flask, db_session: Session, supplier: Supplier, rq_queue_name: str
) -> None:
    from marketplace.jobs.queue import rq_queue

    run = queue_preview(app, db_session, supplier, KNOWN_COLUMNS)
    queue = rq_queue(app)
    assert db_session.scalars(select(Job)).all() == [] and queue.count == 1

    work_once(app)

    db_session.expire_all()
    assert run.status == ImportStatus.SUCCEEDED and run.created == 2
    assert queue.count == 0 and queue.finished_job_registry.count == 2
