"""Every page of the buyer's, the supplier's and the operator's flows fits a phone: nothing is wider than the screen.

A page wider than the viewport scrolls sideways, and what sits past the edge (a price, the Buy
button) is what a phone's reader never sees. Each page type is loaded at three common phone
widths, in Ukrainian (its words are longer than English ones), and the document's scroll width is
compared with the viewport's; a failure names every page that overflows and the elements past the edge.

The live demo has no shop without its own store, no order request and no import of long names, so
this module adds a supplier of its own, "Вузький екран", with a price list whose names are long
(one of them a single unbroken word, as feeds do write them), a member, and an order request.
Nothing else in the demo is changed, and the new offers share no word with the other browser
tests' searches (no pan, no Hartwell), so those tests see the catalog they expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.buyer_requests.models import BuyerRequest
from marketplace.catalog.models import Offer, Product
from marketplace.demo.loader import DEMO_PASSWORD
from marketplace.imports.run import import_feed
from marketplace.shops.services import OrderLine, submit_order_request
from marketplace.suppliers.services import add_supplier
from tests.support.e2e import BUYER, TIMEOUT_MS, LiveApp, OutsideTraffic, log_in, new_context, page_width

pytestmark = pytest.mark.e2e

#: Small Android phones, the iPhone 12-15, the larger iPhones.
PHONE_WIDTHS = (360, 390, 414)
ADMIN = "admin@traderow.example"
SHOP = "vuzkyi-ekran"
MEMBER = "seller@vuzkyi-ekran.example"
#: A name with no place to break, as some feeds write them.
UNBROKEN = "Казан_емальований_Vuzkyi-Professional-Titanium-Pro-Series_12л_з_кришкою_та_знімною_дужкою"
LONG_CATEGORY = "Посуд і кухонне приладдя для ресторанів, кав'ярень та домашньої кухні з доставкою по Україні"


def _feed() -> bytes:
    """Return a YML price list of three offers with long names in one long-named category."""
    titles = [
        UNBROKEN,
        "Казан алюмінієвий з кришкою та подвійним дном для індукційних і газових плит, 12 літрів",
        "Термос туристичний Вузький Екран 1,2 л",
    ]
    offers = "".join(
        f'<offer id="VE-{i}" available="true"><url>https://{SHOP}.example/p/{i}</url><price>{1000 + i}</price>'
        f"<currencyId>UAH</currencyId><categoryId>1</categoryId><vendor>Vuzkyi</vendor><name>{title}</name>"
        f'<param name="Матеріал корпусу та покриття">{UNBROKEN}</param></offer>'
        for i, title in enumerate(titles, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="2026-11-20 10:00"><shop><name>Вузький екран</name>'
        '<currencies><currency id="UAH" rate="1"/></currencies>'
        f'<categories><category id="1">{LONG_CATEGORY}</category></categories><offers>{offers}</offers>'
        "</shop></yml_catalog>"
    ).encode()


@dataclass(frozen=True)
class Site:
    """The ids the pages need, from the live database."""

    product: int
    compared: str
    request: int
    offer: int
    #: The product of the offer whose name has no place to break.
    unbroken: int
    run: int
    lead: int


@pytest.fixture(scope="module")
def site(live: LiveApp) -> Site:
    """Add the narrow-screen shop, its member, price list and an order request; return the ids to visit."""
    with live.app.app_context():
        session = live.write_session()
        try:
            supplier = add_supplier(
                session,
                SHOP,
                name="Вузький екран — посуд та інструменти для професійних кухонь",
                store_url=f"https://{SHOP}.example/",
                contact_email=f"sales@{SHOP}.example",
                description=f"{UNBROKEN}. " * 3,
            )
            supplier.has_own_store = False
            create_user(session, MEMBER, DEMO_PASSWORD, role=Role.SUPPLIER, supplier=supplier, display_name="Оксана")
            run = import_feed(
                session,
                supplier,
                _feed(),
                filename="vuzkyi-ekran.yml",
                base_currency=live.app.config["BASE_CURRENCY"],
                rates=live.app.config["CURRENCY_RATES"],
            )
            assert run.status == "succeeded", run.error
            offer = session.scalars(select(Offer).where(Offer.supplier_sku == "VE-1")).one()
            lead = submit_order_request(
                session,
                supplier,
                buyer_name="Олена Перевірка-Ширини-Екрана",
                phone="+380 67 123 45 67",
                email="olena.shyryna.ekrana@example.com",
                comment=f"Потрібно до п'ятниці: {UNBROKEN}",
                lines=[OrderLine(offer.id, 2)],
            )
            pans = session.scalars(
                select(Product.id).where(Product.title.startswith("Hartwell Steel frying pan")).order_by(Product.id)
            ).all()
            request = session.scalars(
                select(BuyerRequest.id).where(BuyerRequest.title == "Kitchen for a new café in Lviv")
            ).one()
            session.commit()
            return Site(pans[0], ",".join(map(str, pans[:2])), request, offer.id, offer.product_id, run.id, lead.id)
        finally:
            session.close()


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


def _too_wide(page: Page, paths: list[str], width: int) -> list[str]:
    """Load each path; return one line for each page wider than the screen."""
    found = []
    for path in paths:
        page.goto(path)
        expect(page.locator("main")).to_be_visible(timeout=TIMEOUT_MS)
        scroll_width = page_width(page)
        if scroll_width > width:
            found.append(f"{path} at {width} px is {scroll_width} px wide: {_overflow(page, width)}")
    return found


def _assert_fit(page: Page, paths: list[str], width: int) -> None:
    too_wide = _too_wide(page, paths, width)
    assert not too_wide, "\n".join(too_wide)


@pytest.fixture
def phone(browser: Browser, live: LiveApp, traffic: OutsideTraffic, request: pytest.FixtureRequest) -> Iterator[Page]:
    """Open a page in a fresh context as wide as the test's ``width`` parameter."""
    width = request.node.callspec.params["width"]
    context = new_context(browser, live, traffic, viewport={"width": width, "height": 800})
    yield context.new_page()
    context.close()
    assert not traffic.escaped(), f"requests left loopback without the router: {traffic.escaped()}"


def _as(page: Page, email: str | None) -> None:
    """Log in as ``email`` through the English pages (the helpers read English), then switch to Ukrainian."""
    if email:
        page.goto("/?lang=en")
        log_in(page, email)
    page.goto("/?lang=uk")


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_the_buyers_pages_fit_a_phone(phone: Page, site: Site, width: int) -> None:
    _as(phone, None)
    phone.goto(f"/products/{site.product}")
    category = phone.locator(".breadcrumbs a").last.get_attribute("href")
    assert category and category.startswith("/categories/"), "the product page names its category"
    paths = [
        "/",
        "/search?q=сковорода",
        "/search?q=казан&view=offers&sort=price_desc",  # the shop's long names
        "/search?q=x&page=99999&category=abc&min_price=500&max_price=1,5",  # every error at once
        "/search?q=нічоготакогонемає",
        "/categories/",
        category,
        f"/products/{site.product}",
        f"/products/{site.product}?sort=total",
        f"/products/{site.unbroken}",  # a title, an offer and a spec with no place to break
        f"/compare/?ids={site.compared}",
        "/compare/",
        "/shops/",
        f"/shops/{SHOP}",
        f"/shops/{SHOP}/order?offer={site.offer}",
        "/requests/",
        f"/requests/{site.request}",
        "/account/login",
        "/account/register",
        "/account/reset",
        "/products/999999999",  # the error page
    ]
    _assert_fit(phone, paths, width)


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_the_signed_in_buyers_pages_fit_a_phone(phone: Page, site: Site, width: int) -> None:
    _as(phone, BUYER)
    paths = [
        "/requests/",
        "/requests/new",
        f"/requests/{site.request}",
        f"/requests/{site.request}/edit",
        "/account/",
        "/account/delete",
        "/notifications/",
        "/alerts/",
        "/alerts/favourites",
    ]
    _assert_fit(phone, paths, width)
    # The request form with its errors shown: no title, a long item, a quantity and a price below zero.
    phone.goto("/requests/new")
    rows = phone.get_by_test_id("item-row")
    rows.first.locator("input[name$='-text']").fill(UNBROKEN)
    rows.first.locator("input[name$='-quantity']").fill("-5")
    rows.first.locator("input[name$='-max_price']").fill("-1")
    phone.get_by_test_id("publish-submit").click()
    expect(phone.locator(".error").first).to_be_visible(timeout=TIMEOUT_MS)
    width_now = page_width(phone)
    assert width_now <= width, f"the request form with errors is {width_now} px wide: {_overflow(phone, width)}"


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_the_suppliers_pages_fit_a_phone(phone: Page, site: Site, width: int) -> None:
    _as(phone, MEMBER)
    paths = [
        "/portal/",
        f"/portal/imports/{site.run}",
        f"/portal/imports/{site.run}/mapping",
        "/portal/leads",
        "/portal/leads?view=board",
        f"/portal/leads/{site.lead}",
        "/portal/storefront",
        "/portal/clicks",
        "/portal/numbers",
        "/portal/categories",
        f"/requests/{site.request}",  # where a supplier quotes
        "/notifications/",
    ]
    _assert_fit(phone, paths, width)
    # A new token is shown once, whole: 47 characters without a place to break.
    phone.goto("/account/")
    phone.get_by_test_id("token-form").locator("input[name=name]").fill(f"ERP {UNBROKEN}")
    phone.get_by_test_id("token-create").click()
    expect(phone.get_by_test_id("new-token-value")).to_be_visible(timeout=TIMEOUT_MS)
    width_now = page_width(phone)
    assert width_now <= width, f"the new token's page is {width_now} px wide: {_overflow(phone, width)}"


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_the_operators_pages_fit_a_phone(phone: Page, site: Site, width: int) -> None:
    _as(phone, ADMIN)
    paths = [
        "/admin/",
        "/admin/analytics",
        "/admin/products",
        "/admin/products?q=Hartwell",
        f"/admin/products/{site.product}",
        "/admin/products/review/",
        "/admin/suppliers/",
        "/admin/categories/",
        "/admin/moderation/",
        "/admin/customers/",
        "/admin/customers/?q=a&kind=buyer&b2b=no&language=uk&seen=30",
        "/admin/customers/duplicates",
        "/admin/acquisition/",
        "/admin/acquisition/?view=board",
    ]
    _assert_fit(phone, paths, width)


@pytest.mark.parametrize("width", (1280,))
def test_the_request_form_fits_a_desktop(phone: Page, site: Site, width: int) -> None:
    # It was 1,536 px wide on a 1,280 px screen: six inputs a row, each at its natural width.
    _as(phone, BUYER)
    _assert_fit(phone, ["/requests/new", f"/requests/{site.request}/edit"], width)


def test_on_a_phone_the_product_page_shows_price_and_buy_on_screen(page: Page, site: Site) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/products/{site.product}?lang=uk")
    first = page.get_by_test_id("offer-row").first
    for part in (first.locator("td.num").first, first.get_by_test_id("buy")):
        part.scroll_into_view_if_needed()
        box = part.bounding_box()
        # Reached by scrolling down only: the page never had to move sideways to show it.
        assert page.evaluate("window.scrollX") == 0
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
