"""The analytics work that commits: write the buffer, roll up, keep retention; the worker and CLI run it."""

from __future__ import annotations

import datetime as dt
import logging
import time

from flask import Flask
from sqlalchemy.orm import Session

from marketplace.analytics.retention import drop_old_events, ensure_partitions
from marketplace.analytics.rollup import DayRolled, days_to_roll, rollup_day
from marketplace.events.log import flush, now

logger = logging.getLogger(__name__)

#: Seconds between the worker's rollups: the hourly rollup of today is at most this old.
ROLLUP_EVERY = 3600.0


def run_rollup(session: Session, app: Flask, days: list[dt.date] | None = None) -> list[DayRolled]:
    """Write this process's buffered events, roll up ``days`` (by default those due), drop expired events."""
    flush(app)
    with app.app_context():
        today = now().date()
    rolled = []
    for day in days if days is not None else days_to_roll(session, today):
        rolled.append(rollup_day(session, day))
        session.commit()
    ensure_partitions(session, today)
    drop_old_events(session, today, app.config["ANALYTICS_RETENTION_DAYS"])
    session.commit()
    return rolled


def run_analytics_jobs(session: Session, app: Flask) -> int:
    """Roll up when the last rollup of this worker is ``ROLLUP_EVERY`` seconds old; return the days rolled."""
    due_at = app.extensions.get("traderow.analytics_rollup_due", 0.0)
    if time.monotonic() < due_at:
        return 0
    app.extensions["traderow.analytics_rollup_due"] = time.monotonic() + ROLLUP_EVERY
    try:
        return len(run_rollup(session, app))
    except Exception:
        # Analytics must never stop the worker's other work; the days are rolled again next time.
        logger.exception("Analytics rollup failed")
        session.rollback()
        return 0
