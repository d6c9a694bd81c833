"""A buyer publishes a request, a supplier quotes, they talk about the quote, the buyer accepts it.

Both sides then see each other's contacts, and each was notified of the other's steps.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.e2e import BUYER, SELLERS, TIMEOUT_MS, log_in, log_out

pytestmark = pytest.mark.e2e

TITLE = "Tools for a community garden in Poltava"


def test_request_and_quote_flow(page: Page) -> None:
    log_in(page, BUYER)
    page.locator(".site-header").get_by_role("link", name="Requests").click()
    page.get_by_test_id("publish-link").click()
    expect(page).to_have_url(re.compile(r"/requests/new$"), timeout=TIMEOUT_MS)
    form = page.get_by_test_id("publish-form")
    form.get_by_label("What do you need?").fill(TITLE)
    form.get_by_label("Region").fill("Poltava")
    rows = form.get_by_test_id("item-row")
    fill_item(rows.nth(0), "Bypass pruner, up to 20 mm", "12", "pcs", "800")
    fill_item(rows.nth(1), "Garden gloves, size L", "30", "pairs", "")
    form.get_by_test_id("publish-submit").click()

    expect(page.locator(".flash-success")).to_contain_text("published", timeout=TIMEOUT_MS)
    detail = page.get_by_test_id("request-detail")
    expect(detail.get_by_role("heading", level=1)).to_have_text(TITLE, timeout=TIMEOUT_MS)
    items = detail.get_by_test_id("request-item")
    expect(items).to_have_count(2, timeout=TIMEOUT_MS)
    expect(items.nth(0).locator(".quantity")).to_have_text("12 pcs", timeout=TIMEOUT_MS)
    expect(items.nth(1).locator(".quantity")).to_have_text("30 pairs", timeout=TIMEOUT_MS)
    expect(items.nth(0)).to_contain_text("No quotes yet.", timeout=TIMEOUT_MS)
    request_url = page.url
    log_out(page)

    log_in(page, SELLERS["dnipro-tools"])
    page.locator(".site-header").get_by_role("link", name="Requests").click()
    page.get_by_test_id("request-row").filter(has_text=TITLE).get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(request_url, timeout=TIMEOUT_MS)
    pruner = page.get_by_test_id("request-item").filter(has_text="Bypass pruner")
    quote = pruner.get_by_test_id("quote-form")
    quote.get_by_label("Price per unit", exact=True).fill("690")
    quote.get_by_label("Delivery cost", exact=True).fill("150")
    quote.get_by_label("Availability", exact=True).fill("In stock")
    quote.get_by_label("Note", exact=True).fill("Nova Poshta to Poltava, invoice with VAT.")
    quote.get_by_test_id("quote-submit").click()

    expect(page.locator(".flash-success")).to_contain_text("quote is saved", timeout=TIMEOUT_MS)
    pruner = page.get_by_test_id("request-item").filter(has_text="Bypass pruner")
    # 12 × 690 + 150 delivery
    expect(pruner.get_by_test_id("own-quote")).to_contain_text("8,430.00", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("quotes")).to_have_count(0, timeout=TIMEOUT_MS)
    log_out(page)

    log_in(page, BUYER)
    page.goto(request_url)
    pruner = page.get_by_test_id("request-item").filter(has_text="Bypass pruner")
    rows = pruner.get_by_test_id("quote-row")
    expect(rows).to_have_count(1, timeout=TIMEOUT_MS)
    expect(rows.first).to_contain_text("Dnipro Tools", timeout=TIMEOUT_MS)
    expect(rows.first).to_contain_text("690.00", timeout=TIMEOUT_MS)
    expect(rows.first).to_contain_text("Nova Poshta to Poltava", timeout=TIMEOUT_MS)
    expect(rows.first.get_by_test_id("quote-total")).to_have_text(re.compile(r"8,430\.00"), timeout=TIMEOUT_MS)
    gloves = page.get_by_test_id("request-item").filter(has_text="Garden gloves")
    expect(gloves.get_by_test_id("quote-row")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(gloves).to_contain_text("No quotes yet.", timeout=TIMEOUT_MS)

    # The buyer asks about the quote; the supplier is notified and answers.
    thread = pruner.get_by_test_id("thread")
    thread.get_by_label("Message").fill("Can you deliver by Friday?")
    thread.get_by_test_id("message-submit").click()
    expect(page.locator(".flash-success")).to_contain_text("message is sent", timeout=TIMEOUT_MS)
    log_out(page)

    log_in(page, SELLERS["dnipro-tools"])
    expect(page.get_by_test_id("notifications-count")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_test_id("notifications-link").click()
    page.get_by_test_id("notification").filter(has_text="The buyer asked").get_by_test_id("notification-open").click()
    expect(page).to_have_url(re.compile(re.escape(request_url) + r"#quote-\d+$"), timeout=TIMEOUT_MS)
    pruner = page.get_by_test_id("request-item").filter(has_text="Bypass pruner")
    thread = pruner.get_by_test_id("thread")
    expect(thread.get_by_test_id("thread-message")).to_have_text([re.compile("Can you deliver by Friday")])
    thread.get_by_label("Message").fill("Yes, Thursday at the latest.")
    thread.get_by_test_id("message-submit").click()
    expect(page.locator(".flash-success")).to_contain_text("message is sent", timeout=TIMEOUT_MS)
    log_out(page)

    # The buyer reads the answer and accepts: the supplier's contacts appear.
    log_in(page, BUYER)
    page.goto(request_url)
    pruner = page.get_by_test_id("request-item").filter(has_text="Bypass pruner")
    expect(pruner.get_by_test_id("thread-message")).to_have_count(2, timeout=TIMEOUT_MS)
    expect(pruner.get_by_test_id("thread-message").nth(1)).to_contain_text("Thursday at the latest")
    pruner.get_by_test_id("quote-accept").click()
    expect(page.locator(".flash-success")).to_contain_text("You accepted the quote of Dnipro Tools", timeout=TIMEOUT_MS)
    pruner = page.get_by_test_id("request-item").filter(has_text="Bypass pruner")
    expect(pruner.get_by_test_id("quote-accepted")).to_be_visible(timeout=TIMEOUT_MS)
    contact = pruner.get_by_test_id("contact")
    expect(contact.get_by_test_id("contact-name")).to_have_text("Dnipro Tools", timeout=TIMEOUT_MS)
    expect(contact.get_by_test_id("contact-email")).to_have_text(re.compile(r"@"), timeout=TIMEOUT_MS)
    log_out(page)

    # The supplier learns of the acceptance and sees the buyer's contacts.
    log_in(page, SELLERS["dnipro-tools"])
    page.get_by_test_id("notifications-link").click()
    page.get_by_test_id("notification").filter(has_text="accepted your quote").get_by_test_id(
        "notification-open"
    ).click()
    pruner = page.get_by_test_id("request-item").filter(has_text="Bypass pruner")
    expect(pruner.get_by_test_id("quote-accepted")).to_be_visible(timeout=TIMEOUT_MS)
    expect(pruner.get_by_test_id("contact-email")).to_have_text(BUYER, timeout=TIMEOUT_MS)
    expect(pruner.get_by_test_id("quote-form")).to_have_count(0, timeout=TIMEOUT_MS)


def fill_item(row: Locator, text: str, quantity: str, unit: str, max_price: str) -> None:
    """Fill one item row of the publish form."""
    row.get_by_label("Item", exact=True).fill(text)
    row.get_by_label("Quantity", exact=True).fill(quantity)
    row.get_by_label("Unit", exact=True).fill(unit)
    row.get_by_label("Price ceiling per unit", exact=True).fill(max_price)
