"""The thread on a quote: the buyer asks, the quoting supplier answers."""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.buyer_requests.errors import PermissionDenied, RequestError
from marketplace.buyer_requests.history import record_event
from marketplace.buyer_requests.models import Quote, QuoteMessage, RequestStatus
from marketplace.buyer_requests.notices import request_path, supplier_members
from marketplace.db import utcnow
from marketplace.notifications.services import notify

logger = logging.getLogger(__name__)


#: The longest message in a quote's thread.
MAX_MESSAGE = 4000


def post_message(
    session: Session, quote: Quote, author: User, body: str, *, now: dt.datetime | None = None
) -> QuoteMessage:
    """Add ``author``'s message to the quote's thread and notify the other side.

    The request's buyer asks, the quoting supplier's team answers; nobody else posts.
    """
    buyer_request = quote.item.request
    if author.id == buyer_request.buyer_id:
        side = "buyer"
    elif author.is_supplier and author.supplier_id == quote.supplier_id:
        side = "supplier"
    else:
        raise PermissionDenied(_l("only the buyer and the quoting supplier write in this thread"))
    if buyer_request.status in (RequestStatus.CLOSED, RequestStatus.DRAFT):
        raise RequestError(_l("the request is closed"))
    body = body.strip()
    if not body:
        raise RequestError(_l("write a message"), field="body")
    if len(body) > MAX_MESSAGE:
        raise RequestError(_l("a message has at most %(limit)s characters", limit=MAX_MESSAGE), field="body")
    now = now or utcnow()
    message = QuoteMessage(quote=quote, author_id=author.id, side=side, body=body, created_at=now)
    session.add(message)
    session.flush()
    record_event(session, buyer_request, author, "message", now, quote=quote.id, side=side)
    params = {"supplier": quote.supplier.name, "item": quote.item.text, "title": buyer_request.title}
    link = request_path(buyer_request, f"quote-{quote.id}")
    if side == "buyer":
        notify(session, supplier_members(session, [quote.supplier_id]), "quote.question", params, link=link)
    else:
        notify(session, [buyer_request.buyer], "quote.answer", params, link=link)
    session.flush()
    logger.info("User %d (%s) wrote on quote %d of request %d", author.id, side, quote.id, buyer_request.id)
    return message
