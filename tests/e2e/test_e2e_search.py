"""A buyer searches, narrows the results, compares sellers and clicks out to a seller's store."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from marketplace.catalog.models import ClickOut, Offer
from tests.support.e2e import TIMEOUT_MS, LiveApp, OutsideTraffic

pytestmark = pytest.mark.e2e


def money(text: str) -> Decimal:
    """Read an en-US amount such as ``UAH 1,899.00`` or ``₴1,899.00``."""
    match = re.search(r"\d[\d,]*\.\d\d", text)
    assert match, f"no amount in {text!r}"
    return Decimal(match.group().replace(",", ""))


def hit_rows(page: Page) -> list[tuple[str, str, Decimal]]:
    """Return every hit on the results page as (title, seller, price)."""
    rows = []
    for hit in page.get_by_test_id("hit").all():
        meta = hit.locator(".hit-meta span")
        rows.append(
            (
                hit.locator(".hit-title").inner_text().strip(),
                meta.nth(1).inner_text().strip(),
                money(meta.nth(0).inner_text()),
            )
        )
    return rows


def offer_rows(table: Locator) -> list[tuple[str, Decimal]]:
    """Return the product page's offers as (seller, price in the base currency)."""
    rows = []
    for row in table.get_by_test_id("offer-row").all():
        cells = row.locator("td")
        rows.append((cells.nth(0).inner_text().strip(), money(cells.nth(3).inner_text())))
    return rows


@pytest.mark.parametrize(
    ("query", "max_price", "seller", "expected_hits", "open_hit", "buy_from"),
    [
        pytest.param(
            "frying pan",
            "1900",
            "Kyiv Kitchen",
            {
                ("Hartwell Steel frying pan 28 cm", "Kyiv Kitchen", Decimal("1899.00")),
                ("Hartwell Steel frying pan 24 cm", "Kyiv Kitchen", Decimal("1549.00")),
            },
            "Hartwell Steel frying pan 28 cm",
            "Kyiv Kitchen",
            id="english",
        ),
        pytest.param(
            "сковорода",
            "1900",
            "Dnipro Tools",
            # A row names its product as the product page does; the offer's own title is beneath.
            {("Hartwell Steel frying pan 28 cm", "Dnipro Tools", Decimal("1861.00"))},
            "Сковорода Hartwell Steel 28 см",
            "Dnipro Tools",
            id="cyrillic",
        ),
    ],
)
def test_search_to_click_out(
    page: Page,
    live: LiveApp,
    traffic: OutsideTraffic,
    query: str,
    max_price: str,
    seller: str,
    expected_hits: set[tuple[str, str, Decimal]],
    open_hit: str,
    buy_from: str,
) -> None:
    page.goto("/")
    header_search = page.locator(".site-header").get_by_role("searchbox")
    header_search.fill(query)
    header_search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit").first).to_be_visible(timeout=TIMEOUT_MS)
    # Results come one row per product; the buyer switches to every seller's offer.
    products = page.get_by_test_id("hit").count()
    page.get_by_test_id("view-offers").click()
    expect(page).to_have_url(re.compile(r"view=offers"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).not_to_have_count(products, timeout=TIMEOUT_MS)
    everything = hit_rows(page)
    assert any(price > Decimal(max_price) for _title, _seller, price in everything), (
        "the price filter must have something to remove"
    )

    filters = page.get_by_test_id("search-form")
    filters.get_by_label("Price to").fill(max_price)
    filters.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(rf"max_price={max_price}.*view=offers|view=offers.*max_price={max_price}"))
    expect(page.get_by_test_id("hit")).not_to_have_count(len(everything), timeout=TIMEOUT_MS)
    cheap = hit_rows(page)
    assert cheap, "the price filter removed everything"
    assert all(price <= Decimal(max_price) for _title, _seller, price in cheap), cheap
    assert {row for row in everything if row[2] <= Decimal(max_price)} == set(cheap)

    filters.get_by_label(seller).check()
    filters.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"supplier="), timeout=TIMEOUT_MS)
    expect(filters.get_by_label(seller)).to_be_checked(timeout=TIMEOUT_MS)
    expect(filters.get_by_label("Price to")).to_have_value(max_price, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).to_have_count(len(expected_hits), timeout=TIMEOUT_MS)
    assert set(hit_rows(page)) == expected_hits

    # The 28 cm pan: three sellers offer it, each under its own title.
    page.get_by_test_id("hit").filter(has_text=open_hit).locator(".hit-title").click()
    expect(page).to_have_url(re.compile(r"/products/\d+-[a-z0-9-]+$"), timeout=TIMEOUT_MS)
    product_path = "/products/" + page.url.rsplit("/", 1)[1]
    expect(page.get_by_test_id("product-title")).to_be_visible(timeout=TIMEOUT_MS)
    table = page.get_by_test_id("offers")
    expect(table.get_by_test_id("offer-row")).to_have_count(3, timeout=TIMEOUT_MS)
    offers = offer_rows(table)
    assert [name for name, _price in offers] == ["Dnipro Tools", "Kyiv Kitchen", "Office Point"]
    prices = [price for _name, price in offers]
    assert prices == sorted(prices), offers

    row = table.get_by_test_id("offer-row").filter(has_text=buy_from)
    buy = row.get_by_test_id("buy")
    href = buy.get_attribute("href") or ""
    match = re.fullmatch(r"/go/(\d+)\?pos=(\d+)", href)
    assert match, href
    offer_id, position = int(match[1]), int(match[2])
    assert position == [name for name, _price in offers].index(buy_from) + 1
    with page.expect_response(re.compile(rf"/go/{offer_id}\?")) as go:
        buy.click()
    assert go.value.status == 200  # the router's stand-in for the 302, see e2e_helpers
    expect(page).to_have_title("Seller store", timeout=TIMEOUT_MS)

    with live.session() as session:
        click = session.scalars(
            select(ClickOut).where(ClickOut.offer_id == offer_id).order_by(ClickOut.id.desc())
        ).first()
        assert click is not None, "the click-out was not recorded"
        offer = session.get(Offer, offer_id)
        assert offer is not None
        assert page.url == click.target_url == offer.url
        assert offer.supplier.name == buy_from
        assert click.position == position
        assert click.source_page == product_path
        assert click.price_base == dict(offers)[buy_from]
        assert click.visitor_id and click.user_id is None
    assert traffic.store_visits() == [click.target_url]
