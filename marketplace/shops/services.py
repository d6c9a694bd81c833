"""A shop in the row: a supplier's page with its offers, and order requests (leads) to sellers without a store."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace.catalog.models import Offer, OfferStatus
from marketplace.domain_errors import DomainError
from marketplace.events.log import log_event
from marketplace.search.services import SearchPage, search_offers
from marketplace.shops.leads import add_lead
from marketplace.shops.models import Lead, LeadItem, LeadSource
from marketplace.suppliers.models import Supplier
from search_index import SearchEngine, SearchQuery

logger = logging.getLogger(__name__)

#: The most lines one order request may carry, and the most of one line.
MAX_ORDER_ITEMS = 50
MAX_QUANTITY = 9999


class ShopError(DomainError):
    """A shop rule was broken; the message is fit to show the buyer."""


@dataclass
class ShopOffers:
    """One page of a shop's offers: from the search index when searching, else by title."""

    offers: list[Offer]
    total: int
    page: int
    per_page: int
    query: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def shop_offers(
    session: Session, index: SearchEngine, supplier: Supplier, *, query: str = "", page: int = 1, per_page: int = 24
) -> ShopOffers:
    """Return one page of the supplier's active offers; a query searches them through the index."""
    query = query.strip()
    if query:
        found: SearchPage = search_offers(
            session, index, SearchQuery(text=query, suppliers=(supplier.slug,), page=page, per_page=per_page)
        )
        return ShopOffers([hit.offer for hit in found.hits], found.total, page, per_page, query)
    where = (Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE)
    total = session.scalar(select(func.count()).where(*where)) or 0
    offers = session.scalars(
        select(Offer)
        .where(*where)
        .options(selectinload(Offer.supplier))
        .order_by(Offer.title, Offer.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ShopOffers(list(offers), total, page, per_page, query)


def orderable_offers(session: Session, supplier: Supplier, offer_ids: Sequence[int]) -> list[Offer]:
    """Return the supplier's active offers among ``offer_ids``, in that order, each once."""
    wanted = list(dict.fromkeys(offer_ids))[:MAX_ORDER_ITEMS]
    if not wanted:
        return []
    found = {
        o.id: o
        for o in session.scalars(
            select(Offer).where(
                Offer.id.in_(wanted), Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE
            )
        )
    }
    return [found[offer_id] for offer_id in wanted if offer_id in found]


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line a buyer asks for."""

    offer_id: int
    quantity: int


def submit_order_request(
    session: Session,
    supplier: Supplier,
    *,
    buyer_name: str,
    phone: str | None,
    email: str | None,
    comment: str | None,
    lines: Sequence[OrderLine],
    user_id: int | None = None,
    company: str | None = None,
) -> Lead:
    """Send an order request to a supplier without a web store, as a new lead; raise ``ShopError`` if it cannot be sent.

    A business buyer names its ``company``; ``buyer_name`` is then its contact person.
    """
    if supplier.has_own_store:
        raise ShopError(_l("This seller takes orders in its own store; use its Buy button."))
    if not buyer_name.strip():
        raise ShopError(_l("Tell the seller your name."))
    phone, email = (phone or "").strip() or None, (email or "").strip() or None
    if not phone and not email:
        raise ShopError(_l("Leave a phone number or an e-mail address so that the seller can reach you."))
    wanted = [line for line in lines if line.quantity > 0]
    if not wanted:
        raise ShopError(_l("Ask for at least one item."))
    if any(line.quantity > MAX_QUANTITY for line in wanted) or len(wanted) > MAX_ORDER_ITEMS:
        raise ShopError(_l("That is more than one request can carry; contact the seller directly."))
    offers = {o.id: o for o in orderable_offers(session, supplier, [line.offer_id for line in wanted])}
    if len(offers) != len({line.offer_id for line in wanted}):
        raise ShopError(_l("Some items are no longer on sale at this seller; reload the page."))
    lead = Lead(
        supplier=supplier,
        user_id=user_id,
        buyer_name=buyer_name.strip()[:255],
        buyer_phone=phone and phone[:40],
        buyer_email=email and email[:255],
        company=(company or "").strip()[:255] or None,
        contact_person=buyer_name.strip()[:255] if (company or "").strip() else None,
        comment=(comment or "").strip() or None,
        source=LeadSource.ORDER,
        subject=", ".join(offer.title for offer in offers.values())[:255],
    )
    quantities: dict[int, int] = {}
    for line in wanted:
        quantities[line.offer_id] = quantities.get(line.offer_id, 0) + line.quantity
    for offer_id, quantity in quantities.items():
        offer = offers[offer_id]
        lead.items.append(
            LeadItem(
                offer_id=offer.id,
                supplier_sku=offer.supplier_sku,
                title=offer.title,
                quantity=Decimal(quantity),
                price=offer.price,
                currency=offer.currency,
            )
        )
    currencies = {item.currency for item in lead.items}
    if len(currencies) == 1:  # lines in several currencies add up to no one value
        lead.value_currency = currencies.pop()
        lead.value = sum(((item.price or Decimal(0)) * item.quantity for item in lead.items), Decimal(0))
    add_lead(session, lead)
    log_event("lead_created", supplier_id=supplier.id, lead_id=lead.id)
    logger.info("Order request %d to supplier %s: %d lines, user %s", lead.id, supplier.slug, len(lead.items), user_id)
    return lead


def update_storefront(
    session: Session,
    supplier: Supplier,
    *,
    has_own_store: bool,
    utm_source: str | None,
    utm_medium: str | None,
    utm_campaign: str | None,
) -> None:
    """Change how buyers reach the supplier: its own store (with UTM tags) or order requests here."""
    supplier.has_own_store = has_own_store
    supplier.utm_source = (utm_source or "").strip()[:100] or None
    supplier.utm_medium = (utm_medium or "").strip()[:100] or None
    supplier.utm_campaign = (utm_campaign or "").strip()[:100] or None
    session.flush()
    logger.info("Supplier %s storefront: own store %s, UTM %s/%s/%s", supplier.slug, has_own_store,
                supplier.utm_source, supplier.utm_medium, supplier.utm_campaign)  # fmt: skip
