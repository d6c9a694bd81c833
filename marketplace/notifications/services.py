"""Notify users in the portal and by email; send queued mail through SMTP.

``notify`` writes a ``Notification`` and queues an ``OutboxMail`` in the caller's
transaction, so a rolled-back change notifies nobody. Mail leaves only after the commit,
through the job :func:`marketplace.notifications.jobs.deliver_outbox`; while no SMTP host is
configured it stays in the outbox, which ``/dev/outbox`` shows in development.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.db import rows_matched, utcnow
from marketplace.notifications.messages import render
from marketplace.notifications.models import MailStatus, Notification, OutboxMail

logger = logging.getLogger(__name__)

#: A mail that failed this many times is given up on.
MAX_ATTEMPTS = 5
#: Mails sent per delivery pass, so one pass never runs for long.
DELIVERY_BATCH = 100

_SUBJECT = _l("TradeRow: %(text)s")
_FOOTER = _l("Open it on TradeRow: %(url)s")


class NotificationNotFound(Exception):
    """No notification has that id, or it is someone else's."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail; built from ``TRADEROW_SMTP_*``."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "TradeRow <noreply@traderow.example>"
    #: ``starttls`` upgrades a plain connection, ``ssl`` connects over TLS, ``none`` sends in the clear.
    security: str = "none"
    timeout: float = 10.0
    #: Where the site is, so that a mail's link can be followed from a mail client.
    site_url: str = "http://127.0.0.1:5000"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """Return the settings, or ``None`` when no SMTP host is configured (mail stays in the outbox)."""
        host = config.get("SMTP_HOST")
        if not host:
            return None
        return cls(
            host=str(host),
            port=config["SMTP_PORT"],
            user=config["SMTP_USER"],
            password=config["SMTP_PASSWORD"],
            sender=config["SMTP_FROM"],
            security=config["SMTP_SECURITY"].lower(),
            timeout=config["SMTP_TIMEOUT"],
            site_url=config["SITE_URL"],
        )


def notify(
    session: Session,
    users: Iterable[User],
    kind: str,
    params: Mapping[str, Any],
    *,
    link: str | None = None,
) -> list[Notification]:
    """Notify each of ``users`` in the portal and queue an email to each; return the notifications.

    Inactive accounts are skipped. Each mail is written in its recipient's language (see
    :func:`recipient_locale`), not the language of whoever caused it; its link is made
    absolute when it is sent.
    """
    created = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.active:
            continue
        seen.add(user.id)
        notification = Notification(user_id=user.id, kind=kind, params=dict(params), link=link)
        session.add(notification)
        created.append(notification)
        locale = recipient_locale(user)
        with force_locale(locale):
            text = render(kind, params)
            subject = str(_SUBJECT) % {"text": text}
        mail = OutboxMail(recipient=user.email, subject=_one_line(subject)[:255], body=text, link=link, locale=locale)
        session.add(mail)
    session.flush()
    if created:
        logger.info("Notified %d users of %s (%s)", len(created), kind, link or "no link")
    return created


def recipient_locale(user: User) -> str:
    """Return the language to write to ``user`` in: theirs when known, else the site's default."""
    config = current_app.config
    if user.locale in config["LANGUAGES"]:
        return str(user.locale)
    return str(config["BABEL_DEFAULT_LOCALE"])


def queue_mail(
    session: Session,
    recipient: str,
    subject: str,
    body: str,
    *,
    link: str | None = None,
    locale: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboxMail:
    """Queue one mail, written in ``locale``, in the caller's transaction; the worker sends it after the commit."""
    mail = OutboxMail(
        recipient=recipient,
        subject=_one_line(subject)[:255],
        body=body,
        link=link,
        locale=locale,
        headers=dict(headers) if headers else None,
    )
    session.add(mail)
    session.flush()
    return mail


def _one_line(text: str) -> str:
    return " ".join(text.split())


def notifications_of(session: Session, user: User, *, limit: int = 100) -> list[Notification]:
    """Return ``user``'s notifications, newest first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def unread_count(session: Session, user: User) -> int:
    """Return how many of ``user``'s notifications are unread."""
    query = select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    return session.scalar(query) or 0


def get_notification(session: Session, user: User, notification_id: int) -> Notification:
    """Return ``user``'s notification ``notification_id``; raise ``NotificationNotFound`` for anyone else's."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotificationNotFound(notification_id)
    return notification


def mark_read(
    session: Session, user: User, notification_id: int | None = None, *, now: dt.datetime | None = None
) -> int:
    """Mark one of ``user``'s notifications (or, without an id, all of them) read; return how many changed."""
    now = now or utcnow()
    if notification_id is not None:
        notification = get_notification(session, user, notification_id)
        if notification.read_at is not None:
            return 0
        notification.read_at = now
        session.flush()
        return 1
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return rows_matched(result)


# --- mail ---------------------------------------------------------------------------------


def outbox(session: Session, *, limit: int = 200) -> list[OutboxMail]:
    """Return the newest queued and sent mails, for the development outbox page."""
    return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)))


def pending_mail(session: Session) -> list[OutboxMail]:
    """Return the oldest mails waiting to be sent, at most ``DELIVERY_BATCH``."""
    query = select(OutboxMail).where(OutboxMail.status == MailStatus.PENDING).order_by(OutboxMail.id)
    return list(session.scalars(query.limit(DELIVERY_BATCH)))


def send_mail(smtp: smtplib.SMTP, mail: OutboxMail, settings: SmtpSettings, *, now: dt.datetime | None = None) -> bool:
    """Send ``mail`` on an open connection and record how it went on the mail; return whether it was sent.

    A refused recipient fails that mail only (at once, or after ``MAX_ATTEMPTS`` for other
    refusals); a connection error is raised for the caller, which keeps the rest pending.
    """
    mail.attempts += 1
    try:
        smtp.send_message(_message(mail, settings))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        mail.error = str(exc)[:2000]
        if mail.attempts >= MAX_ATTEMPTS or isinstance(exc, smtplib.SMTPRecipientsRefused):
            mail.status = MailStatus.FAILED
        logger.warning("SMTP refused mail %d to %s: %s", mail.id, mail.recipient, exc)
        return False
    mail.status = MailStatus.SENT
    mail.sent_at = now or utcnow()
    mail.error = None
    return True


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """Open an SMTP connection as ``settings`` say, logged in when they name a user."""
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def mail_text(mail: OutboxMail, site_url: str) -> str:
    """Return the body of ``mail`` as sent: its text, then its link on the site, in the mail's language."""
    if not mail.link:
        return mail.body
    # Forced: the worker has no request to pick a language from, and the mail's text is in its own.
    with force_locale(mail.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        footer = str(_FOOTER) % {"url": site_url.rstrip("/") + mail.link}
    return mail.body + "\n\n" + footer


def _message(mail: OutboxMail, settings: SmtpSettings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail_text(mail, settings.site_url))
    return message
