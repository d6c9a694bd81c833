"""On a phone a search shows its first result whole (thumbnail, price range, Buy), the filters in a drawer.

The picture is served by a real HTTP server on loopback; the live app's own worker fetches it
and makes the thumbnail, which the browser then loads from TradeRow, never from the supplier.
"""

from __future__ import annotations

import io
import re
import time
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.catalog.jobs import SCAN_MARKER
from marketplace.catalog.models import STRONG_BASES, Offer
from marketplace.catalog.thumbnails import ThumbnailFolder
from tests.support.e2e import TIMEOUT_MS, LiveApp, page_width
from tests.support.feed_server import running_feed_server

pytestmark = pytest.mark.e2e

PAN = "Hartwell Steel frying pan 28 cm"


def money(text: str) -> Decimal:
    """Return the first amount in a price text ("from 1,861.00 ₴ to ..." -> 1861.00)."""
    found = re.search(r"\d[\d,]*\.\d\d", text)
    assert found, text
    return Decimal(found.group().replace(",", ""))


def _give_the_pan_a_picture(live: LiveApp, url: str) -> None:
    session = live.write_session()
    try:
        founder = session.scalars(
            select(Offer).where(Offer.title == PAN, Offer.group_basis.in_(STRONG_BASES)).order_by(Offer.id)
        ).first()
        assert founder is not None, "the demo's Hartwell pan"
        founder.pictures = [url]
        session.commit()
    finally:
        session.close()


def test_on_a_phone_the_first_result_comes_before_the_filters_drawer(page: Page, live: LiveApp) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (600, 400), (30, 90, 160)).save(picture, "PNG")
    config = live.app.config
    allowed = config["FEED_ALLOW_PRIVATE"]
    with running_feed_server() as pictures:
        pictures.serve_bytes("/pan.png", picture.getvalue(), content_type="image/png")
        url = pictures.url("/pan.png")
        _give_the_pan_a_picture(live, url)
        folder = ThumbnailFolder.of(config)
        config["FEED_ALLOW_PRIVATE"] = True  # the picture server is on loopback
        try:
            (folder.path / SCAN_MARKER).unlink(missing_ok=True)  # look for new pictures at the next pass
            deadline = time.monotonic() + 30
            while not folder.has(url) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            config["FEED_ALLOW_PRIVATE"] = allowed
        assert folder.has(url), "the worker made the thumbnail"

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/search?q=hartwell")
    hit = page.get_by_test_id("hit").filter(has_text=PAN)
    expect(hit).to_be_visible(timeout=TIMEOUT_MS)
    thumbnail = hit.get_by_test_id("thumbnail")
    expect(thumbnail).to_be_visible()
    assert thumbnail.get_attribute("src") == f"/thumbnails/{folder.file_name(url)}"
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") == 160
    expect(hit.get_by_test_id("price")).to_contain_text("from")
    expect(hit.get_by_test_id("sellers")).to_have_text("at 3 sellers")

    # The first result, whole, is on the first screen; the filter panel is not, until asked for.
    first = page.get_by_test_id("hit").first
    for part in (first.get_by_test_id("price"), first.get_by_test_id("hit-buy"), first.locator(".thumb")):
        box = part.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844 and box["x"] + box["width"] <= 390, box
    price_filter = page.get_by_test_id("facet-price")
    expect(price_filter).to_be_hidden()
    assert page_width(page) <= 390

    page.get_by_test_id("filters-toggle").click()
    expect(price_filter).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("search-form").get_by_role("button", name="Apply")).to_be_visible()
    assert page_width(page) <= 390

    # On a wide screen the same page shows the filters as a sidebar, no drawer to open.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/search?q=hartwell")
    expect(page.get_by_test_id("facet-price")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("filters-toggle")).to_be_hidden()


def test_a_category_page_lists_and_filters_as_search_does(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/search?q=hartwell")
    href = page.get_by_test_id("hit").first.locator(".hit-title").get_attribute("href")
    assert href
    page.goto(href)
    category = page.locator(".breadcrumbs a").last.get_attribute("href")
    assert category
    page.goto(category)
    expect(page.get_by_test_id("hit").first).to_be_visible(timeout=TIMEOUT_MS)
    assert page_width(page) <= 360
    page.get_by_test_id("filters-toggle").click()
    form = page.get_by_test_id("search-form")
    form.get_by_label("Sort").select_option("price_desc")
    form.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/categories/\d+(-[a-z0-9-]+)?\?(.*&)?sort=price_desc"), timeout=TIMEOUT_MS)
    prices = [money(text) for text in page.get_by_test_id("hit").locator(".hit-meta .price").all_inner_texts()]
    assert prices and prices == sorted(prices, reverse=True), prices
