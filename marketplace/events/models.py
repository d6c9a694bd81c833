"""The raw event log: one row per page view, search, click-out or account action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, UTCDateTime


class AnalyticsEvent(Base):
    """One thing a visitor did, recorded on our own servers.

    On PostgreSQL the table is partitioned by month of ``occurred_at`` (migration 0019), so the
    key carries it; retention drops whole months there and deletes rows on SQLite.
    """

    __tablename__ = "analytics_events"
    __table_args__ = (
        Index("ix_analytics_events_occurred_at", "occurred_at"),
        Index("ix_analytics_events_visitor_id", "visitor_id"),
        Index("ix_analytics_events_user_id", "user_id"),
        # A visitor's (or account's) newest events of one kind, read backwards and stopped at a
        # LIMIT: the recently viewed list and the returning visitor's home page (marketplace.personal).
        Index("ix_analytics_events_visitor_kind_at", "visitor_id", "kind", "occurred_at"),
        Index("ix_analytics_events_user_kind_at", "user_id", "kind", "occurred_at"),
    )

    #: A random 63-bit id made by the writer: batches are inserted without asking the database for ids.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    #: "pageview", "product_view", "search", "clickout", "request_published", "quote_sent",
    #: "lead_created", "registration", "login", or "bots" (a count of bot requests left out).
    kind: Mapped[str] = mapped_column(String(32))
    #: The first-party visitor cookie (catalog.views.VISITOR_COOKIE).
    visitor_id: Mapped[str | None] = mapped_column(String(64))
    #: The account, when signed in, or joined at a later login of the same visitor.
    user_id: Mapped[int | None]
    path: Mapped[str | None] = mapped_column(String(500))
    #: The Flask endpoint that served the page, e.g. "catalog.product".
    route: Mapped[str | None] = mapped_column(String(80))
    product_id: Mapped[int | None]
    category_id: Mapped[int | None]
    supplier_id: Mapped[int | None]
    #: The referrer's host and path, without its query (which may carry others' data).
    referrer: Mapped[str | None] = mapped_column(String(500))
    #: "search", "direct", "internal", "referral", "campaign" or "email" (analytics.channels).
    channel: Mapped[str | None] = mapped_column(String(16))
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(8))
    #: A salted hash of the address, the salt rotating daily: never the raw IP.
    ip_hash: Mapped[str | None] = mapped_column(String(16))
    #: What the kind adds: a search's query, filters, result count and correction, an offer id...
    data: Mapped[dict[str, Any] | None]

    def __repr__(self) -> str:
        return f"<AnalyticsEvent {self.kind} {self.path or ''} at {self.occurred_at:%Y-%m-%d %H:%M}>"
