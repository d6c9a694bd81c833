"""The operator filters the customer list to gold buyers, saves the filter as a segment, and opens it.

The module adds five buyers who clicked out 0 to 12 times and runs the scoring pass, so the
one with twelve click-outs is gold and the one with none is not. With ``TRADEROW_SHOTS=<dir>`` set,
it also saves the list with its tiers and the segment's page at 1280 and 390 px, in Ukrainian.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.crm.scoring_pass import score_customers
from marketplace.crm.sync import sync_customers
from marketplace.db import utcnow
from marketplace.demo.loader import DEMO_PASSWORD
from marketplace.events.models import AnalyticsEvent
from marketplace.suppliers.models import Supplier
from tests.support.e2e import TIMEOUT_MS, LiveApp, log_in

pytestmark = pytest.mark.e2e

OPERATOR = "admin@traderow.example"
TOP = "segment.buyer4@example.com"


@pytest.fixture(scope="module")
def scored(live: LiveApp) -> None:
    """Add five buyers with 0–4 click-outs each, sync their records and score them."""
    with live.app.app_context():
        session = live.write_session()
        try:
            supplier = session.scalars(select(Supplier).where(Supplier.slug == "kyiv-kitchen")).one()
            for n in range(5):
                user = create_user(
                    session, f"segment.buyer{n}@example.com", DEMO_PASSWORD, role=Role.BUYER, display_name=f"Buyer {n}"
                )
                for _ in range(n * 3):
                    session.add(
                        AnalyticsEvent(
                            id=secrets.randbits(62),
                            occurred_at=utcnow(),
                            kind="clickout",
                            user_id=user.id,
                            supplier_id=supplier.id,
                            path="/go/1",
                        )
                    )
            session.flush()
            sync_customers(session)
            score_customers(session)
            session.commit()
        finally:
            session.close()


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("TRADEROW_SHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_operator_saves_gold_buyers_as_a_segment(page: Page, live: LiveApp, scored: None) -> None:
    log_in(page, OPERATOR)
    page.goto("/admin/customers/?lang=en&q=segment.buyer")
    expect(page.get_by_test_id("customer-row")).to_have_count(5, timeout=TIMEOUT_MS)
    top = page.get_by_test_id("customer-row").filter(has_text=TOP)
    expect(top.get_by_test_id("tier")).to_have_attribute("data-tier", "gold")

    search = page.get_by_test_id("customer-search")
    search.locator("select[name=tier]").select_option("gold")
    search.locator("select[name=kind]").select_option("buyer")
    search.get_by_role("button", name="Show").click()
    # The top fifth of every buyer the demo has: the one with twelve click-outs, perhaps the next.
    rows = page.get_by_test_id("customer-row")
    expect(rows.filter(has_text=TOP)).to_have_count(1, timeout=TIMEOUT_MS)
    expect(rows.filter(has_text="segment.buyer0@")).to_have_count(0)
    gold = rows.count()

    saver = page.get_by_test_id("save-segment")
    saver.locator("input[name=name]").fill("Gold test buyers")
    saver.get_by_role("button", name="Save these filters as a segment").click()

    expect(page.locator(".flash-success")).to_contain_text("saved", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("segment-name")).to_have_text("Gold test buyers")
    expect(page.get_by_test_id("segment-total")).to_contain_text(str(gold))
    expect(page.get_by_test_id("customer-row").filter(has_text=TOP)).to_have_count(1)

    page.goto("/admin/customers/segments")
    row = page.get_by_test_id("segment-row").filter(has_text="Gold test buyers")
    expect(row.get_by_test_id("segment-count")).to_have_text(str(gold))

    page.goto("/admin/customers/?lang=uk&q=segment.buyer")
    expect(page.get_by_test_id("customer-row")).to_have_count(5, timeout=TIMEOUT_MS)
    _shoot(page, "customers-tiers")
    page.goto("/admin/customers/segments")
    page.get_by_test_id("segment-row").filter(has_text="Gold test buyers").get_by_role("link").first.click()
    expect(page.get_by_test_id("segment-name")).to_have_text("Gold test buyers")
    _shoot(page, "segment")


def test_the_operator_reads_the_prices_behind_the_tiers(page: Page, live: LiveApp) -> None:
    log_in(page, OPERATOR)
    page.goto("/admin/customers/?lang=en")
    page.get_by_test_id("value-settings-link").click()

    form = page.get_by_test_id("value-settings")
    expect(form.locator("input[name=gold_percent]")).to_have_value("20", timeout=TIMEOUT_MS)
    expect(form.locator("input[name=loss_when_cost_exceeds_value]")).to_be_checked()
    page.goto("/admin/customers/settings?lang=uk")
    _shoot(page, "value-settings")
