"""The operator courts a supplier: adds it, invites it, and sees the worker move it on once it registers and imports.

Each width works on its own company, so the two runs never see each other's prospect first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.demo.loader import DEMO_PASSWORD
from marketplace.notifications.models import OutboxMail
from marketplace.suppliers.models import ImportRun, ImportStatus
from marketplace.suppliers.services import add_supplier
from tests.support.e2e import TIMEOUT_MS, LiveApp, OutsideTraffic, log_in, new_context, page_width

pytestmark = pytest.mark.e2e

OPERATOR = "admin@traderow.example"


@pytest.fixture
def screen(browser: Browser, live: LiveApp, traffic: OutsideTraffic, request: pytest.FixtureRequest) -> Iterator[Page]:
    width = request.node.callspec.params["width"]
    context = new_context(browser, live, traffic, viewport={"width": width, "height": 900})
    yield context.new_page()
    context.close()
    assert not traffic.escaped(), f"requests left loopback without the router: {traffic.escaped()}"


def _registers_and_imports(live: LiveApp, slug: str, email: str) -> None:
    """Play the invited company: it registers with the invited address and its first import succeeds."""
    with live.app.app_context():
        session = live.write_session()
        try:
            supplier = add_supplier(session, slug, name=slug.title(), store_url=f"https://{slug}.example/")
            create_user(session, email, DEMO_PASSWORD, role=Role.SUPPLIER, supplier=supplier)
            session.add(ImportRun(supplier=supplier, filename="first.yml", status=ImportStatus.SUCCEEDED))
            session.commit()
        finally:
            session.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_prospect_is_invited_then_onboarded_and_active(screen: Page, live: LiveApp, width: int) -> None:
    slug, email = f"rake-house-{width}", f"sales@rake-house-{width}.example"
    log_in(screen, OPERATOR)
    screen.goto("/admin/acquisition/?lang=en")
    form = screen.get_by_test_id("prospect-form")
    form.locator("input[name=company]").fill(f"Rake House {width}")
    form.locator("input[name=contact_person]").fill("Ostap Hrabli")
    form.locator("input[name=email]").fill(email)
    form.locator("select[name=language]").select_option("ru")
    form.get_by_role("button", name="Add").click()
    expect(screen.get_by_test_id("prospect-stage")).to_have_text("Prospect", timeout=TIMEOUT_MS)
    assert page_width(screen) <= width

    screen.get_by_test_id("invite-form").get_by_role("button").click()
    expect(screen.locator(".flash-success")).to_contain_text(email, timeout=TIMEOUT_MS)
    expect(screen.get_by_test_id("prospect-stage")).to_have_text("Invited", timeout=TIMEOUT_MS)
    with live.app.app_context():
        session = live.session()
        try:
            mail = session.scalars(select(OutboxMail).where(OutboxMail.recipient == email)).one()
            assert (mail.locale, mail.link) == ("ru", "/account/register")
        finally:
            session.close()

    _registers_and_imports(live, slug, email)
    # The worker's next pass links the new supplier by its address and sees its first good import.
    for _ in range(25):
        screen.reload()
        if screen.get_by_test_id("prospect-stage").inner_text() == "Active":
            break
        screen.wait_for_timeout(200)
    expect(screen.get_by_test_id("prospect-stage")).to_have_text("Active", timeout=TIMEOUT_MS)
    expect(screen.get_by_test_id("prospect-supplier")).to_contain_text(slug.title(), timeout=TIMEOUT_MS)
    moves = screen.get_by_test_id("prospect-move")
    expect(moves).to_have_count(4, timeout=TIMEOUT_MS)
    expect(moves.first).to_contain_text("Onboarded → Active")
    assert page_width(screen) <= width

    screen.goto("/admin/acquisition/?view=board&lang=en")
    card = screen.get_by_test_id("board-active").get_by_test_id("prospect-card").filter(has_text=f"Rake House {width}")
    expect(card).to_be_visible(timeout=TIMEOUT_MS)
    assert page_width(screen) <= width, "the board's columns stack on a phone"
