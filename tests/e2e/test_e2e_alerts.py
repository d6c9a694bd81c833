"""A price alert and a saved-search alert each fire once after an import lowers a price, and the mail unsubscribes.

The buyer sets both in the browser; the imports run through the real import service and the
live worker checks them. The hold against flickering prices (an hour in production) is set to
zero for this test only, so the worker's next pass fires what it found.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.alerts.models import AlertCheck
from marketplace.catalog.models import Offer
from marketplace.imports.run import import_feed
from marketplace.notifications.models import OutboxMail
from marketplace.suppliers.models import ImportStatus, Supplier
from marketplace.suppliers.services import add_supplier
from tests.support.alerts import price_list
from tests.support.e2e import BUYER, TIMEOUT_MS, LiveApp, log_in, page_width

pytestmark = pytest.mark.e2e

SLUG = "grimbold-tools"
#: The worker polls every 0.2 s; an import, its indexing and two alert passes take a few seconds.
WAIT_SECONDS = 30.0


def _import(live: LiveApp, price: str) -> int:
    """Import the supplier's one-line catalog at ``price``, commit, and return the run's id."""
    session = live.write_session()
    try:
        supplier = session.scalar(select(Supplier).where(Supplier.slug == SLUG))
        if supplier is None:
            supplier = add_supplier(session, SLUG, name="Grimbold Tools", store_url="https://tools-ua.example/")
        body = price_list([("GX-26", "Перфоратор Grimbold GX-26", price, True)])
        run = import_feed(session, supplier, body, filename="grimbold.csv", base_currency="UAH", rates={})
        assert run.status == ImportStatus.SUCCEEDED, run.error
        session.commit()
        return run.id
    finally:
        session.close()


def _wait_checked(live: LiveApp, run_id: int) -> None:
    """Wait until the worker has checked the import against the alerts."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        session = live.session()
        try:
            if session.get(AlertCheck, run_id) is not None:
                return
        finally:
            session.close()
        time.sleep(0.2)
    raise AssertionError(f"the worker did not check import {run_id}")


def _alert_notifications(page: Page, expected: int) -> None:
    """Reload the notifications page until it shows ``expected`` alert notifications."""
    deadline = time.monotonic() + WAIT_SECONDS
    alerts = page.locator("[data-testid=notification][data-kind^='alert.']").filter(has_text="Grimbold")
    while time.monotonic() < deadline:
        page.goto("/notifications/")
        if alerts.count() >= expected:
            break
        time.sleep(0.3)
    assert alerts.count() == expected, alerts.all_inner_texts()
    expect(alerts).to_have_count(expected, timeout=TIMEOUT_MS)


@pytest.fixture
def no_hold(live: LiveApp) -> Iterator[None]:
    saved = live.app.config["ALERT_HOLD_SECONDS"]
    live.app.config["ALERT_HOLD_SECONDS"] = 0
    yield
    live.app.config["ALERT_HOLD_SECONDS"] = saved


def test_alerts_fire_once_and_the_mail_unsubscribes_in_one_click(page: Page, live: LiveApp, no_hold: None) -> None:
    first = _import(live, "4 000,00")
    _wait_checked(live, first)  # the catalog as it was before anybody watched it
    session = live.session()
    try:
        product_id = session.scalar(select(Offer.product_id).where(Offer.supplier_sku == "GX-26"))
    finally:
        session.close()

    log_in(page, BUYER)
    page.goto(f"/products/{product_id}")
    page.get_by_test_id("alert-open").click()
    form = page.get_by_test_id("alert-form")
    form.get_by_label("Tell me when").select_option("target")
    form.get_by_label("Target price").fill("3 600")
    form.get_by_test_id("alert-submit").click()
    expect(page.locator(".flash-info")).to_contain_text("Alert set", timeout=TIMEOUT_MS)
    page.goto("/search?q=grimbold&max_price=3800")
    page.get_by_test_id("save-search-submit").click()
    expect(page.locator(".flash-info")).to_contain_text("Alert set", timeout=TIMEOUT_MS)
    page.goto("/alerts/")
    expect(page.get_by_test_id("alert")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("saved-search")).to_have_count(1, timeout=TIMEOUT_MS)
    page.set_viewport_size({"width": 390, "height": 844})  # the alerts page, and the product's form open, on a phone
    assert page_width(page) <= 390
    page.goto(f"/products/{product_id}")
    page.get_by_test_id("alert-open").click()
    assert page_width(page) <= 390
    page.set_viewport_size({"width": 1280, "height": 800})

    cheaper = _import(live, "3 500,00")
    _wait_checked(live, cheaper)
    _alert_notifications(page, 2)
    expect(page.get_by_test_id("notification").filter(has_text="3500.00 UAH")).to_have_count(2, timeout=TIMEOUT_MS)

    unchanged = _import(live, "3 500,00")
    _wait_checked(live, unchanged)
    time.sleep(1.0)  # a few more worker passes: nothing may fire from an import that changed nothing
    _alert_notifications(page, 2)

    deadline = time.monotonic() + WAIT_SECONDS
    mail = None
    while mail is None and time.monotonic() < deadline:
        session = live.session()
        try:
            mail = session.scalars(
                select(OutboxMail).where(OutboxMail.recipient == BUYER, OutboxMail.headers.is_not(None))
            ).first()
        finally:
            session.close()
        time.sleep(0.2)
    assert mail is not None and mail.headers is not None
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail.headers["List-Unsubscribe"].strip("<>").replace(live.app.config["SITE_URL"], live.base_url)
    # What a mail client's one-click button sends (RFC 8058): a POST, no cookie, no CSRF token.
    answer = page.context.request.post(url, form={"List-Unsubscribe": "One-Click"})
    assert answer.status == 200
    page.goto("/alerts/")
    for row in (page.get_by_test_id("alert"), page.get_by_test_id("saved-search")):
        expect(row.locator("input[name=active]")).not_to_be_checked(timeout=TIMEOUT_MS)
