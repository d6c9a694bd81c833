"""Browsing without words: totals, facets and order against counts made by hand.

Browse answers come from per-snapshot precomputations (sort orders walked instead of
sorted, coded facet columns, the unfiltered catalog's counts made by ``Snapshot.warm``).
These tests hold them to a plain re-count of the documents, over two segments with
deletions, so a shortcut that drops a deleted offer or a product's cheaper offer shows.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from search_index import OfferDocument, SearchIndex, SearchQuery, facet_columns, price_bucket_label, reading
from search_index.schema import price_bucket
from tests.support.search import make_offer

# Category tree: 1 > 10, 11; 2 > 20.
_CATEGORIES = ((1, 10), (1, 11), (2, 20), (1,))
_BRANDS = ("Bosch", "BOSCH", "Tefal", "Fiskars", "")
_SUPPLIERS = ("acme", "beta", "gamma", "delta")


def _catalog() -> list[OfferDocument]:
    rng = random.Random(5)
    offers = []
    for offer_id in range(1, 121):
        product_id = 1000 + rng.randint(0, 39)
        offers.append(
            make_offer(
                offer_id,
                f"Offer {offer_id} of product {product_id}",
                product_id=product_id,
                supplier=rng.choice(_SUPPLIERS),
                brand=rng.choice(_BRANDS),
                category_ids=_CATEGORIES[product_id % len(_CATEGORIES)],
                # Prices across the facet's buckets, with ties the offer id breaks.
                price_minor=rng.choice((5_000, 20_000, 20_000, 90_000, 400_000, 3_000_000)),
                in_stock=rng.random() < 0.7,
                condition=rng.choice(("new", "new", "used", "refurbished")),
                created_at=rng.randint(1, 50),
            )
        )
    return offers


CATALOG = _catalog()
REMOVED = frozenset(range(5, 121, 9))
LIVE = [offer for offer in CATALOG if offer.offer_id not in REMOVED]

FILTERS: tuple[dict[str, Any], ...] = (
    {},
    {"in_stock": True, "max_price_minor": 90_000},
    {"suppliers": ("acme", "gamma")},
    {"category_id": 1},
    {"category_id": 10, "in_stock": False},
    {"brands": ("bosch",), "conditions": ("new", "used")},
    {"min_price_minor": 20_000, "suppliers": ("beta",), "in_stock": True},
    {"suppliers": ("nobody",)},
)


@pytest.fixture(scope="module")
def shop(make_module_index: Callable[[str], SearchIndex]) -> Iterator[SearchIndex]:
    index = make_module_index("browse")
    index.index(CATALOG[:70])
    index.index(CATALOG[70:])  # a second segment
    index.remove(REMOVED)  # deletions in both
    yield index
    index.close()


def _passes(offer: OfferDocument, q: SearchQuery, skip: str = "") -> bool:
    low, high = q.min_price_minor, q.max_price_minor
    checks = {
        "supplier": not q.suppliers or offer.supplier in q.suppliers,
        "brand": not q.brands or offer.brand.lower() in {brand.lower() for brand in q.brands},
        "condition": not q.conditions or offer.condition in q.conditions,
        "price": (low is None or offer.price_minor >= low) and (high is None or offer.price_minor <= high),
        "stock": q.in_stock is None or offer.in_stock == q.in_stock,
        "category": q.category_id is None or q.category_id in offer.category_ids,
    }
    return all(ok for name, ok in checks.items() if name != skip)


def _facets_by_hand(q: SearchQuery) -> dict[str, dict[str, int]]:
    def count(value: Callable[[OfferDocument], Any], skip: str = "") -> Counter[Any]:
        offers = [offer for offer in LIVE if _passes(offer, q, skip)]
        row = (lambda o: o.product_id) if q.by_product else (lambda o: o.offer_id)
        return Counter(found for _, found in {(row(offer), value(offer)) for offer in offers})

    if q.category_id is None:
        depth = 0
    else:
        chain = next(offer.category_ids for offer in LIVE if q.category_id in offer.category_ids)
        depth = chain.index(q.category_id) + 1
    category = count(lambda o: o.category_ids[depth] if len(o.category_ids) > depth else None)
    buckets = count(lambda o: price_bucket(o.price_minor), "price")
    return {
        "category": {str(key): n for key, n in category.items() if key is not None},
        "brand": {key: n for key, n in count(lambda o: o.brand.lower(), "brand").items() if key},
        "supplier": dict(count(lambda o: o.supplier, "supplier")),
        "price": {price_bucket_label(bucket): n for bucket, n in sorted(buckets.items())},
        "condition": dict(count(lambda o: o.condition, "condition")),
    }


def _rows_by_hand(q: SearchQuery) -> list[tuple[int, int, tuple[int, ...]]]:
    """Return every row in order as (product, offer shown, the row's offers best first)."""
    matched = [offer for offer in LIVE if _passes(offer, q)]

    def rank(offer: OfferDocument) -> tuple[int, ...]:
        return (not offer.in_stock, offer.price_minor, offer.created_at, offer.offer_id)

    def price(offer: OfferDocument) -> tuple[int, int]:
        return (offer.price_minor, offer.offer_id)

    def newest(offer: OfferDocument) -> tuple[int, int]:
        return (-offer.created_at, -offer.offer_id)

    sort = "newest" if q.sort == "relevance" else q.sort
    if not q.by_product:
        key = newest if sort == "newest" else price
        ordered = sorted(matched, key=key, reverse=sort == "price_desc")
        return [(offer.product_id, offer.offer_id, (offer.offer_id,)) for offer in ordered]
    products: dict[int, list[OfferDocument]] = {}
    for offer in matched:
        products.setdefault(offer.product_id, []).append(offer)
    if sort == "newest":
        order = sorted(products, key=lambda p: min(map(newest, products[p])))
    else:  # a product sorts at the price it is shown "from": its cheapest matching offer
        order = sorted(products, key=lambda p: min(map(price, products[p])), reverse=sort == "price_desc")
    rows = []
    for product_id in order:
        best_first = sorted(products[product_id], key=rank)
        rows.append((product_id, best_first[0].offer_id, tuple(offer.offer_id for offer in best_first)))
    return rows


def _browses() -> list[SearchQuery]:
    return [
        SearchQuery(sort=sort, by_product=by_product, per_page=7, **filters)
        for filters in FILTERS
        for sort in ("relevance", "price_asc", "price_desc", "newest")
        for by_product in (True, False)
    ]


@pytest.mark.parametrize("q", _browses(), ids=repr)
def test_browse_matches_counts_and_order_by_hand(shop: SearchIndex, q: SearchQuery) -> None:
    rows = _rows_by_hand(q)
    first = shop.search(q)
    assert first.offer_total == sum(_passes(offer, q) for offer in LIVE)
    assert first.total == len(rows)
    assert {name: dict(counts) for name, counts in first.facets.items()} == _facets_by_hand(q)
    shown = []
    for page in range(1, first.pages + 1):
        results = shop.search(replace(q, page=page))
        assert results.facets == first.facets and results.total == first.total
        shown += [(hit.product_id, hit.offer_id, hit.offer_ids) for hit in results.hits]
    assert shown == rows


@pytest.mark.usefixtures("whoosh_only")
def test_a_new_snapshot_browses_as_a_warmed_one(shop: SearchIndex) -> None:
    """Warming precomputes what a browse needs; answers must not depend on whether it ran."""
    shop.search(SearchQuery(text="offer"))  # opens (and warms) the live generation
    live = shop._generation
    assert live is not None
    cold = reading.Snapshot(live.name, Path(shop.root) / live.name, reading.ColumnCache())
    try:
        for q in _browses():
            assert cold.search(q) == live.search(q), q
    finally:
        cold.close()


def test_a_warmed_snapshot_browses_the_whole_catalog_without_counting(
    shop: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.search(SearchQuery(text="offer"))  # opens (and warms) the live generation
    expected = {by_product: _facets_by_hand(SearchQuery(by_product=by_product)) for by_product in (True, False)}

    def count(*args: object) -> None:
        raise AssertionError("warm() already counted the unfiltered catalog")

    monkeypatch.setattr(facet_columns.FacetColumn, "count", count)
    for sort in ("relevance", "price_asc", "price_desc", "newest"):
        for by_product in (True, False):
            results = shop.search(SearchQuery(sort=sort, by_product=by_product, page=2, per_page=5))
            assert {name: dict(counts) for name, counts in results.facets.items()} == expected[by_product]
