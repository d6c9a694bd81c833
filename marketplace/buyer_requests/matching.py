"""The live catalog behind a request: the offers that fit each item and the suppliers to invite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.buyer_requests.models import BuyerRequest, RequestItem, RequestMatch
from marketplace.buyer_requests.notices import request_path, supplier_members
from marketplace.catalog.models import Offer, shown_to_buyers
from marketplace.catalog.pricing import UnknownCurrency, merge_rates, to_base, to_minor
from marketplace.notifications.services import notify
from marketplace.search.index_runtime import get_index
from marketplace.search.services import OfferHit, search_offers
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.services import in_subtree
from search_index import SearchEngine, SearchQuery

#: Catalog offers shown per item.
CATALOG_MATCHES = 5
#: Best-ranked offers per item whose suppliers count as matched by the item's words.
WORD_MATCH_DEPTH = 20


@dataclass(frozen=True)
class CatalogSearch:
    """The live catalog a request runs against: the app's index and the rates to its base currency."""

    index: SearchEngine
    rates: Mapping[str, Decimal]


def configured_rates() -> dict[str, Decimal]:
    """Return the current app's configured exchange rates to its base currency."""
    config = current_app.config
    return merge_rates(config["CURRENCY_RATES"], {}, config["BASE_CURRENCY"])


def live_catalog() -> CatalogSearch:
    """Return the current app's catalog: the index pages and the API search, at the configured rates."""
    return CatalogSearch(get_index(), configured_rates())


def catalog_query(item: RequestItem, rates: Mapping[str, Decimal], *, per_page: int = CATALOG_MATCHES) -> SearchQuery:
    """Return the search that finds catalog offers for ``item``: its words, category and price ceiling."""
    max_price_minor = None
    if item.max_price is not None:
        try:
            max_price_minor = to_minor(to_base(item.max_price, item.currency, rates))
        except UnknownCurrency:
            max_price_minor = None  # a ceiling we cannot convert does not filter
    return SearchQuery(text=item.text, max_price_minor=max_price_minor, category_id=item.category_id, per_page=per_page)


def catalog_matches(session: Session, buyer_request: BuyerRequest, catalog: CatalogSearch) -> dict[int, list[OfferHit]]:
    """Run every item against the live catalog now; return the best offers by item id.

    A request behaves like a saved search: this runs again on every view, so new offers show up.
    """
    return {
        item.id: search_offers(session, catalog.index, catalog_query(item, catalog.rates)).hits
        for item in buyer_request.items
    }


def match_suppliers(session: Session, buyer_request: BuyerRequest, catalog: CatalogSearch | None) -> dict[int, str]:
    """Return the suppliers that fit the request, by id, with why: ``category`` or ``words``.

    A supplier fits when it has active offers in an item's category (or below it), or when
    one of its offers is among the ``WORD_MATCH_DEPTH`` best that contain every word of an
    item. Without a ``catalog`` only categories are compared.
    """
    found: dict[int, str] = {}
    for item in buyer_request.items:
        if item.category_id is not None:
            for supplier_id in session.scalars(_suppliers_in_category(item.category_id)):
                found.setdefault(supplier_id, "category")
    if catalog is None:
        return found
    slugs: set[str] = set()
    for item in buyer_request.items:
        results = catalog.index.search(SearchQuery(text=item.text, per_page=WORD_MATCH_DEPTH))
        # A relaxed result matched any one word ("20", "mm"): too loose to bother a supplier with.
        if not results.relaxed:
            slugs.update(hit.supplier for hit in results.hits)
    if slugs:
        for supplier_id in session.scalars(select(Supplier.id).where(Supplier.slug.in_(slugs))):
            found.setdefault(supplier_id, "words")
    return found


def _suppliers_in_category(category_id: int) -> Any:
    return select(Offer.supplier_id).where(shown_to_buyers(), Offer.category_id.in_(in_subtree(category_id))).distinct()


def add_matches(session: Session, buyer_request: BuyerRequest, catalog: CatalogSearch | None) -> list[int]:
    """Record newly matched suppliers and notify their teams; return their ids."""
    known = {m.supplier_id for m in buyer_request.matches}
    new = {sid: reason for sid, reason in match_suppliers(session, buyer_request, catalog).items() if sid not in known}
    for supplier_id, reason in sorted(new.items()):
        buyer_request.matches.append(RequestMatch(supplier_id=supplier_id, reason=reason))
    session.flush()
    if new:
        notify(
            session,
            supplier_members(session, new),
            "request.matched",
            {"title": buyer_request.title},
            link=request_path(buyer_request),
        )
    return sorted(new)
