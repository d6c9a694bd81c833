"""A shop order becomes a lead that the supplier moves to won, on a desktop and on a 390 px phone;
the won/lost chart counts the win, and the board view fits the phone too.

The demo has no shop without its own store, so this module adds one of its own ("Lead Desk",
with two offers whose names share no word with the other browser tests' searches) and a member.
Each width orders from it as its own buyer, so the two runs never see each other's lead first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.catalog.models import Offer
from marketplace.demo.loader import DEMO_PASSWORD
from marketplace.imports.run import import_feed
from marketplace.shops.models import Lead, LeadStatus
from marketplace.suppliers.services import add_supplier
from tests.support.e2e import TIMEOUT_MS, LiveApp, OutsideTraffic, log_in, new_context, page_width

pytestmark = pytest.mark.e2e

SHOP = "lead-desk"
MEMBER = "seller@lead-desk.example"


def _feed() -> bytes:
    offers = "".join(
        f'<offer id="LD-{i}" available="true"><url>https://{SHOP}.example/p/{i}</url><price>{250 * i}</price>'
        f"<currencyId>UAH</currencyId><categoryId>1</categoryId><name>{name}</name></offer>"
        for i, name in enumerate(("Ledger binder A4", "Ledger binder A5"), 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="2026-12-01 10:00"><shop><name>Lead Desk</name>'
        '<currencies><currency id="UAH" rate="1"/></currencies><categories><category id="1">Binders</category>'
        f"</categories><offers>{offers}</offers></shop></yml_catalog>"
    ).encode()


@pytest.fixture(scope="module")
def offer_id(live: LiveApp) -> int:
    """Add the shop without a store, its member and its price list; return the offer buyers order."""
    with live.app.app_context():
        session = live.write_session()
        try:
            supplier = add_supplier(session, SHOP, name="Lead Desk", store_url=f"https://{SHOP}.example/")
            supplier.has_own_store = False
            create_user(session, MEMBER, DEMO_PASSWORD, role=Role.SUPPLIER, supplier=supplier, display_name="Desk")
            run = import_feed(
                session, supplier, _feed(), filename="lead-desk.yml",
                base_currency=live.app.config["BASE_CURRENCY"], rates=live.app.config["CURRENCY_RATES"],
            )  # fmt: skip
            assert run.status == "succeeded", run.error
            found = session.scalars(select(Offer.id).where(Offer.supplier_sku == "LD-2")).one()
            session.commit()
            return found
        finally:
            session.close()


def won_counted(page: Page) -> int:
    """Return the wins the won/lost chart's data holds, all months together (0 before the first)."""
    page.goto("/portal/leads")
    expect(page.get_by_test_id("lead-totals")).to_be_visible(timeout=TIMEOUT_MS)
    found = page.evaluate(
        "() => { const b = document.getElementById('chart-data-won-lost');"
        " return b ? JSON.parse(b.textContent).datasets[0].data.reduce((a, n) => a + n, 0) : 0; }"
    )
    return int(found)


@pytest.fixture
def screen(browser: Browser, live: LiveApp, traffic: OutsideTraffic, request: pytest.FixtureRequest) -> Iterator[Page]:
    width = request.node.callspec.params["width"]
    context = new_context(browser, live, traffic, viewport={"width": width, "height": 900})
    yield context.new_page()
    context.close()
    assert not traffic.escaped(), f"requests left loopback without the router: {traffic.escaped()}"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_shop_order_becomes_a_lead_the_supplier_moves_to_won(
    screen: Page, live: LiveApp, offer_id: int, width: int
) -> None:
    buyer = f"Buyer at {width} px"
    # The buyer, not logged in, orders three binders for their company.
    screen.goto(f"/shops/{SHOP}/order?offer={offer_id}&lang=en")
    screen.locator("input[name='items-0-quantity']").fill("3")
    screen.locator("input[name=buyer_name]").fill(buyer)
    screen.locator("input[name=company]").fill("Kvitka LLC")
    screen.locator("input[name=phone]").fill("+380 44 000 00 00")
    screen.get_by_role("button", name="Send the order request").click()
    expect(screen.locator(".flash-success")).to_contain_text("order request", timeout=TIMEOUT_MS)

    # The supplier finds it among its new leads, worth 3 × 500 UAH.
    log_in(screen, MEMBER)
    screen.goto("/portal/leads?stage=new")
    row = screen.get_by_test_id("lead-row").filter(has_text=buyer)
    expect(row).to_contain_text("Kvitka LLC", timeout=TIMEOUT_MS)
    expect(row).to_contain_text("1,500.00", timeout=TIMEOUT_MS)
    assert page_width(screen) <= width, "the leads table scrolls inside its box, the page never does"
    row.get_by_role("link").first.click()
    expect(screen.get_by_test_id("lead")).to_contain_text(buyer, timeout=TIMEOUT_MS)
    assert page_width(screen) <= width

    lead_url = screen.url
    won_before = won_counted(screen)
    screen.goto(lead_url)
    expect(screen.get_by_test_id("lead")).to_contain_text(buyer, timeout=TIMEOUT_MS)

    # Contacted with a note, then won.
    screen.locator("textarea[name=note]").fill("Called: wants delivery on Friday")
    screen.get_by_role("button", name="Add the note").click()
    expect(screen.get_by_test_id("lead-notes")).to_contain_text("wants delivery on Friday", timeout=TIMEOUT_MS)
    screen.locator("select[name=stage]").select_option("won")
    screen.get_by_role("button", name="Save").click()
    expect(screen.locator(".flash-success")).to_contain_text("is saved", timeout=TIMEOUT_MS)
    expect(screen.get_by_test_id("lead").get_by_test_id("lead-stage")).to_have_text("Won", timeout=TIMEOUT_MS)
    assert page_width(screen) <= width

    screen.goto("/portal/leads?stage=won")
    expect(screen.get_by_test_id("lead-row").filter(has_text=buyer)).to_be_visible(timeout=TIMEOUT_MS)

    # The won/lost chart counts the win, drawn by Chart.js, and the board shows the lead among the won.
    assert won_counted(screen) == won_before + 1
    expect(screen.get_by_test_id("chart-won-lost").locator("canvas")).to_have_attribute(
        "data-drawn", "true", timeout=TIMEOUT_MS
    )
    assert page_width(screen) <= width
    screen.goto("/portal/leads?view=board")
    won_column = screen.get_by_test_id("board-won")
    expect(won_column.get_by_test_id("lead-card").filter(has_text=buyer)).to_be_visible(timeout=TIMEOUT_MS)
    assert page_width(screen) <= width, "the board's columns stack on a phone"
    with live.app.app_context():
        session = live.session()
        try:
            lead = session.scalars(select(Lead).where(Lead.buyer_name == buyer)).one()
            assert (lead.status, lead.company, [n.body for n in lead.notes]) == (
                LeadStatus.WON, "Kvitka LLC", ["Called: wants delivery on Friday"]
            )  # fmt: skip
        finally:
            session.close()
