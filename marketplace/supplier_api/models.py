"""What the supplier API keeps: the answer given to each push under an idempotency key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, created_at, intpk


class IdempotencyKey(Base):
    """A push a supplier's program made under an ``Idempotency-Key``, with the answer it got.

    The same key with the same request gets this answer again instead of a second import.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("supplier_id", "key"),)

    id: Mapped[intpk]
    #: Keys are the supplier's: two suppliers' programs may well use the same ones.
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    #: The header's value, as the program sent it.
    key: Mapped[str] = mapped_column(String(255))
    #: SHA-256 (hex) of the method, the path and the body the key was first used with.
    request_hash: Mapped[str] = mapped_column(String(64))
    #: The HTTP status of the stored answer.
    status_code: Mapped[int]
    #: The JSON body of the stored answer.
    response: Mapped[dict[str, Any]]
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.id} supplier={self.supplier_id} {self.key!r} {self.status_code}>"
