"""The queue of offers whose index entry is out of date."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, created_at, intpk


class IndexChange(Base):
    """An offer to re-index, written in the same transaction as the change itself.

    The worker (the one index writer) reads these after the commit, so the index never
    shows what the database rolled back.
    """

    __tablename__ = "index_changes"

    id: Mapped[intpk]
    #: No foreign key: the offer may be deleted before the worker gets to it.
    offer_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<IndexChange {self.id} offer={self.offer_id}>"
