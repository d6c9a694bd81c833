"""Order requests (leads) that buyers send to suppliers without a web store of their own."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, created_at, currency_code, intpk, str255

if TYPE_CHECKING:
    from marketplace.catalog.models import Offer
    from marketplace.suppliers.models import Supplier


class LeadStatus(enum.StrEnum):
    """Where an order request stands for the supplier."""

    NEW = "new"
    #: The supplier has opened it in the portal.
    SEEN = "seen"


class Lead(Base):
    """A buyer's order request to one supplier: who, how to reach them, and what."""

    __tablename__ = "leads"

    id: Mapped[intpk]
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    #: The logged-in buyer, if any; anonymous buyers leave only their contact details.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    buyer_name: Mapped[str255]
    buyer_phone: Mapped[str | None] = mapped_column(String(40))
    buyer_email: Mapped[str | None] = mapped_column(String(255))
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[LeadStatus] = mapped_column(String(20), default=LeadStatus.NEW)
    created_at: Mapped[created_at]

    supplier: Mapped[Supplier] = relationship()
    items: Mapped[list[LeadItem]] = relationship(
        back_populates="lead", order_by="LeadItem.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Lead {self.id} supplier={self.supplier_id} {self.status}>"


class LeadItem(Base):
    """One line of an order request, with the offer's title and price as the buyer saw them."""

    __tablename__ = "lead_items"

    id: Mapped[intpk]
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    #: ``None`` once the offer is gone; the copied title and price stay.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    supplier_sku: Mapped[str255]
    title: Mapped[str] = mapped_column(String(1000))
    quantity: Mapped[int]
    #: The unit price when the request was sent, in ``currency``.
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[currency_code]

    lead: Mapped[Lead] = relationship(back_populates="items")
    offer: Mapped[Offer | None] = relationship()

    def __repr__(self) -> str:
        return f"<LeadItem {self.id} lead={self.lead_id} {self.quantity} x {self.supplier_sku}>"
