"""Supplier acquisition's records: the companies the operator courts, and each move between stages."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, created_at, intpk, str255

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.suppliers.models import Supplier


class ProspectStage(enum.StrEnum):
    """Where a prospective supplier stands: prospect → invited → onboarded → active."""

    #: The operator knows of the company and means to win it.
    PROSPECT = "prospect"
    #: An invitation mail with the registration link went out.
    INVITED = "invited"
    #: The company registered as a supplier and its first import succeeded.
    ONBOARDED = "onboarded"
    #: An import succeeded or buyers clicked out to it within the last ``ACTIVE_DAYS``; an active
    #: supplier that goes quiet falls back to onboarded, so the count of active ones stays true.
    ACTIVE = "active"


class SupplierProspect(Base):
    """A company the operator wants as a supplier, with whom to talk to and how far it has come."""

    __tablename__ = "supplier_prospects"

    id: Mapped[intpk]
    company: Mapped[str255]
    contact_person: Mapped[str | None] = mapped_column(String(255))
    #: Where the invitation goes; trimmed and lower-cased, and how the supplier who registers is found.
    email: Mapped[str] = mapped_column(String(255), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    #: The language the invitation is written in ("en", "uk", "ru").
    language: Mapped[str] = mapped_column(String(5))
    notes: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[ProspectStage] = mapped_column(String(20), default=ProspectStage.PROSPECT, index=True)
    #: When it reached its stage.
    stage_at: Mapped[dt.datetime]
    #: The supplier it became: found by the e-mail of a team member or the shop's contact, or linked by hand.
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"), unique=True)
    #: When the latest invitation was sent.
    invited_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    supplier: Mapped[Supplier | None] = relationship()
    moves: Mapped[list[ProspectMove]] = relationship(
        back_populates="prospect", order_by="ProspectMove.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<SupplierProspect {self.id} {self.company!r} {self.stage}>"


class ProspectMove(Base):
    """One move of a prospect between stages, with when and who (``None``: the worker saw it happen)."""

    __tablename__ = "prospect_moves"

    id: Mapped[intpk]
    prospect_id: Mapped[int] = mapped_column(ForeignKey("supplier_prospects.id", ondelete="CASCADE"), index=True)
    #: ``None`` for the move that added the prospect.
    from_stage: Mapped[ProspectStage | None] = mapped_column(String(20))
    to_stage: Mapped[ProspectStage] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    prospect: Mapped[SupplierProspect] = relationship(back_populates="moves")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ProspectMove {self.prospect_id} {self.from_stage} -> {self.to_stage}>"
