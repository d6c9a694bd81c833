"""Answer a scrape: every process's histograms summed from their files, and the queues read now."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.changes.outbox import index_lag
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.queue import rq_queue, uses_rq
from marketplace.metrics import instruments

logger = logging.getLogger(__name__)


class QueueCollector:
    """Gauges read at scrape time: jobs waiting (database queue and RQ) and the index's lag."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.session = session

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        waiting = GaugeMetricFamily(
            "traderow_jobs_waiting", "Background jobs queued and not yet started, by queue.", labels=["queue"]
        )
        try:
            waiting.add_metric(["database"], self._database_jobs())
            lag = index_lag(self.session, self.app.config["READY_INDEX_LAG_SECONDS"])
        except Exception as exc:  # a scrape reports what it can rather than failing whole
            logger.warning("Metrics: the database did not answer: %s", exc)
            self.session.rollback()
            lag = None
        if uses_rq(self.app):
            try:
                waiting.add_metric(["rq"], rq_queue(self.app).count)
            except Exception as exc:
                logger.warning("Metrics: Redis did not answer: %s", exc)
        yield waiting
        if lag is None:
            return
        yield GaugeMetricFamily(
            "traderow_index_changes_pending", "Catalog changes queued for the search index writer.", value=lag.pending
        )
        yield GaugeMetricFamily(
            "traderow_index_changes_stuck",
            "Queued index changes older than TRADEROW_READY_INDEX_LAG_SECONDS (/readyz fails while any is).",
            value=lag.stuck,
        )
        yield GaugeMetricFamily(
            "traderow_index_lag_seconds",
            "Seconds the oldest queued index change has waited (0: the index is up to date).",
            value=lag.oldest_seconds or 0.0,
        )

    def _database_jobs(self) -> int:
        query = select(func.count()).select_from(Job).where(Job.status == JobStatus.QUEUED)
        return self.session.scalar(query) or 0


def scrape(app: Flask, session: Session) -> tuple[bytes, str]:
    """Return the exposition text of every process's figures and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    directory = instruments.directory()
    if directory is not None:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    registry.register(QueueCollector(app, session))
    return generate_latest(registry), CONTENT_TYPE_LATEST
