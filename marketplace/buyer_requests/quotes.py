"""Sealed quotes: a supplier quotes on an item and sees only its own, the buyer sees them all."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.buyer_requests.access import accepts_quotes, is_matched, may_see_quotes
from marketplace.buyer_requests.errors import PermissionDenied, RequestError
from marketplace.buyer_requests.history import record_event
from marketplace.buyer_requests.inputs import clean_currency, clean_money
from marketplace.buyer_requests.matching import CATALOG_MATCHES, CatalogSearch
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem, Visibility
from marketplace.buyer_requests.notices import request_path
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.catalog.pricing import UnknownCurrency, to_base
from marketplace.db import utcnow
from marketplace.events.log import log_event
from marketplace.notifications.services import notify
from marketplace.suppliers.models import Supplier
from search_index import SearchQuery

logger = logging.getLogger(__name__)


#: Offers a supplier picks from to link to a quote.
OFFER_CHOICES = 200


def submit_quote(
    session: Session,
    supplier: Supplier,
    item: RequestItem,
    *,
    price: Decimal,
    currency: str,
    delivery_cost: Decimal | None = None,
    availability: str | None = None,
    valid_until: dt.date | None = None,
    note: str | None = None,
    offer_id: int | None = None,
    now: dt.datetime | None = None,
    actor: User | None = None,
) -> Quote:
    """Record ``supplier``'s quote on ``item``, tell the buyer, and return it.

    A supplier has one quote per item: submitting again updates it (an accepted quote is
    final). Raise ``RequestError`` if the request no longer takes quotes or an amount is
    out of range, and ``PermissionDenied`` if the request is not shown to the supplier or
    ``offer_id`` is not one of the supplier's active offers.
    """
    now = now or utcnow()
    buyer_request = item.request
    if not accepts_quotes(buyer_request, now=now):
        raise RequestError(_l("this request no longer takes quotes"))
    if buyer_request.visibility == Visibility.MATCHED and not is_matched(buyer_request, supplier.id):
        raise PermissionDenied(_l("this request is for matched suppliers only"))
    if not price.is_finite() or price <= 0:
        raise RequestError(_l("the price must be more than zero"), field="price")
    price = clean_money(price, field="price")
    if price <= 0:
        raise RequestError(_l("the price must be at least 0.01"), field="price")
    if delivery_cost is not None:
        if not delivery_cost.is_finite() or delivery_cost < 0:
            raise RequestError(_l("the delivery cost cannot be negative"), field="delivery_cost")
        delivery_cost = clean_money(delivery_cost, field="delivery_cost")
    currency = clean_currency(currency)
    if valid_until is not None and valid_until < now.date():
        raise RequestError(_l("the quote would already have run out"), field="valid_until")
    if offer_id is not None:
        offer = session.get(Offer, offer_id)
        # One message for "absent" and "someone else's", so that ids of others' offers do not leak.
        if offer is None or offer.supplier_id != supplier.id or not offer.is_active:
            raise PermissionDenied(_l("that offer is not in your price list"), field="offer_id")

    quote = session.scalar(select(Quote).where(Quote.item_id == item.id, Quote.supplier_id == supplier.id))
    created = quote is None
    if quote is None:
        quote = Quote(item=item, supplier=supplier, created_at=now)
        session.add(quote)
    elif quote.accepted:
        raise RequestError(_l("the buyer accepted this quote; it can no longer change"))
    quote.price = price
    quote.currency = currency
    quote.delivery_cost = delivery_cost
    quote.availability = (availability or "").strip()[:255] or None
    quote.valid_until = valid_until
    quote.note = (note or "").strip() or None
    quote.offer_id = offer_id
    session.flush()
    log_event("quote_sent", supplier_id=supplier.id, request_id=buyer_request.id, quote_id=quote.id)
    kind = "quoted" if created else "requoted"
    record_event(
        session, buyer_request, actor, kind, now,
        quote=quote.id, item=item.id, supplier=supplier.name, price=str(price), currency=currency,
    )  # fmt: skip
    notify(
        session,
        [buyer_request.buyer],
        "quote.new" if created else "quote.updated",
        {"supplier": supplier.name, "item": item.text, "title": buyer_request.title},
        link=request_path(buyer_request, f"quote-{quote.id}"),
    )
    logger.info(
        "Supplier %d %s quote %d on item %d of request %d: %s %s",
        supplier.id,
        "submitted" if created else "updated",
        quote.id,
        item.id,
        item.request_id,
        price,
        quote.currency,
    )
    return quote


def quote_offer_choices(
    session: Session,
    supplier: Supplier,
    item: RequestItem,
    catalog: CatalogSearch | None = None,
    *,
    limit: int = OFFER_CHOICES,
) -> list[Offer]:
    """Return the offers ``supplier`` may link to a quote on ``item``: its own active ones.

    Those the catalog finds for the item's words come first, best first, then the rest by
    title, at most ``limit`` in all. ``submit_quote`` checks the choice again.
    """
    own = (Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE)
    ranked: list[int] = []
    if catalog is not None:
        results = catalog.index.search(
            SearchQuery(text=item.text, suppliers=(supplier.slug,), per_page=min(limit, CATALOG_MATCHES * 2))
        )
        ranked = [hit.offer_id for hit in results.hits]
    best = {o.id: o for o in session.scalars(select(Offer).where(*own, Offer.id.in_(ranked)))} if ranked else {}
    chosen = [best[offer_id] for offer_id in dict.fromkeys(ranked) if offer_id in best]
    rest = session.scalars(
        select(Offer).where(*own, Offer.id.not_in([o.id for o in chosen])).order_by(Offer.title, Offer.id)
        .limit(max(limit - len(chosen), 0))
    )  # fmt: skip
    return chosen + list(rest)


def quotes_for_buyer(
    session: Session,
    buyer_request: BuyerRequest,
    viewer: User,
    *,
    rates: Mapping[str, Decimal] | None = None,
) -> dict[int, list[Quote]]:
    """Return every quote on the request by item id, cheapest total first.

    Only the request's buyer and operators may see them; raise ``PermissionDenied`` for
    anyone else. Every item has a key, with an empty list when nobody quoted. Given
    ``rates`` to the base currency, totals in different currencies are compared in it;
    quotes in a currency without a rate come last.
    """
    if not may_see_quotes(buyer_request, viewer):
        raise PermissionDenied(_l("only the buyer sees the quotes on a request"))
    by_item: dict[int, list[Quote]] = {item.id: [] for item in buyer_request.items}
    query = (
        select(Quote)
        .join(Quote.item)
        .where(RequestItem.request_id == buyer_request.id)
        .options(joinedload(Quote.supplier), joinedload(Quote.offer), selectinload(Quote.messages))
    )
    for quote in session.scalars(query):
        by_item.setdefault(quote.item_id, []).append(quote)

    def rank(quote: Quote) -> tuple[bool, Decimal, int]:
        total = quote.total
        if rates is not None:
            try:
                total = to_base(total, quote.currency, rates)
            except UnknownCurrency:
                return (True, total, quote.id)
        return (False, total, quote.id)

    for quotes in by_item.values():
        quotes.sort(key=rank)
    return by_item


def quotes_of_supplier(session: Session, buyer_request: BuyerRequest, supplier: Supplier) -> dict[int, Quote]:
    """Return ``supplier``'s own quotes on the request by item id; never anyone else's."""
    query = (
        select(Quote)
        .join(Quote.item)
        .where(RequestItem.request_id == buyer_request.id, Quote.supplier_id == supplier.id)
        .options(selectinload(Quote.messages))
    )
    return {quote.item_id: quote for quote in session.scalars(query)}
