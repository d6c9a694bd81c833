"""The rollups reports read: counts by hour and day, who was seen on which day, and each day's sketches."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, intpk


class Rollup(Base):
    """One count of one metric over one hour or day, e.g. ("day", 2026-12-06, "entry", "/search", 41)."""

    __tablename__ = "analytics_rollups"
    __table_args__ = (
        UniqueConstraint("grain", "period_start", "metric", "key", name="uq_analytics_rollups_grain"),
        Index("ix_analytics_rollups_metric_period", "grain", "metric", "period_start"),
    )

    id: Mapped[intpk]
    #: "hour" or "day" (UTC).
    grain: Mapped[str] = mapped_column(String(4))
    period_start: Mapped[dt.datetime]
    #: What is counted (analytics.rollup.METRICS names them all).
    metric: Mapped[str] = mapped_column(String(32))
    #: What the count is of: a path, a channel, a query, a supplier's slug; "" for totals.
    key: Mapped[str] = mapped_column(String(500))
    value: Mapped[int]

    def __repr__(self) -> str:
        return f"<Rollup {self.grain} {self.period_start:%Y-%m-%d %H:00} {self.metric} {self.key!r}={self.value}>"


class VisitorDay(Base):
    """A person seen on a day: distinct visitors over any range, and who was new or returning."""

    __tablename__ = "analytics_visitor_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    #: "u<user id>" for an account (a visitor's history joins it at login), else "v<visitor id>".
    person: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)
    #: The first day this person was ever seen; earlier than ``day`` means returning.
    first_day: Mapped[dt.date] = mapped_column(Date)
    visits: Mapped[int]
    pageviews: Mapped[int]

    def __repr__(self) -> str:
        return f"<VisitorDay {self.day} {self.person} visits={self.visits}>"


class DaySketch(Base):
    """The HyperLogLog sketches of one day's people (analytics.sketches): a range's visitors are their union.

    Built with the day's visitor days; rebuilt from them when those change afterwards (a login
    joins a visitor to an account, a visitor erases their data).
    """

    __tablename__ = "analytics_day_sketches"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    #: Everyone seen on the day.
    visitors_sketch: Mapped[bytes] = mapped_column(LargeBinary)
    #: Those of them first seen on an earlier day.
    returning_sketch: Mapped[bytes] = mapped_column(LargeBinary)
    #: The day's visitor days changed since the sketches were built; the next rollup rebuilds them.
    stale: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<DaySketch {self.day}{' stale' if self.stale else ''}>"
