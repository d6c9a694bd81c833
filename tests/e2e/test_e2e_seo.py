"""What a crawler's browser sees: old product links land on the slugged page, its JSON-LD parses, the icon loads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.catalog.models import Product
from tests.support.e2e import LiveApp

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 10_000


def test_an_old_product_link_lands_on_the_slugged_page_with_its_structured_data(page: Page, live: LiveApp) -> None:
    with live.session() as session:
        product_id = session.scalars(
            select(Product.id).where(Product.title.ilike("Hartwell Steel frying pan 28%"))
        ).first()
    assert product_id is not None

    response = page.goto(f"/products/{product_id}?lang=uk")
    assert response is not None and response.status == 200
    expect(page).to_have_url(re.compile(rf"/products/{product_id}-hartwell-steel-frying-pan-28-cm\?lang=uk$"))
    assert page.locator("html").get_attribute("lang") == "uk"

    blocks: list[Any] = page.evaluate(
        """() => [...document.querySelectorAll('script[type="application/ld+json"]')]
                 .map((script) => JSON.parse(script.textContent))"""
    )
    by_type = {block["@type"]: block for block in blocks}
    assert set(by_type) == {"Product", "BreadcrumbList"}
    title = page.get_by_test_id("product-title").inner_text(timeout=TIMEOUT_MS)
    assert by_type["Product"]["name"] == title
    offers = by_type["Product"]["offers"]
    assert offers["@type"] == "AggregateOffer" and offers["offerCount"] == page.get_by_test_id("offer-row").count()

    canonical = page.locator('link[rel="canonical"]').get_attribute("href")
    assert canonical is not None and canonical.endswith(
        f"/products/{product_id}-hartwell-steel-frying-pan-28-cm?lang=uk"
    )
    hreflangs = page.locator('link[rel="alternate"][hreflang]').evaluate_all("links => links.map(l => l.hreflang)")
    assert hreflangs == ["en", "uk", "ru", "x-default"]
    description = page.locator('meta[name="description"]').get_attribute("content")
    assert description and title in description

    for icon in page.locator('link[rel="icon"]').evaluate_all("links => links.map(l => l.href)"):
        assert page.request.get(icon).status == 200, icon
    assert page.request.get("/favicon.ico").status == 200
