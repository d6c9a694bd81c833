"""The home page's rules that need no database: since when an offer is new, and which categories a visitor browses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from marketplace.catalog.models import Offer, Product
from marketplace.catalog.services import ProductSummary
from marketplace.personal.history import History, RecentProduct, RecentSearch
from marketplace.personal.home import CATEGORIES, NEW_OFFER_DAYS, browsed_categories, new_since

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def recent(product_id: int, hours_ago: float) -> RecentProduct:
    at = NOW - dt.timedelta(hours=hours_ago)
    return RecentProduct(product_id, at, at)


def summary(product_id: int, category_id: int | None, offer_category_id: int | None = None) -> ProductSummary:
    product = Product(id=product_id, title=f"Product {product_id}", category_id=category_id)
    best = Offer(product_id=product_id, category_id=offer_category_id, price_base=Decimal(100))
    return ProductSummary(product, best, 1)


def test_new_means_since_the_last_view_before_today() -> None:
    history = History(products=[recent(1, 1), recent(2, 30), recent(3, 80)])

    assert new_since(history, NOW) == NOW - dt.timedelta(hours=30)  # yesterday's view, not this morning's


def test_new_goes_back_a_week_at_most_and_for_a_visitor_only_seen_today() -> None:
    week = NOW - dt.timedelta(days=NEW_OFFER_DAYS)

    assert new_since(History(products=[recent(1, 24 * 40)]), NOW) == week
    assert new_since(History(products=[recent(1, 1)]), NOW) == week


def test_browsed_categories_are_the_latest_products_and_searches_own_once_each() -> None:
    history = History(
        products=[recent(1, 1), recent(2, 2), recent(3, 5), recent(4, 6), recent(5, 7)],
        searches=[RecentSearch("saw", {"q": "saw", "category": 70}, NOW - dt.timedelta(hours=3), 70)],
    )
    summaries = {
        1: summary(1, 10),
        2: summary(2, None, offer_category_id=20),  # the product has none: its best offer's
        3: summary(3, 10),
        4: summary(4, 40),
        5: summary(5, 50),
    }

    assert browsed_categories(history, summaries) == [10, 20, 70][:CATEGORIES]
