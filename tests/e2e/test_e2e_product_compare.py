"""A buyer searches, opens the product card, clicks out to a seller, then compares two pans side by side."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.catalog.models import ClickOut, Offer
from tests.support.e2e import TIMEOUT_MS, LiveApp, OutsideTraffic

pytestmark = pytest.mark.e2e


def search_and_open(page: Page, query: str, hit: re.Pattern[str], title: str) -> str:
    """Search from the header, open the hit matching ``hit`` (any seller's title), return the product's path."""
    header_search = page.locator(".site-header").get_by_role("searchbox")
    header_search.fill(query)
    header_search.press("Enter")
    expect(page.get_by_test_id("hit").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_test_id("hit").filter(has_text=hit).first.locator(".hit-title").click()
    expect(page).to_have_url(re.compile(r"/products/\d+-[a-z0-9-]+$"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("product-title")).to_have_text(title, timeout=TIMEOUT_MS)
    return "/products/" + page.url.rsplit("/", 1)[1]


def test_search_product_card_click_out_and_comparison(page: Page, live: LiveApp, traffic: OutsideTraffic) -> None:
    page.goto("/")
    product_path = search_and_open(
        page, "frying pan 28", re.compile(r"Hartwell Steel.* 28 "), "Hartwell Steel frying pan 28 cm"
    )

    # The card: every seller's offer, the server-drawn price chart, pictures and specs.
    offers = page.get_by_test_id("offers").get_by_test_id("offer-row")
    expect(offers).to_have_count(3, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("price-chart")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("chart-legend").first).to_have_text("Lowest price", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("specs")).to_contain_text("Hartwell", timeout=TIMEOUT_MS)
    page.get_by_test_id("offer-sort").get_by_role("link", name="total with delivery").click()
    expect(page).to_have_url(re.compile(r"sort=total"), timeout=TIMEOUT_MS)
    expect(offers).to_have_count(3, timeout=TIMEOUT_MS)

    # The click-out: recorded, then the browser lands on the seller's (intercepted) store.
    buy = offers.first.get_by_test_id("buy")
    offer_id = int(re.fullmatch(r"/go/(\d+)\?pos=1", buy.get_attribute("href") or "")[1])  # type: ignore[index]
    buy.click()
    expect(page).to_have_title("Seller store", timeout=TIMEOUT_MS)
    with live.session() as session:
        click = session.scalars(
            select(ClickOut).where(ClickOut.offer_id == offer_id).order_by(ClickOut.id.desc())
        ).first()
        offer = session.get(Offer, offer_id)
        assert click is not None and offer is not None
        assert page.url == click.target_url == offer.url
        assert click.source_page == f"{product_path}?sort=total" and click.position == 1
    # Pictures come from the stores too; the only page visited is the click-out's.
    assert traffic.store_visits() == [click.target_url]

    # Back on the card: add it, then its smaller sister, to the comparison; each stays on its page.
    page.goto(product_path)
    page.get_by_test_id("add-to-compare").click()
    expect(page.get_by_test_id("compare-status")).to_have_text(
        "Added to the comparison (1 of 4). Open the comparison", timeout=TIMEOUT_MS
    )
    expect(page).to_have_url(re.compile(re.escape(product_path) + "$"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("compare-link")).to_contain_text("1")

    search_and_open(page, "frying pan 24", re.compile(r"Hartwell Steel.* 24 "), "Hartwell Steel frying pan 24 cm")
    page.get_by_test_id("add-to-compare").click()
    status = page.get_by_test_id("compare-status")
    expect(status).to_contain_text("Added to the comparison (2 of 4).", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("compare-link")).to_contain_text("2")
    status.get_by_role("link", name="Open the comparison").click()
    expect(page).to_have_url(re.compile(r"/compare/$"), timeout=TIMEOUT_MS)
    compared = page.get_by_test_id("compared-product")
    expect(compared).to_have_count(2, timeout=TIMEOUT_MS)
    expect(compared.nth(0)).to_contain_text("28 cm")
    expect(compared.nth(1)).to_contain_text("24 cm")
    expect(page.get_by_test_id("compared-price")).to_have_text(
        [re.compile(r"1,8\d\d\.\d\d"), re.compile(r"1,5\d\d\.\d\d")], timeout=TIMEOUT_MS
    )
    expect(page.get_by_test_id("compare-link")).to_contain_text("2")

    # The shared link shows the same table to someone else.
    share = page.get_by_test_id("share-link").get_attribute("href") or ""
    other = page.context.browser.new_page(base_url=live.base_url)  # type: ignore[union-attr]
    try:
        other.goto(share)
        expect(other.get_by_test_id("compared-product")).to_have_count(2, timeout=TIMEOUT_MS)
    finally:
        other.close()
