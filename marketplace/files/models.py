"""The database store's table: files kept in the database, cut into parts."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, created_at


class StoredFilePart(Base):
    """One part of a file kept in the database (``TRADEROW_UPLOAD_STORE=database``).

    A file is cut into parts of at most ``marketplace.files.store.PART_BYTES`` so that
    neither writing nor reading one ever holds a whole price list in memory.
    """

    __tablename__ = "stored_files"

    #: The file's name, chosen by us (``upload-<uuid>.feed``, ``progress/run-7.json``).
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: 0, 1, 2...: the parts in the order their bytes follow each other.
    part: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<StoredFilePart {self.name!r} #{self.part}>"
