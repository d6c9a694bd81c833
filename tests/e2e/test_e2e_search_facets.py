"""A buyer narrows a search with the sidebar, sorts, pages, follows "did you mean" and switches views."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import TIMEOUT_MS

pytestmark = pytest.mark.e2e


def prices(page: Page) -> list[Decimal]:
    texts = page.get_by_test_id("hit").locator(".hit-meta .price").all_inner_texts()
    return [Decimal(re.search(r"\d[\d,]*\.\d\d", t).group().replace(",", "")) for t in texts]  # type: ignore[union-attr]


def facet_count(page: Page, facet: str, label: str) -> int:
    count = page.get_by_test_id(f"facet-{facet}").locator("label", has_text=label).locator(".count")
    # Read once a number shows, as the page settles: the filters script may still be placing the
    # panel, and a count read right after a match could be the next render's empty one (CI saw '').
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        text = count.inner_text(timeout=TIMEOUT_MS).strip()
        if text.isdigit():
            return int(text)
        assert time.monotonic() < deadline, f"the {label!r} count of facet {facet!r} never settled: {text!r}"
        page.wait_for_timeout(100)


def test_sidebar_filter_with_counts_then_sort(page: Page) -> None:
    page.goto("/search?q=hartwell")
    # Three Hartwell products; the 28 cm pan is sold by three suppliers.
    expect(page.get_by_test_id("hit")).to_have_count(3, timeout=TIMEOUT_MS)
    pan = page.get_by_test_id("hit").filter(has_text="28")
    expect(pan.get_by_test_id("sellers")).to_have_text("at 3 sellers")
    office_point = facet_count(page, "supplier", "Office Point")
    assert office_point == 1
    assert facet_count(page, "supplier", "Kyiv Kitchen") == 3

    form = page.get_by_test_id("search-form")
    form.get_by_label("Office Point").check()
    form.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"supplier=office-point"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).to_have_count(office_point, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit").first.locator(".hit-meta span").nth(1)).to_have_text("Office Point")
    # The supplier facet still offers the others, with their counts.
    assert facet_count(page, "supplier", "Kyiv Kitchen") == 3

    form.get_by_label("Office Point").uncheck()
    form.get_by_label("Sort").select_option("price_desc")
    form.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"sort=price_desc"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).to_have_count(3, timeout=TIMEOUT_MS)
    shown = prices(page)
    assert shown == sorted(shown, reverse=True), shown


def test_pagination_keeps_the_search_in_the_url(page: Page) -> None:
    page.goto("/search?q=hartwell&sort=price_asc&per_page=2")
    expect(page.get_by_test_id("hit")).to_have_count(2, timeout=TIMEOUT_MS)
    first_page = prices(page)
    page.get_by_test_id("next-page").click()
    expect(page).to_have_url(re.compile(r"page=2"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).to_have_count(1, timeout=TIMEOUT_MS)
    assert re.search(r"q=hartwell", page.url) and re.search(r"sort=price_asc", page.url)
    assert prices(page)[0] >= max(first_page)
    expect(page.get_by_test_id("page-of")).to_have_text("2 / 2")
    page.get_by_test_id("prev-page").click()
    expect(page.get_by_test_id("hit")).to_have_count(2, timeout=TIMEOUT_MS)


def test_did_you_mean_and_corrected_spelling(page: Page) -> None:
    page.goto("/search?q=hartwall")
    expect(page.get_by_test_id("corrected")).to_contain_text("hartwell", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).to_have_count(3, timeout=TIMEOUT_MS)

    # No Hartwell wok: the relaxed results show, and "did you mean" offers the spelling.
    page.goto("/search?q=hartwall+wok")
    expect(page.get_by_test_id("relaxed")).to_be_visible(timeout=TIMEOUT_MS)
    link = page.get_by_test_id("did-you-mean").get_by_role("link", name="hartwell wok")
    link.click()
    expect(page).to_have_url(re.compile(r"q=hartwell(\+|%20)wok"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("search-form").get_by_label("Search", exact=True)).to_have_value("hartwell wok")
    expect(page.get_by_test_id("did-you-mean")).to_have_count(0)


def test_products_view_and_offers_view(page: Page) -> None:
    page.goto("/search?q=hartwell")
    expect(page.get_by_test_id("hit")).to_have_count(3, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("total")).to_contain_text("3 products, 5 offers")
    page.get_by_test_id("view-offers").click()
    expect(page).to_have_url(re.compile(r"view=offers"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).to_have_count(5, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("sellers")).to_have_count(0)
    sellers = page.get_by_test_id("hit").filter(has_text="28").locator(".hit-meta span:nth-child(2)")
    assert sorted(sellers.all_inner_texts()) == ["Dnipro Tools", "Kyiv Kitchen", "Office Point"]
    page.get_by_test_id("view-products").click()
    expect(page.get_by_test_id("hit")).to_have_count(3, timeout=TIMEOUT_MS)


def test_search_boxes_suggest_as_the_buyer_types(page: Page) -> None:
    page.goto("/search?q=")
    page_box = page.get_by_test_id("search-q")
    header_box = page.locator(".site-header").get_by_role("searchbox")
    for box in (page_box, header_box):
        box.press_sequentially("hartw", delay=40)
        listed = page.locator(f"#{box.get_attribute('aria-controls')} a")
        expect(listed.first).to_contain_text(re.compile("hartwell", re.IGNORECASE), timeout=TIMEOUT_MS)
    listed.first.click()  # the header box's first suggestion
    expect(page).to_have_url(re.compile(r"/search\?"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit").first).to_be_visible(timeout=TIMEOUT_MS)
