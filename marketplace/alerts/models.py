"""Favourites, alerts (per product and saved searches), their hits, and the imports already checked."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, UTCDateTime, created_at, intpk, str255


class Favourite(Base):
    """A product a signed-in user watches (the heart button)."""

    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("user_id", "product_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<Favourite user={self.user_id} product={self.product_id}>"


class AlertKind(enum.StrEnum):
    """What an alert watches for."""

    TARGET = "target"  #: the best price reaches ``target_price`` or below
    DROP = "drop"  #: the best price falls ``drop_percent`` below ``reference_price``
    STOCK = "stock"  #: the product is back in stock (some offer is available again)
    LOWEST = "lowest"  #: the best price is the lowest of the last ``days`` days
    SEARCH = "search"  #: a new or repriced offer matches the saved search ``query``


class Alert(Base):
    """One thing a person watches: a product's price or stock, or a saved search.

    The owner is a signed-in user, or an e-mail address that must be confirmed first (double
    opt-in): until ``confirmed_at`` is set an anonymous alert never fires.
    """

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_product_active", "product_id", "active"),)

    id: Mapped[intpk]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The address of an anonymous owner (lower-cased); ``None`` for a user's alert (their account's address).
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    #: The language an anonymous owner used when they set it; a user's mail follows their account.
    locale: Mapped[str | None] = mapped_column(String(5))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    kind: Mapped[AlertKind] = mapped_column(String(20))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    #: TARGET: fire at or below this, in the base currency.
    target_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: DROP: fire when the price falls this many percent below ``reference_price``.
    drop_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    #: LOWEST: the window, in days.
    days: Mapped[int | None]
    #: SEARCH: the search page's query string parameters, as the search form reads them.
    query: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: What the owner sees in lists: the product's title or the search's words.
    label: Mapped[str255] = mapped_column(default="")
    #: The best price when the alert was set or last fired: drops are measured from it.
    reference_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: The best price the last check saw; ``None`` while the product had no offer in stock.
    last_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    last_fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: ``False`` once unsubscribed: kept for the owner's list, never fires.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<Alert {self.id} {self.kind} user={self.user_id} product={self.product_id}>"


class AlertHit(Base):
    """An alert's condition met by an import: held an hour, then fired (in-app) and mailed (digest).

    A hit is not fired while younger than the hold time (an hour); the worker's pass after
    that looks at the product again and drops the hit if the price flickered back.
    """

    __tablename__ = "alert_hits"
    __table_args__ = (Index("ix_alert_hits_fired_mailed", "fired_at", "mailed_at"),)

    id: Mapped[intpk]
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    #: Set for a buyer request's hit (its buyer is told), instead of ``alert_id``.
    request_id: Mapped[int | None] = mapped_column(ForeignKey("buyer_requests.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: Where the digest goes (lower-cased).
    recipient: Mapped[str255] = mapped_column(index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    offer_id: Mapped[int | None]
    #: The price that met the condition, in the base currency.
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Set when the price flickered back within the hold time: the hit never fires.
    dropped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<AlertHit {self.id} alert={self.alert_id} product={self.product_id} {self.price}>"


class AlertWebhook(Base):
    """Where a user's own system hears of their alerts: a URL the worker POSTs signed JSON to."""

    __tablename__ = "alert_webhooks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: The HMAC-SHA256 key of ``X-TradeRow-Signature``; shown to its owner, who checks each call with it.
    secret: Mapped[str] = mapped_column(String(64))
    #: How the last call went ("200", or the error), for the owner's page.
    last_status: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<AlertWebhook user={self.user_id}>"


class AlertCheck(Base):
    """An import whose changed offers the alerts were checked against: each import is checked once."""

    __tablename__ = "alert_checks"

    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    checked_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<AlertCheck run={self.import_run_id} hits={self.hits}>"
