"""Requests that buyers publish, their items, and the quotes suppliers give."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, created_at, currency_code, intpk, money, str255

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Offer
    from marketplace.suppliers.models import Supplier
    from marketplace.taxonomy.models import Category


class RequestStatus(enum.StrEnum):
    """The life of a request."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"  #: closed by the buyer
    EXPIRED = "expired"  #: the deadline passed
    AWARDED = "awarded"


class Visibility(enum.StrEnum):
    """Which suppliers see a request."""

    ALL = "all"  #: every visitor, in the public list
    MATCHED = "matched"  #: only the suppliers the catalog matched (and the buyer and operators)


class BuyerRequest(Base):
    """A list of goods a buyer needs, published for suppliers to quote on."""

    __tablename__ = "buyer_requests"

    id: Mapped[intpk]
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str255]
    status: Mapped[RequestStatus] = mapped_column(String(20), default=RequestStatus.DRAFT, index=True)
    region: Mapped[str | None] = mapped_column(String(255))
    #: Quotes are accepted until the end of this day.
    deadline: Mapped[dt.date | None]
    created_at: Mapped[created_at]
    published_at: Mapped[dt.datetime | None]
    visibility: Mapped[Visibility] = mapped_column(String(20), default=Visibility.ALL, server_default="all")
    #: When the request left ``OPEN`` (closed, expired or awarded).
    ended_at: Mapped[dt.datetime | None]
    #: Set when an operator hid it for breaking the rules; the owner sees ``hidden_reason``.
    hidden_at: Mapped[dt.datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(500))

    buyer: Mapped[User] = relationship()
    items: Mapped[list[RequestItem]] = relationship(
        back_populates="request", order_by="RequestItem.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )
    matches: Mapped[list[RequestMatch]] = relationship(back_populates="request", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<BuyerRequest {self.id} {self.status} {self.title[:30]!r}>"


class RequestItem(Base):
    """One line of a request: what, how many, and at most for how much."""

    __tablename__ = "request_items"

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("buyer_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(500))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    #: The most the buyer will pay per unit, in ``currency``.
    max_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[currency_code] = mapped_column(default="UAH")

    request: Mapped[BuyerRequest] = relationship(back_populates="items")
    category: Mapped[Category | None] = relationship()
    quotes: Mapped[list[Quote]] = relationship(back_populates="item", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<RequestItem {self.id} {self.quantity} {self.unit} {self.text[:30]!r}>"


class Quote(Base):
    """A supplier's answer to one request item. Sealed: no other supplier sees it."""

    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("item_id", "supplier_id"),
        # One accepted quote per item, even for code that skips accept_quote's row lock.
        Index(
            "uq_quotes_item_id_accepted",
            "item_id",
            unique=True,
            sqlite_where=text("accepted"),
            postgresql_where=text("accepted"),
        ),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(ForeignKey("request_items.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    #: Price per unit, in ``currency``.
    price: Mapped[money]
    currency: Mapped[currency_code]
    delivery_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: "In stock", "3 days" and the like, in the supplier's words.
    availability: Mapped[str | None] = mapped_column(String(255))
    valid_until: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(Text)
    #: A catalog offer the buyer can click out to.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    accepted: Mapped[bool] = mapped_column(default=False)
    accepted_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    item: Mapped[RequestItem] = relationship(back_populates="quotes")
    supplier: Mapped[Supplier] = relationship()
    offer: Mapped[Offer | None] = relationship()
    messages: Mapped[list[QuoteMessage]] = relationship(
        back_populates="quote", order_by="QuoteMessage.id", cascade="all, delete-orphan"
    )

    @property
    def total(self) -> Decimal:
        """Return price × quantity + delivery, what the buyer compares."""
        return self.price * self.item.quantity + (self.delivery_cost or Decimal(0))

    def __repr__(self) -> str:
        return f"<Quote {self.id} item={self.item_id} supplier={self.supplier_id} {self.price} {self.currency}>"


class RequestEvent(Base):
    """One change to a request, kept for its history: who did what, when."""

    __tablename__ = "request_events"

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("buyer_requests.id", ondelete="CASCADE"), index=True)
    #: Who made the change; ``None`` for the worker (an expiry) or a deleted account.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: ``created``, ``published``, ``edited``, ``closed``, ``expired``, ``quoted``, ``requoted``,
    #: ``message``, ``accepted`` or ``awarded``.
    kind: Mapped[str] = mapped_column(String(40))
    #: What changed: ``{"title": ["old", "new"], ...}`` for an edit, the quote's id for a quote.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]

    request: Mapped[BuyerRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<RequestEvent {self.id} request={self.request_id} {self.kind}>"


class RequestMatch(Base):
    """A supplier the catalog matched to a request: it was notified, and sees a private request."""

    __tablename__ = "request_matches"
    __table_args__ = (UniqueConstraint("request_id", "supplier_id"),)

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("buyer_requests.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    #: ``category`` (offers in an item's category) or ``words`` (offers matching an item's text).
    reason: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[created_at]

    request: Mapped[BuyerRequest] = relationship(back_populates="matches")
    supplier: Mapped[Supplier] = relationship()

    def __repr__(self) -> str:
        return f"<RequestMatch request={self.request_id} supplier={self.supplier_id} {self.reason}>"


class QuoteMessage(Base):
    """One post in the thread attached to a quote: the buyer asks, the supplier answers."""

    __tablename__ = "quote_messages"

    id: Mapped[intpk]
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: ``buyer`` or ``supplier``: the side that wrote it, even if the account is gone.
    side: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    quote: Mapped[Quote] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<QuoteMessage {self.id} quote={self.quote_id} {self.side}>"
