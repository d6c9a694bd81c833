"""A visitor views three products, leaves, comes back the next day, and sees them on the home page.

"The next day" is made by moving the visitor's own events back a day in the live database
(through ``live.write_session()``), after writing the events the pages buffered: no clock of
the other tests moves, and nobody sleeps.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from marketplace.catalog.models import Offer, OfferStatus
from marketplace.events.log import flush
from marketplace.events.models import AnalyticsEvent
from marketplace.suppliers.models import Supplier
from tests.support.e2e import TIMEOUT_MS, LiveApp, page_width

pytestmark = pytest.mark.e2e


def demo_products(live: LiveApp, count: int) -> list[int]:
    """Return ``count`` products of Dnipro Tools' demo catalog, which the other browser tests leave alone."""
    with live.session() as session:
        rows = session.scalars(
            select(Offer.product_id)
            .join(Supplier, Supplier.id == Offer.supplier_id)
            .where(Supplier.slug == "dnipro-tools", Offer.status == OfferStatus.ACTIVE)
            .order_by(Offer.id)
        ).all()
    products = list(dict.fromkeys(rows))[:count]
    assert len(products) == count
    return products


def test_a_returning_visitor_sees_the_products_viewed_yesterday(context: BrowserContext, live: LiveApp) -> None:
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Every supplier. One trade row.")).to_be_visible()
    assert not page.get_by_test_id("personal-home").count()  # a first visit gets today's page
    titles = []
    for product_id in demo_products(live, 3):
        page.goto(f"/products/{product_id}")
        titles.append(page.locator("h1").first.inner_text().strip())
    visitor = next(c["value"] for c in context.cookies() if c["name"] == "visitor")
    page.close()  # the visitor leaves

    flush(live.app)  # the page views the server buffered, written now rather than at a later page's end
    session = live.write_session()
    try:
        events = session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.visitor_id == visitor)).all()
        for event in events:
            event.occurred_at -= dt.timedelta(days=1)
        session.commit()
    finally:
        session.close()
    assert len(events) >= 7  # 4 page views and 3 product views
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)

    page = context.new_page()
    page.goto("/")

    continued = page.get_by_test_id("continue")
    expect(continued).to_be_visible(timeout=TIMEOUT_MS)
    tiles = continued.get_by_test_id("product-tile")
    expect(tiles).to_have_count(3)
    # Newest first, each saying why it is there.
    for tile, title in zip(tiles.all(), reversed(titles), strict=True):
        expect(tile.locator(".tile-title")).to_have_text(title)
        expect(tile.get_by_test_id("why")).to_have_text(f"You viewed this on {yesterday.day} {yesterday:%B}")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page_width(page) <= 390  # no sideways scroll on a phone
    page.get_by_role("link", name="All you viewed").click()
    expect(page.get_by_test_id("recently-viewed").get_by_test_id("product-tile")).to_have_count(3)
