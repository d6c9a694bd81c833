"""Customer records: one per buyer, supplier or contact, the sources behind each, and the operator's notes."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, created_at, intpk, str255

if TYPE_CHECKING:
    from marketplace.accounts.models import User


class CustomerKind(enum.StrEnum):
    """Which side of the row a customer is on."""

    BUYER = "buyer"
    SUPPLIER = "supplier"


class LinkSource(enum.StrEnum):
    """What a customer record was made from; each source row belongs to exactly one record."""

    #: A buyer's account, or a member of a supplier's team (linked to the supplier's record).
    USER = "user"
    #: A supplier: a company whose members are its team's accounts.
    SUPPLIER = "supplier"
    #: A shop order (or other lead) whose buyer had no account: only the contacts they left.
    LEAD = "lead"


class NoteKind(enum.StrEnum):
    """What the operator logged."""

    NOTE = "note"
    CALL = "call"
    #: Written by a merge: which record was merged into this one.
    MERGE = "merge"


class Customer(Base):
    """One customer: a person or a company (B2B), found from accounts, suppliers and contacts left in orders."""

    __tablename__ = "customers"

    id: Mapped[intpk]
    kind: Mapped[CustomerKind] = mapped_column(String(20), index=True)
    #: A person's or a company's display name.
    name: Mapped[str255] = mapped_column(default="")
    #: Normalised (``crm.normalise``): trimmed and lower-cased; duplicates are found by it.
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    #: Normalised: ``+`` and digits, a Ukrainian number in E.164.
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    #: A business customer's company, tax id (ЄДРПОУ or ІПН) and address.
    company: Mapped[str | None] = mapped_column(String(255))
    tax_id: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(500))
    #: A business (B2B) rather than a private shopper (B2C).
    b2b: Mapped[bool] = mapped_column(default=False, index=True)
    #: The language the customer uses the site in ("en", "uk", "ru"), when known.
    language: Mapped[str | None] = mapped_column(String(5), index=True)
    #: The last visit of a linked account, or the last order of a contact.
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: Set when an operator merged this record into another; its sources and notes moved there.
    #: Not indexed: nearly every row holds NULL, and SQLite would pick the index for ``IS NULL``
    #: over the one on ``last_seen_at`` that gives the list its order.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    #: Set when the customer deleted their account: the record stays, without their contacts.
    deleted_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    # What the customer is worth, written by the scoring pass (``crm.scoring_pass``); NULL until it ran.
    #: "gold", "ordinary" or "loss" (``crm.scoring.Tier``).
    tier: Mapped[str | None] = mapped_column(String(10), index=True)
    #: A buyer's RFM scores, 1 (worst) to 5 (best): recency, frequency and value. Suppliers have none.
    rfm_r: Mapped[int | None]
    rfm_f: Mapped[int | None]
    rfm_m: Mapped[int | None]
    #: Days since the customer was last seen or last did something; NULL: never.
    recency_days: Mapped[int | None]
    #: Visits and orders over the scoring window (buyers); what the frequency score ranks.
    frequency: Mapped[int | None]
    #: What the customer brought and cost the row over the window, in ``value_currency`` (``crm.scoring_pass``).
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    value_currency: Mapped[str | None] = mapped_column(String(3))
    scored_at: Mapped[dt.datetime | None]

    links: Mapped[list[CustomerLink]] = relationship(
        back_populates="customer", order_by="CustomerLink.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[CustomerNote]] = relationship(
        back_populates="customer", order_by="CustomerNote.id", cascade="all, delete-orphan"
    )

    def ids_of(self, source: LinkSource) -> list[int]:
        """Return the ids of this record's sources of one kind."""
        return [link.source_id for link in self.links if link.source == source]

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.kind} {self.email or self.phone or self.name!r}>"


class CustomerLink(Base):
    """One source row of a customer record: an account, a supplier or an anonymous buyer's lead."""

    __tablename__ = "customer_links"
    #: A source row belongs to one record; a merge moves it.
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[intpk]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    source: Mapped[LinkSource] = mapped_column(String(20))
    #: The id of the user, supplier or lead.
    source_id: Mapped[int]
    created_at: Mapped[created_at]

    customer: Mapped[Customer] = relationship(back_populates="links")

    def __repr__(self) -> str:
        return f"<CustomerLink {self.source}:{self.source_id} -> {self.customer_id}>"


class CustomerNote(Base):
    """A note or a call the operator logged by hand, or a merge, on a customer's timeline."""

    __tablename__ = "customer_notes"

    id: Mapped[intpk]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[NoteKind] = mapped_column(String(20), default=NoteKind.NOTE)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    customer: Mapped[Customer] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CustomerNote {self.id} customer={self.customer_id} {self.kind}>"


class CustomerCategory(Base):
    """A category a customer browsed over the scoring window, and how many events there: segments filter by it.

    Rebuilt whole by each scoring pass; only a customer's most browsed categories are kept.
    """

    __tablename__ = "customer_categories"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    events: Mapped[int]

    def __repr__(self) -> str:
        return f"<CustomerCategory {self.customer_id} category={self.category_id} events={self.events}>"


class CustomerSegment(Base):
    """A saved filter over customers, with a name: counted, listed, exported, and aimed at by campaigns.

    The filter is kept as its fields (``CustomerFilter.as_dict``), not as a list of ids: members are
    whoever matches when it is read, so "seen in 30 days" rolls with the calendar.
    """

    __tablename__ = "customer_segments"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    filters: Mapped[dict[str, Any]]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<CustomerSegment {self.id} {self.name!r}>"


class ValueSettings(Base):
    """The operator's prices and tier rules the scoring pass reads: one row (id 1), edited on a page.

    A table rather than config: the operator changes a price without a deploy, the next pass uses
    it, and the row says who changed it last. Without a row the defaults below apply.
    """

    __tablename__ = "crm_value_settings"

    id: Mapped[intpk]
    currency: Mapped[str] = mapped_column(String(3), default="UAH")
    #: What a supplier pays the row for a click-out to its shop, and for a lead (issue 16 §3).
    clickout_price: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("2.00"))
    lead_price: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("50.00"))
    #: An hour of the operator's time, and a failed import (a support ticket, a re-run).
    hourly_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("300.00"))
    failed_import_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("25.00"))
    #: The operator's time one note and one call stand for: notes carry no duration of their own.
    note_minutes: Mapped[int] = mapped_column(default=5)
    call_minutes: Mapped[int] = mapped_column(default=15)
    #: Tier rules: gold is the top ``gold_percent`` % by value over ``window_days``; loss-making is cost above value.
    gold_percent: Mapped[int] = mapped_column(default=20)
    window_days: Mapped[int] = mapped_column(default=90)
    loss_when_cost_exceeds_value: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<ValueSettings click={self.clickout_price} lead={self.lead_price} {self.currency}>"
