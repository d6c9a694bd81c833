"""The rollups reports read: counts by hour and day, and who was seen on which day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, String, UniqueConstraint
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
