"""Notifications and mail against a real database and a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.accounts.models import Role, User
from marketplace.notifications.jobs import deliver_outbox
from marketplace.notifications.models import MailStatus, Notification, OutboxMail
from marketplace.notifications.services import (
    MAX_ATTEMPTS,
    NotificationNotFound,
    SmtpSettings,
    get_notification,
    mark_read,
    notifications_of,
    notify,
    unread_count,
)
from tests.support import factories

NOW = dt.datetime(2030, 5, 10, 12, 0, tzinfo=dt.UTC)


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses one domain's recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.extend(envelope.rcpt_tos)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, SmtpSettings]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, sender="TradeRow <robot@traderow.test>",
                                  site_url="https://row.example")  # fmt: skip
    finally:
        controller.stop()


@pytest.fixture
def reader(db_session: Session) -> User:
    return factories.user(db_session, "reader@example.com", role=Role.BUYER, display_name="Reader")


def test_notify_writes_a_notification_and_queues_a_mail(db_session: Session, reader: User) -> None:
    (notification,) = notify(
        db_session, [reader, reader], "quote.new", {"supplier": "Kitchen Pro", "item": "Pan", "title": "Café"},
        link="/requests/7#quote-3",
    )  # fmt: skip

    assert notification.user_id == reader.id and notification.read_at is None
    mail = db_session.scalars(select(OutboxMail)).one()
    assert mail.recipient == "reader@example.com"
    assert mail.subject == "TradeRow: Kitchen Pro quoted on “Pan” in your request “Café”."
    assert mail.link == "/requests/7#quote-3"
    assert mail.status == MailStatus.PENDING


def test_inactive_accounts_are_not_notified(db_session: Session, reader: User) -> None:
    reader.active = False

    assert notify(db_session, [reader], "request.expired", {"title": "Old"}) == []
    assert db_session.scalars(select(OutboxMail)).all() == []


def test_unread_count_and_marking_read(db_session: Session, reader: User, buyer: User) -> None:
    first, second = (notify(db_session, [reader], "request.expired", {"title": t})[0] for t in ("A", "B"))
    notify(db_session, [buyer], "request.expired", {"title": "Theirs"})
    assert unread_count(db_session, reader) == 2

    assert mark_read(db_session, reader, first.id, now=NOW) == 1
    assert mark_read(db_session, reader, first.id, now=NOW) == 0
    assert unread_count(db_session, reader) == 1
    with pytest.raises(NotificationNotFound):
        get_notification(db_session, buyer, second.id)
    assert mark_read(db_session, reader) == 1
    assert unread_count(db_session, reader) == 0
    assert unread_count(db_session, buyer) == 1
    assert [n.params["title"] for n in notifications_of(db_session, reader)] == ["B", "A"]


def test_without_smtp_the_mail_stays_in_the_outbox(db_session: Session, reader: User) -> None:
    notify(db_session, [reader], "request.expired", {"title": "Old"})

    assert SmtpSettings.from_config({"SMTP_HOST": None}) is None
    assert deliver_outbox(db_session, None) == 0
    assert db_session.scalars(select(OutboxMail.status)).all() == [MailStatus.PENDING]


def test_pending_mail_goes_out_through_smtp(
    db_session: Session, reader: User, smtp_server: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp_server
    notify(db_session, [reader], "quote.answer", {"supplier": "Kitchen Pro", "item": "Pan", "title": "Café"},
           link="/requests/7#quote-3")  # fmt: skip
    db_session.commit()

    assert deliver_outbox(db_session, settings, now=NOW) == 1
    assert deliver_outbox(db_session, settings, now=NOW) == 0  # nothing is sent twice

    (message,) = inbox.messages
    assert inbox.recipients == ["reader@example.com"]
    assert message["From"] == "TradeRow <robot@traderow.test>"
    assert message["Subject"] == "TradeRow: Kitchen Pro answered about its quote on “Pan” (“Café”)."
    body = message.get_content()
    assert "Kitchen Pro answered" in body
    assert "Open it on TradeRow: https://row.example/requests/7#quote-3" in body
    mail = db_session.scalars(select(OutboxMail)).one()
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 1)
    # SQLite hands the time back without its zone.
    assert mail.sent_at is not None and mail.sent_at.replace(tzinfo=dt.UTC) == NOW


def test_a_refused_recipient_fails_its_mail_only(
    db_session: Session, reader: User, smtp_server: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp_server
    refused = factories.user(db_session, "nobody@refused.example", role=Role.BUYER)
    notify(db_session, [refused, reader], "request.expired", {"title": "Old"})
    db_session.commit()

    assert deliver_outbox(db_session, settings) == 1

    statuses = dict(db_session.execute(select(OutboxMail.recipient, OutboxMail.status)).all())
    assert statuses == {"nobody@refused.example": MailStatus.FAILED, "reader@example.com": MailStatus.SENT}
    failed = db_session.scalars(select(OutboxMail).where(OutboxMail.status == MailStatus.FAILED)).one()
    assert failed.error is not None and "550" in failed.error
    assert inbox.recipients == ["reader@example.com"]


def test_an_unreachable_server_leaves_the_mail_pending(db_session: Session, reader: User) -> None:
    notify(db_session, [reader], "request.expired", {"title": "Old"})
    db_session.commit()
    # Nothing listens there: the port was free a moment ago.
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)

    assert deliver_outbox(db_session, settings) == 0

    mail = db_session.scalars(select(OutboxMail)).one()
    assert mail.status == MailStatus.PENDING and mail.attempts == 0
    assert MAX_ATTEMPTS > 1


def test_smtp_settings_come_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As an operator sets them: from_prefixed_env reads "587" and "1234" as numbers.
    for name, value in {"SMTP_HOST": "mail.example", "SMTP_PORT": "587", "SMTP_USER": "robot",
                        "SMTP_PASSWORD": "1234", "SMTP_SECURITY": "STARTTLS", "SMTP_FROM": "Row <row@example>",
                        "SITE_URL": "https://row.example"}.items():  # fmt: skip
        monkeypatch.setenv(f"TRADEROW_{name}", value)
    settings = SmtpSettings.from_config(create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)}).config)

    assert settings == SmtpSettings(
        host="mail.example", port=587, user="robot", password="1234", sender="Row <row@example>",
        security="starttls", site_url="https://row.example",
    )  # fmt: skip


def test_notifications_are_removed_with_their_user(db_session: Session, reader: User) -> None:
    notify(db_session, [reader], "request.expired", {"title": "Old"})
    db_session.delete(reader)
    db_session.flush()

    assert db_session.scalars(select(Notification)).all() == []
