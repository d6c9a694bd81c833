"""When a visitor cleared their recently viewed list: the events stay for analytics, the list starts afresh."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, UTCDateTime, intpk


class HistoryClear(Base):
    """One "clear" of a visitor's (and, when signed in, account's) recently viewed list."""

    __tablename__ = "personal_history_clears"

    id: Mapped[intpk]
    #: The visitor cookie (catalog.views.VISITOR_COOKIE) that cleared; ``None`` for the account's row.
    visitor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The account that cleared, so that its other devices forget too.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Views and searches up to this moment are no longer listed.
    cleared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<HistoryClear visitor={self.visitor_id} user={self.user_id} at {self.cleared_at:%Y-%m-%d %H:%M}>"
