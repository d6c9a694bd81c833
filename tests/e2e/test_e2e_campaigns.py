"""The operator builds a segment, sends it a campaign through the worker, and the report counts one click;
a customer who unsubscribed gets nothing from the next campaign.

The module adds two buyers who agreed to our news. With ``TRADEROW_SHOTS=<dir>`` set, it also
saves the campaign's page at 1280 and 390 px, in Ukrainian.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.catalog.models import Offer
from marketplace.crm.campaigns import Campaign, CampaignStatus, set_consent
from marketplace.crm.models import CustomerSegment
from marketplace.crm.sync import sync_customers
from marketplace.db import utcnow
from marketplace.demo.loader import DEMO_PASSWORD
from marketplace.events.models import AnalyticsEvent
from marketplace.notifications.models import OutboxMail
from tests.support.e2e import TIMEOUT_MS, LiveApp, log_in, page_width

pytestmark = pytest.mark.e2e

OPERATOR = "admin@traderow.example"
STAYS = "camp.stays@example.com"
LEAVES = "camp.leaves@example.com"


@pytest.fixture(scope="module")
def subscribers(live: LiveApp) -> None:
    """Add two buyers who ticked "send me news" on their account page, and sync their records."""
    with live.app.app_context():
        session = live.write_session()
        try:
            users = {}
            for email, name in ((STAYS, "Stays"), (LEAVES, "Leaves")):
                user = users[email] = create_user(session, email, DEMO_PASSWORD, role=Role.BUYER, display_name=name)
                user.locale = "uk"
                set_consent(session, user, True, source="account", now=utcnow())
            session.flush()
            # Stays looked at a product yesterday: their mail lists it at today's best price.
            product_id = session.scalars(select(Offer.product_id).order_by(Offer.id)).first()
            session.add(
                AnalyticsEvent(
                    id=secrets.randbits(62),
                    occurred_at=utcnow() - dt.timedelta(days=1),
                    kind="product_view",
                    user_id=users[STAYS].id,
                    product_id=product_id,
                    path=f"/products/{product_id}",
                )
            )
            sync_customers(session)
            session.commit()
        finally:
            session.close()


@pytest.fixture
def no_cap(live: LiveApp) -> Iterator[None]:
    """Lift the frequency cap, so that only consent keeps a mail back."""
    cap = live.app.config["CAMPAIGN_CAP_DAYS"]
    live.app.config["CAMPAIGN_CAP_DAYS"] = 0
    yield
    live.app.config["CAMPAIGN_CAP_DAYS"] = cap


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("TRADEROW_SHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _mails(live: LiveApp, subject: str) -> dict[str, str]:
    """Wait for the worker to finish the campaign called ``subject``; return its mails' bodies by recipient."""
    deadline = time.monotonic() + 20
    while True:
        session = live.session()
        try:
            status = session.scalar(select(Campaign.status).where(Campaign.subject == subject))
            mails = session.scalars(select(OutboxMail).where(OutboxMail.subject == subject)).all()
            if status == CampaignStatus.SENT or time.monotonic() > deadline:
                return {mail.recipient: mail.body for mail in mails}
        finally:
            session.close()
        time.sleep(0.3)


def _write_campaign(page: Page, segment: str, subject: str) -> None:
    page.goto("/admin/campaigns/?lang=en")
    form = page.get_by_test_id("campaign-new")
    form.locator("select[name=segment_id]").select_option(label=segment)
    form.locator("input[name=subject]").fill(subject)
    form.locator("textarea[name=body]").fill("Hello, {name}! Spring prices are here.")
    form.get_by_test_id("campaign-save").click()
    expect(page.get_by_test_id("campaign-subject")).to_have_text(subject, timeout=TIMEOUT_MS)


def test_the_operator_sends_a_campaign_and_the_report_counts_one_click(
    page: Page, live: LiveApp, subscribers: None
) -> None:
    log_in(page, OPERATOR)
    page.goto("/admin/customers/?lang=en&q=camp.")
    expect(page.get_by_test_id("customer-row")).to_have_count(2, timeout=TIMEOUT_MS)
    saver = page.get_by_test_id("save-segment")
    saver.locator("input[name=name]").fill("Campaign subscribers")
    saver.get_by_role("button", name="Save these filters as a segment").click()
    expect(page.get_by_test_id("segment-name")).to_have_text("Campaign subscribers", timeout=TIMEOUT_MS)

    page.get_by_test_id("segment-campaign").click()
    form = page.get_by_test_id("campaign-new")
    expect(form.locator("select[name=segment_id] option:checked")).to_have_text("Campaign subscribers")
    _write_campaign(page, "Campaign subscribers", "Spring news")
    expect(page.get_by_test_id("campaign-audience")).to_contain_text("2 customers")
    expect(page.get_by_test_id("preview-body")).to_contain_text("Hello, Stays!")
    page.get_by_test_id("preview-recipient").select_option(label=f"Leaves <{LEAVES}> (uk)")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("preview-body")).to_contain_text("Hello, Leaves!")
    page.goto(page.url.split("?")[0] + "?lang=uk")
    expect(page.get_by_test_id("preview-body")).to_contain_text("/products/")  # Stays's viewed product
    page.set_viewport_size({"width": 390, "height": 900})
    assert page_width(page) <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    _shoot(page, "campaign-draft")

    page.get_by_test_id("campaign-send").click()
    mails = _mails(live, "Spring news")
    assert sorted(mails) == [LEAVES, STAYS]
    link = re.search(r"https?://[^/\s]+(/c/[\w-]+)\s", mails[STAYS])
    assert link is not None, mails[STAYS]

    page.goto(link.group(1))  # the reader follows the mail's link, twice: one click counts
    page.goto(link.group(1))
    page.goto(page.url)  # landed on the site
    page.goto("/admin/campaigns/?lang=en")
    page.get_by_test_id("campaign-row").filter(has_text="Spring news").get_by_role("link").click()
    expect(page.get_by_test_id("report-sent")).to_have_text("2 / 2", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("report-clicked")).to_have_text("1")
    page.goto(page.url.split("?")[0] + "?lang=uk")
    _shoot(page, "campaign-report")


def test_an_unsubscribed_customer_gets_nothing(page: Page, live: LiveApp, subscribers: None, no_cap: None) -> None:
    with live.app.app_context():
        session = live.write_session()
        try:
            session.add(CustomerSegment(name="Campaign leavers", filters={"query": "camp."}))
            session.commit()
        finally:
            session.close()
    log_in(page, OPERATOR)
    _write_campaign(page, "Campaign leavers", "First news")
    page.get_by_test_id("campaign-send").click()
    first = _mails(live, "First news")
    assert LEAVES in first
    unsubscribe = re.search(r"https?://[^/\s]+(/c/u/[\w-]+)", first[LEAVES])
    assert unsubscribe is not None

    page.goto(unsubscribe.group(1) + "?lang=en")
    page.get_by_test_id("unsubscribe").click()
    expect(page.get_by_test_id("unsubscribed")).to_be_visible(timeout=TIMEOUT_MS)

    _write_campaign(page, "Campaign leavers", "Second news")
    expect(page.get_by_test_id("campaign-audience")).to_contain_text("1 customer")
    page.get_by_test_id("campaign-send").click()
    second = _mails(live, "Second news")
    assert list(second) == [STAYS]
