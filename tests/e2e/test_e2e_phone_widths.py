"""Every page of the buyer's and the supplier's flows fits a phone: nothing is wider than the screen.

A page wider than the viewport scrolls sideways, and what sits past the edge (a price, the Buy
button) is what a phone's reader never sees. Each page is loaded at three common phone widths,
in Ukrainian, and the document's scroll width is compared with the viewport's.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import BUYER, SELLERS, TIMEOUT_MS, log_in, log_out

pytestmark = pytest.mark.e2e

#: Small Android phones, the iPhone 12-15, the larger iPhones.
PHONE_WIDTHS = (360, 390, 414)

BUYER_PAGES = ("/", "/search?q=сковорода", "/categories/", "/products/1", "/compare/")
SIGNED_IN_BUYER_PAGES = ("/requests/", "/requests/new")
SELLER_PAGES = ("/portal/", "/portal/leads", "/portal/clicks", "/portal/storefront", "/portal/categories")


def _overflow(page: Page, width: int) -> list[str]:
    """Name the elements that reach past the right edge of a ``width``-pixel screen."""
    return page.evaluate(
        """(width) => [...document.querySelectorAll('body *')]
            .map((el) => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.width > 0 && box.right > width + 1)
            .slice(0, 5)
            .map(([el, box]) => `${el.tagName.toLowerCase()}.${el.className} ends at ${Math.round(box.right)}px`)""",
        width,
    )


def _assert_fits(page: Page, path: str, width: int) -> None:
    page.goto(path)
    expect(page.locator("main, .container, body").first).to_be_visible(timeout=TIMEOUT_MS)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{path} at {width} px is {scroll_width} px wide: {_overflow(page, width)}"


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_every_page_fits_a_phone(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/?lang=uk")
    product_category = None
    for path in BUYER_PAGES:
        _assert_fits(page, path, width)
        if path.startswith("/products/"):
            product_category = page.locator(".breadcrumbs a").last.get_attribute("href")
    assert product_category, "the product page names its category"
    _assert_fits(page, product_category, width)

    # The helpers log in and out through the English pages; the pages measured are Ukrainian.
    page.goto("/?lang=en")
    log_in(page, BUYER)
    page.goto("/?lang=uk")
    for path in SIGNED_IN_BUYER_PAGES:
        _assert_fits(page, path, width)
    page.goto("/?lang=en")
    log_out(page)

    log_in(page, SELLERS["kyiv-kitchen"])
    page.goto("/?lang=uk")
    for path in SELLER_PAGES:
        _assert_fits(page, path, width)


def test_on_a_phone_the_product_page_shows_price_and_buy_on_screen(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/products/1?lang=uk")
    first = page.get_by_test_id("offer-row").first
    for part in (first.locator("td.num").first, first.get_by_test_id("buy")):
        part.scroll_into_view_if_needed()
        box = part.bounding_box()
        # Reached by scrolling down only: the page never had to move sideways to show it.
        assert page.evaluate("window.scrollX") == 0
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
