"""The notifications' job: deliver the mail outbox through SMTP, committing each mail's result."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from sqlalchemy.orm import Session

from marketplace.notifications.services import SmtpSettings, connect, pending_mail, send_mail

logger = logging.getLogger(__name__)


def deliver_outbox(session: Session, settings: SmtpSettings | None, *, now: dt.datetime | None = None) -> int:
    """Send pending mail through SMTP and commit each result; return how many were sent.

    Without ``settings`` nothing is sent: the mail stays in the outbox. Called after the
    caller's commit (it commits mail by mail, so a crash never sends a mail twice within one
    batch without a record). A server that cannot be reached stops the batch and leaves the
    mails pending for the next call.
    """
    if settings is None:
        return 0
    pending = pending_mail(session)
    if not pending:
        return 0
    sent = 0
    try:
        with connect(settings) as smtp:
            for mail in pending:
                sent += send_mail(smtp, mail, settings, now=now)
                session.commit()
    except (OSError, smtplib.SMTPException) as exc:
        # The server is down or rejected the login: keep the rest pending for the next pass.
        logger.warning(
            "SMTP %s:%d unavailable, %d mails stay queued: %s", settings.host, settings.port, len(pending) - sent, exc
        )
        session.rollback()
    if sent:
        logger.info("Sent %d mails through %s:%d", sent, settings.host, settings.port)
    return sent
