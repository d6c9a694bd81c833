"""Accepting quotes and awarding the request; contacts are exchanged for accepted quotes only."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.buyer_requests.access import ACCEPTING, may_manage, may_see_quotes
from marketplace.buyer_requests.errors import PermissionDenied, RequestError
from marketplace.buyer_requests.history import record_event
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem, RequestStatus
from marketplace.buyer_requests.notices import request_path, supplier_members
from marketplace.db import utcnow
from marketplace.notifications.services import notify

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    """The other side's contact details, shown once a quote is accepted."""

    name: str
    email: str | None
    phone: str | None
    website: str | None = None


def accept_quote(session: Session, quote: Quote, actor: User, *, now: dt.datetime | None = None) -> Quote:
    """Accept ``quote`` for its item: contacts are exchanged and the supplier is notified.

    One quote per item. When every item has an accepted quote, the request is awarded.
    """
    buyer_request = quote.item.request
    if not may_manage(buyer_request, actor):
        raise PermissionDenied(_l("only the buyer can accept a quote"))
    if buyer_request.status not in ACCEPTING:
        raise RequestError(_l("quotes on this request can no longer be accepted"))
    now = now or utcnow()
    # Lock the item (a no-op on SQLite, which writes one transaction at a time): a second
    # accept on the same item waits here, then sees this one's quote as accepted.
    session.execute(select(RequestItem.id).where(RequestItem.id == quote.item_id).with_for_update()).one()
    accepted_ids = set(session.scalars(select(Quote.id).where(Quote.item_id == quote.item_id, Quote.accepted)))
    if quote.id in accepted_ids:
        raise RequestError(_l("this quote is already accepted"))
    if quote.valid_until is not None and quote.valid_until < now.date():
        raise RequestError(_l("this quote has run out"))
    if accepted_ids:
        raise RequestError(_l("you already accepted a quote on this item"))
    quote.accepted = True
    quote.accepted_at = now
    session.flush()
    record_event(
        session, buyer_request, actor, "accepted", now, quote=quote.id, item=quote.item_id, supplier=quote.supplier.name
    )
    notify(
        session,
        supplier_members(session, [quote.supplier_id]),
        "quote.accepted",
        {"item": quote.item.text, "title": buyer_request.title},
        link=request_path(buyer_request, f"quote-{quote.id}"),
    )
    logger.info(
        "User %d accepted quote %d of supplier %d on request %d",
        actor.id,
        quote.id,
        quote.supplier_id,
        buyer_request.id,
    )
    if all(any(q.accepted for q in item.quotes) for item in buyer_request.items):
        _award(session, buyer_request, actor, now)
    session.flush()
    return quote


def award_request(
    session: Session, buyer_request: BuyerRequest, actor: User, *, now: dt.datetime | None = None
) -> None:
    """Mark the request awarded at the buyer's word, with at least one accepted quote."""
    if not may_manage(buyer_request, actor):
        raise PermissionDenied(_l("only the buyer can award the request"))
    if buyer_request.status not in ACCEPTING:
        raise RequestError(_l("this request can no longer be awarded"))
    if not any(q.accepted for item in buyer_request.items for q in item.quotes):
        raise RequestError(_l("accept a quote first"))
    _award(session, buyer_request, actor, now or utcnow())
    session.flush()


def _award(session: Session, buyer_request: BuyerRequest, actor: User, now: dt.datetime) -> None:
    buyer_request.status = RequestStatus.AWARDED
    buyer_request.ended_at = now
    record_event(session, buyer_request, actor, "awarded", now)
    logger.info("Request %d is awarded", buyer_request.id)


def exchanged_contact(session: Session, quote: Quote, viewer: User | None) -> Contact | None:
    """Return the other side's contacts for an accepted quote, or ``None``.

    The buyer (and operators) see the supplier's; the quoting supplier's team sees the
    buyer's. Nobody sees any before the quote is accepted.
    """
    if viewer is None or not quote.accepted:
        return None
    buyer_request = quote.item.request
    if may_see_quotes(buyer_request, viewer):
        supplier = quote.supplier
        members = supplier_members(session, [supplier.id])
        email = supplier.contact_email or (members[0].email if members else None)
        phone = supplier.contact_phone or next((m.phone for m in members if m.phone), None)
        return Contact(name=supplier.name, email=email, phone=phone, website=supplier.store_url)
    if viewer.is_supplier and viewer.supplier_id == quote.supplier_id:
        buyer = buyer_request.buyer
        return Contact(name=buyer.display_name, email=buyer.email, phone=buyer.phone)
    return None
