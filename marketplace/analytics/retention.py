"""Keep raw events for ``ANALYTICS_RETENTION_DAYS``: drop old months on PostgreSQL, delete rows on SQLite."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from marketplace.db import rows_matched
from marketplace.events.models import AnalyticsEvent

logger = logging.getLogger(__name__)

#: Months of partitions kept ready ahead of today on PostgreSQL.
MONTHS_AHEAD = 2
_PARTITION = re.compile(r"^analytics_events_(\d{4})_(\d{2})$")


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def drop_old_events(session: Session, today: dt.date, retention_days: int) -> int:
    """Remove raw events older than ``retention_days``; return the partitions or rows removed."""
    cutoff = dt.datetime.combine(today - dt.timedelta(days=retention_days), dt.time(), tzinfo=dt.UTC)
    if session.get_bind().dialect.name != "postgresql":
        removed = rows_matched(session.execute(delete(AnalyticsEvent).where(AnalyticsEvent.occurred_at < cutoff)))
        logger.info("Analytics retention: %d events before %s deleted", removed, cutoff.date())
        return removed
    dropped = 0
    for name in _partitions(session):
        match = _PARTITION.match(name)
        if match and _next_month(dt.date(int(match[1]), int(match[2]), 1)) <= cutoff.date():
            session.execute(text(f'DROP TABLE "{name}"'))
            dropped += 1
    # The month the cutoff falls in (and the default partition) keep their older rows otherwise:
    # partition pruning makes this delete read only those.
    session.execute(delete(AnalyticsEvent).where(AnalyticsEvent.occurred_at < cutoff))
    logger.info("Analytics retention: %d monthly partitions before %s dropped", dropped, cutoff.date())
    return dropped


def ensure_partitions(session: Session, today: dt.date) -> int:
    """On PostgreSQL, create the monthly partitions of this month and ``MONTHS_AHEAD`` more; return those made."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    existing = set(_partitions(session))
    made = 0
    month = today.replace(day=1)
    for _ in range(MONTHS_AHEAD + 1):
        following = _next_month(month)
        name = f"analytics_events_{month:%Y_%m}"
        # A month whose events already sit in the default partition (a clock set back, a restore)
        # keeps them there: PostgreSQL refuses a partition that would take rows from the default.
        in_default = session.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM analytics_events_default"
                " WHERE occurred_at >= :start AND occurred_at < :end)"
            ),
            {"start": month, "end": following},
        )
        if name not in existing and not in_default:
            session.execute(
                text(
                    f"CREATE TABLE {name} PARTITION OF analytics_events "
                    f"FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')"
                )
            )
            made += 1
        month = following
    return made


def _partitions(session: Session) -> list[str]:
    return list(
        session.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'analytics_events'"
            )
        )
    )
