"""A buyer opens a demo product and sees the similar products the worker precomputed, with a line saying why."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.catalog.models import Offer
from tests.support.e2e import TIMEOUT_MS, LiveApp

pytestmark = pytest.mark.e2e


def test_recommendations_appear_on_a_demo_product_page(page: Page, live: LiveApp) -> None:
    with live.session() as session:
        pan = session.scalars(select(Offer).where(Offer.title.like("Hartwell Steel frying pan 28%"))).first()
        assert pan is not None
        product_id = pan.product_id
    similar = page.get_by_test_id("similar")
    deadline = time.monotonic() + 60  # the live worker refreshes them within its first passes
    page.goto(f"/products/{product_id}")
    while not similar.count() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    expect(similar).to_be_visible(timeout=TIMEOUT_MS)
    expect(similar.get_by_role("heading")).to_have_text("Similar products")
    expect(similar.get_by_test_id("why")).to_contain_text("same category and price band")
    cards = similar.locator("a[href*='/products/']")
    expect(cards.first).to_be_visible()
    assert f"/products/{product_id}-" not in (cards.first.get_attribute("href") or "")  # never the product itself
