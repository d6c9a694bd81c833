"""A user's notifications and the outgoing mail queue."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, created_at, intpk, str255


class Notification(Base):
    """Something that happened which a user should see in the portal."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: A key of ``marketplace.notifications.messages.MESSAGES``: the text is rendered in the reader's language.
    kind: Mapped[str] = mapped_column(String(40))
    #: The values the message's placeholders take (titles, supplier names).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: A path on this site where the reader acts on it.
    link: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<Notification {self.id} user={self.user_id} {self.kind}>"


class MailStatus(enum.StrEnum):
    """Where a queued mail stands."""

    PENDING = "pending"  #: waiting for SMTP; stays here (the outbox) while no SMTP host is configured
    SENT = "sent"
    FAILED = "failed"  #: the SMTP server refused it for good, or too many attempts failed


class OutboxMail(Base):
    """One email, queued in the same transaction as the change it reports."""

    __tablename__ = "outbox_mails"

    id: Mapped[intpk]
    recipient: Mapped[str255]
    subject: Mapped[str255]
    body: Mapped[str] = mapped_column(Text)
    #: A path on this site; the mail ends with it as an absolute URL (``TRADEROW_SITE_URL``).
    link: Mapped[str | None] = mapped_column(String(500))
    #: The language the mail is written in; the link's line added when it is sent is written in it too.
    locale: Mapped[str | None] = mapped_column(String(5))
    #: Extra headers the mail is sent with (an alert digest's ``List-Unsubscribe``, RFC 8058).
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    status: Mapped[MailStatus] = mapped_column(String(20), default=MailStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: The last SMTP error, for the operator.
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]
    sent_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} to={self.recipient} {self.status}>"
