"""The request feature's share of the worker's pass: expire requests, then send queued mail."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from marketplace.buyer_requests.publishing import expire_requests
from marketplace.notifications.jobs import deliver_outbox
from marketplace.notifications.services import SmtpSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestJobsDone:
    """What one pass did."""

    expired: int
    mails_sent: int


def run_request_jobs(session: Session, config: Mapping[str, Any], *, now: dt.datetime | None = None) -> RequestJobsDone:
    """Expire requests past their deadline (committing), then deliver pending mail through SMTP.

    Only the worker sends mail, so that two processes never send the same one; without
    ``TRADEROW_SMTP_HOST`` mail stays in the outbox.
    """
    expired = expire_requests(session, now)
    session.commit()
    sent = deliver_outbox(session, SmtpSettings.from_config(config), now=now)
    return RequestJobsDone(expired=len(expired), mails_sent=sent)
