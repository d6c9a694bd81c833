"""The operator finds two records of one person in the customer database, merges them, and logs a call.

The module adds its own person: an account, and an order the same person sent to a shop
before registering, with the address typed in capitals. The worker's sync makes a record of
each (it never joins an order to an account by a typed address), so they show as duplicates.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.crm.sync import sync_customers
from marketplace.demo.loader import DEMO_PASSWORD
from marketplace.shops.models import Lead, LeadItem
from marketplace.suppliers.models import Supplier
from tests.support.e2e import TIMEOUT_MS, LiveApp, log_in

pytestmark = pytest.mark.e2e

PERSON = "marta.dup@example.com"
OPERATOR = "admin@traderow.example"


@pytest.fixture(scope="module")
def duplicates(live: LiveApp) -> None:
    """Add the account and the earlier anonymous order, and sync the customer records."""
    with live.app.app_context():
        session = live.write_session()
        try:
            create_user(session, PERSON, DEMO_PASSWORD, role=Role.BUYER, display_name="Marta Dup")
            supplier = session.scalars(select(Supplier).where(Supplier.slug == "kyiv-kitchen")).one()
            lead = Lead(
                supplier=supplier, buyer_name="Marta (order form)", buyer_email=" MARTA.DUP@example.com ",
                buyer_phone="067 555 00 11",
            )  # fmt: skip
            lead.items.append(
                LeadItem(
                    supplier_sku="MD-1",
                    title="Cast-iron skillet",
                    quantity=Decimal(2),
                    price=Decimal(1200),
                    currency="UAH",
                )
            )
            session.add(lead)
            session.flush()
            sync_customers(session)
            session.commit()
        finally:
            session.close()


def test_the_operator_merges_two_duplicate_records_and_logs_a_call(page: Page, live: LiveApp, duplicates: None) -> None:
    log_in(page, OPERATOR)
    page.goto("/admin/customers/duplicates?lang=en")
    group = page.get_by_test_id("duplicate-group").filter(has_text=PERSON)
    expect(group.get_by_test_id("duplicate")).to_have_count(2, timeout=TIMEOUT_MS)
    group.get_by_test_id("merge").click()

    expect(page.locator(".flash-success")).to_contain_text("merged into this one", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("customer-name")).to_have_text("Marta Dup")
    # The order the person sent before registering is on the account's timeline now.
    expect(page.get_by_test_id("timeline")).to_contain_text("Cast-iron skillet")

    form = page.get_by_test_id("note-form")
    form.locator("select[name=kind]").select_option("call")
    form.locator("textarea[name=body]").fill("Called Marta: wants a second skillet")
    form.get_by_role("button", name="Log it").click()

    expect(page.locator(".flash-success")).to_contain_text("Logged on the timeline", timeout=TIMEOUT_MS)
    first = page.get_by_test_id("timeline-entry").first
    expect(first).to_contain_text("Called Marta: wants a second skillet")
    expect(first).to_have_attribute("data-kind", "call")
    # The duplicate is gone, and the list shows one record for the person.
    page.goto(f"/admin/customers/?q={PERSON}&lang=en")
    expect(page.get_by_test_id("customer-row")).to_have_count(1, timeout=TIMEOUT_MS)
