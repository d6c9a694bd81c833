"""A job that meets SQLite's "database is locked" waits its turn instead of failing for good.

With WAL, a worker transaction that read and then writes fails at once when a page's short
write (an analytics batch, a click-out) committed in between; the same job a moment later
succeeds. The job here raises the error SQLAlchemy raises for it.
"""

from __future__ import annotations

import sqlite3

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from marketplace.jobs import queue
from marketplace.jobs.models import JobStatus
from marketplace.jobs.queue import enqueue
from marketplace.suppliers.models import Supplier
from marketplace.worker import work_once


def rename_supplier(session: Session, _app: Flask, *, supplier_id: int, locked: bool) -> None:
    """A job that reads, then writes; ``locked`` makes its write meet another's lock."""
    supplier = session.get(Supplier, supplier_id)
    assert supplier is not None
    if locked:
        raise OperationalError("UPDATE suppliers", {}, sqlite3.OperationalError("database is locked"))
    supplier.name = "Renamed by the job"
    session.commit()


def failing_job(session: Session, _app: Flask) -> None:
    raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: nowhere"))


def test_a_job_that_meets_a_locked_database_is_queued_again_and_then_runs(
    app: Flask, db_session: Session, supplier: Supplier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(queue.JOBS, "rename_supplier", f"{__name__}:rename_supplier")
    monkeypatch.setattr(queue, "RETRIED_WHEN_LOCKED", queue.RETRIED_WHEN_LOCKED | {"rename_supplier"})
    job = enqueue(db_session, "rename_supplier", supplier_id=supplier.id, locked=True)
    assert job is not None
    db_session.commit()

    work_once(app)

    db_session.expire_all()
    assert (job.status, job.error, job.claimed_by) == (JobStatus.QUEUED, None, None)
    assert job.run_after > job.created_at  # not at once: the lock's holder finishes first

    job.run_after, job.payload = job.created_at, {**job.payload, "locked": False}
    db_session.commit()
    work_once(app)
    db_session.expire_all()
    assert job.status == JobStatus.DONE and supplier.name == "Renamed by the job"


def test_any_other_database_error_still_fails_the_job(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(queue.JOBS, "failing_job", f"{__name__}:failing_job")
    job = enqueue(db_session, "failing_job")
    assert job is not None
    db_session.commit()

    work_once(app)

    db_session.expire_all()
    assert job.status == JobStatus.FAILED and "no such table" in (job.error or "")
