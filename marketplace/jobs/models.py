"""The database job queue: one row per job, claimed by exactly one worker."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, created_at, intpk, str40, utcnow


class JobStatus(enum.StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """A unit of background work (import a run, fetch a feed), run by one worker."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    id: Mapped[intpk]
    #: The job function's name in ``marketplace.jobs.queue.JOBS``.
    kind: Mapped[str40]
    #: Keyword arguments of the job function; plain JSON.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(String(20), default=JobStatus.QUEUED)
    #: The job is not claimed before this moment.
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: ``host:pid`` of the worker that claimed it.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None]
    #: A running job whose lease ran out belongs to a worker that died; it is failed then.
    lease_until: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
