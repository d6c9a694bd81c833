"""Leads: the business opportunities in a supplier's pipeline, from order requests to accepted quotes."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, created_at, intpk, str255

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Offer
    from marketplace.suppliers.models import Supplier


class LeadStatus(enum.StrEnum):
    """The stage of a lead in the supplier's pipeline: new → contacted → offer sent → won / lost."""

    NEW = "new"
    CONTACTED = "contacted"
    OFFER_SENT = "offer_sent"
    WON = "won"
    #: Lost, with ``Lead.lost_reason`` saying why.
    LOST = "lost"


#: The stages in which a lead is still open (a next step can be due).
OPEN_STAGES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.OFFER_SENT)


class LeadSource(enum.StrEnum):
    """What made the lead."""

    #: A buyer's order request from the supplier's shop page.
    ORDER = "order"
    #: The buyer accepted the supplier's quote on a request.
    QUOTE = "quote"
    #: A published request matched the supplier's catalog.
    MATCH = "match"
    #: The buyer asked a question about the supplier's quote.
    QUESTION = "question"


class Lead(Base):
    """One business opportunity of one supplier: who, how to reach them, what, and where it stands."""

    __tablename__ = "leads"
    #: One lead per source object and supplier, so a source seen twice makes no second lead.
    __table_args__ = (UniqueConstraint("supplier_id", "source", "source_ref"),)

    id: Mapped[intpk]
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    #: The logged-in buyer, if any; anonymous buyers leave only their contact details.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    buyer_name: Mapped[str255]
    buyer_phone: Mapped[str | None] = mapped_column(String(40))
    buyer_email: Mapped[str | None] = mapped_column(String(255))
    #: A B2B buyer's company and the person to talk to there, where the source names them.
    company: Mapped[str | None] = mapped_column(String(255))
    contact_person: Mapped[str | None] = mapped_column(String(255))
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[LeadStatus] = mapped_column(String(20), default=LeadStatus.NEW, index=True)
    source: Mapped[LeadSource] = mapped_column(String(20), default=LeadSource.ORDER, server_default="order")
    #: The request the lead is about, for ``match``, ``quote`` and ``question`` (one lead per supplier and
    #: request, whichever came first); ``None`` for an order request, which is its own source.
    source_ref: Mapped[int | None]
    #: The title of what the lead is about (a request's title); order requests show their items.
    subject: Mapped[str | None] = mapped_column(String(255))
    #: What the deal is worth to the supplier, in ``value_currency``.
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    value_currency: Mapped[str | None] = mapped_column(String(3))
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    next_step: Mapped[str | None] = mapped_column(String(500))
    #: When the next step is due; once past, the worker reminds the supplier once (``reminded_at``).
    next_step_at: Mapped[dt.datetime | None]
    reminded_at: Mapped[dt.datetime | None]
    #: When the supplier first opened it in the portal.
    seen_at: Mapped[dt.datetime | None]
    #: When it reached its stage; won and lost leads count by this in the won/lost table.
    stage_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    supplier: Mapped[Supplier] = relationship()
    items: Mapped[list[LeadItem]] = relationship(
        back_populates="lead", order_by="LeadItem.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[LeadNote]] = relationship(
        back_populates="lead", order_by="LeadNote.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Lead {self.id} supplier={self.supplier_id} {self.status}>"


class LeadItem(Base):
    """One line of a lead: an order's offer with its title and price as the buyer saw them, or a request's item."""

    __tablename__ = "lead_items"

    id: Mapped[intpk]
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    #: ``None`` once the offer is gone; the copied title and price stay.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    #: The accepted quote this line is, on a lead from a request; ``None`` for an order line or a request's
    #: item not (yet) won.
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id", ondelete="SET NULL"), index=True)
    #: The offer's code; empty for a request's item, which names no offer.
    supplier_sku: Mapped[str255]
    title: Mapped[str] = mapped_column(String(1000))
    #: How many, in ``unit`` (a request's unit code, ``None``: pieces); fractional for kilograms and metres.
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str | None] = mapped_column(String(20))
    #: The unit price when the request was sent, in ``currency``; ``None`` for a request's item without a price.
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))

    lead: Mapped[Lead] = relationship(back_populates="items")
    offer: Mapped[Offer | None] = relationship()

    def __repr__(self) -> str:
        return f"<LeadItem {self.id} lead={self.lead_id} {self.quantity} x {self.supplier_sku}>"


class LeadNote(Base):
    """A note on a lead by someone of the supplier's team."""

    __tablename__ = "lead_notes"

    id: Mapped[intpk]
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    lead: Mapped[Lead] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<LeadNote {self.id} lead={self.lead_id}>"
