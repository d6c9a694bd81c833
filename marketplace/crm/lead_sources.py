"""Turn requests and quotes into suppliers' leads: a matched request, a buyer's question, an accepted quote.

Shop order requests become leads where they are made (``shops.services``). Requests live on
the trade floor beside shops, so neither imports the other; this module, a floor above both,
reads what happened there and writes the leads. It is idempotent: one lead per supplier and
request, whichever source came first, and each accepted quote becomes one line of it. The
worker runs :func:`collect_leads` every pass, and the request pages run
:func:`collect_request_leads` right after a change, so the supplier hears at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from sqlalchemy import ColumnElement, Exists, and_, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from marketplace.buyer_requests.models import (
    BuyerRequest,
    Quote,
    QuoteMessage,
    RequestItem,
    RequestMatch,
    RequestStatus,
)
from marketplace.db import utcnow
from marketplace.shops.leads import add_lead
from marketplace.shops.models import Lead, LeadItem, LeadSource

logger = logging.getLogger(__name__)

#: The sources whose ``source_ref`` is a request.
REQUEST_SOURCES = (LeadSource.MATCH, LeadSource.QUESTION, LeadSource.QUOTE)


def _lead_for(session: Session, supplier_id: int, request_id: int) -> Lead | None:
    return session.scalar(
        select(Lead).where(
            Lead.supplier_id == supplier_id, Lead.source.in_(REQUEST_SOURCES), Lead.source_ref == request_id
        )
    )


def _has_lead(
    supplier_id: ColumnElement[int] | InstrumentedAttribute[int],
    request_id: ColumnElement[int] | InstrumentedAttribute[int],
) -> Exists:
    return exists().where(
        Lead.supplier_id == supplier_id, Lead.source.in_(REQUEST_SOURCES), Lead.source_ref == request_id
    )


def _new_lead(
    session: Session, buyer_request: BuyerRequest, supplier_id: int, source: LeadSource, now: dt.datetime
) -> Lead:
    """Add a lead about ``buyer_request`` with its items and quantities; the buyer's contacts come with a won quote."""
    lead = Lead(
        supplier_id=supplier_id,
        buyer_name="",
        source=source,
        source_ref=buyer_request.id,
        subject=buyer_request.title[:255],
    )
    for item in buyer_request.items:
        lead.items.append(
            LeadItem(
                supplier_sku="",
                title=item.text,
                quantity=item.quantity,
                unit=item.unit,
                price=item.max_price,
                currency=item.currency if item.max_price is not None else None,
            )
        )
    return add_lead(session, lead, now=now, tell=False)


def _add_won_quote(session: Session, quote: Quote, now: dt.datetime) -> Lead:
    """Put an accepted quote on its supplier's lead for the request (made now if there is none)."""
    buyer_request = quote.item.request
    lead = _lead_for(session, quote.supplier_id, buyer_request.id)
    if lead is None:
        lead = _new_lead(session, buyer_request, quote.supplier_id, LeadSource.QUOTE, now)
    if not any(line.quote_id is not None for line in lead.items):
        # The request's items stood for what might be won; from the first accepted quote on,
        # the lead holds what was won.
        lead.items[:] = []
    item = quote.item
    lead.items.append(
        LeadItem(
            supplier_sku=quote.offer.supplier_sku if quote.offer is not None else "",
            offer_id=quote.offer_id,
            quote_id=quote.id,
            title=item.text,
            quantity=item.quantity,
            unit=item.unit,
            price=quote.price,
            currency=quote.currency,
        )
    )
    # Contacts are exchanged for accepted quotes only (buyer_requests.awarding), so only now
    # does the lead learn who the buyer is.
    buyer = buyer_request.buyer
    lead.user_id = buyer.id
    lead.buyer_name = buyer.display_name
    lead.buyer_email = buyer.email
    lead.buyer_phone = buyer.phone
    won = [line for line in lead.items if line.quote_id is not None]
    currencies = {line.currency for line in won}
    if len(currencies) == 1 and (lead.value is None or lead.value_currency in currencies):
        lead.value_currency = currencies.pop()
        lead.value = sum(((line.price or Decimal(0)) * line.quantity for line in won), Decimal(0))
    session.flush()
    return lead


def collect_request_leads(session: Session, buyer_request: BuyerRequest, *, now: dt.datetime | None = None) -> int:
    """Make the leads one request owes its matched, asked and accepted suppliers; return how many changed."""
    return _collect(session, BuyerRequest.id == buyer_request.id, now or utcnow())


def collect_leads(session: Session, *, now: dt.datetime | None = None) -> int:
    """Make the leads every request owes; return how many were made or gained a won quote."""
    return _collect(session, None, now or utcnow())


def _collect(session: Session, only: ColumnElement[bool] | None, now: dt.datetime) -> int:
    changed = 0
    scope: list[ColumnElement[bool]] = [only] if only is not None else []
    live = and_(BuyerRequest.hidden_at.is_(None), BuyerRequest.status != RequestStatus.DRAFT, *scope)
    matched = session.execute(
        select(RequestMatch.supplier_id, BuyerRequest)
        .join(BuyerRequest, BuyerRequest.id == RequestMatch.request_id)
        .where(live, BuyerRequest.status == RequestStatus.OPEN)
        .where(~_has_lead(RequestMatch.supplier_id, RequestMatch.request_id))
        .options(selectinload(BuyerRequest.items))
        .order_by(RequestMatch.id)
    ).all()
    for supplier_id, buyer_request in matched:
        _new_lead(session, buyer_request, supplier_id, LeadSource.MATCH, now)
        changed += 1
    asked = session.execute(
        select(Quote.supplier_id, BuyerRequest)
        .join(QuoteMessage, QuoteMessage.quote_id == Quote.id)
        .join(RequestItem, RequestItem.id == Quote.item_id)
        .join(BuyerRequest, BuyerRequest.id == RequestItem.request_id)
        .where(live, QuoteMessage.side == "buyer")
        .where(~_has_lead(Quote.supplier_id, BuyerRequest.id))
        .distinct()
    ).all()
    for supplier_id, buyer_request in asked:
        if _lead_for(session, supplier_id, buyer_request.id) is None:  # two quotes asked about in one pass
            _new_lead(session, buyer_request, supplier_id, LeadSource.QUESTION, now)
            changed += 1
    won = session.scalars(
        select(Quote)
        .join(RequestItem, RequestItem.id == Quote.item_id)
        .join(BuyerRequest, BuyerRequest.id == RequestItem.request_id)
        .where(*scope, Quote.accepted, ~exists().where(LeadItem.quote_id == Quote.id))
        .order_by(Quote.id)
    ).all()
    for quote in won:
        _add_won_quote(session, quote, now)
        changed += 1
    if changed:
        logger.info("Collected %d leads from requests", changed)
    return changed
