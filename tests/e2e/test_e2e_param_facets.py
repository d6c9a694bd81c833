"""On a phone a buyer opens the tyre category's filters, ticks a season and a diameter, and gets those tyres.

Two tyre suppliers' feeds (params in Ukrainian and in Russian) are imported into the live app
through the real import service and mapped to Motor Vehicle Tires, a category no other
browser test reads.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.catalog.category_mapping import set_mapping
from marketplace.imports.run import import_feed
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.suppliers.models import SupplierCategory
from marketplace.suppliers.services import add_supplier
from marketplace.taxonomy.models import Category
from tests.support.e2e import TIMEOUT_MS, LiveApp, page_width
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.e2e

#: Google's Motor Vehicle Tires.
TYRES = 911


def _import_tyres(live: LiveApp) -> int:
    """Import both tyre feeds, map them to Motor Vehicle Tires and index; return the category's id."""
    session = live.write_session()
    try:
        category = session.scalars(select(Category).where(Category.google_id == TYRES)).one()
        admin = session.scalars(select(User).where(User.email == "admin@traderow.example")).one()
        for slug, name in (("shyny-uk", "tyres-uk.yml"), ("kolesa-ru", "tyres-ru.yml")):
            owner = add_supplier(session, slug, name=slug, store_url=f"https://{slug}.example/")
            run = import_feed(
                session, owner, (FIXTURES / "feeds" / name).read_bytes(), filename=name,
                base_currency=live.app.config["BASE_CURRENCY"], rates=live.app.config["CURRENCY_RATES"],
            )  # fmt: skip
            assert run.status == "succeeded", run.error
            for supplier_category in session.scalars(
                select(SupplierCategory).where(SupplierCategory.supplier_id == owner.id)
            ):
                set_mapping(session, supplier_category, category, by=admin)
        session.commit()
        sync_index(session, get_index(live.app))
        return category.id
    finally:
        session.close()


def test_on_a_phone_a_buyer_narrows_tyres_by_season_and_diameter(page: Page, live: LiveApp) -> None:
    category_id = _import_tyres(live)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/categories/{category_id}?lang=uk")
    expect(page.get_by_test_id("hit")).to_have_count(7, timeout=TIMEOUT_MS)
    assert page_width(page) <= 390

    page.get_by_test_id("filters-toggle").click()
    season = page.locator('[data-testid="facet-param"][data-key="season"]')
    expect(season.locator("legend")).to_have_text("Сезон", timeout=TIMEOUT_MS)
    diameter = page.locator('[data-testid="facet-param"][data-key="diameter"]')
    expect(diameter.locator("legend")).to_have_text("Діаметр")
    width = page.locator('[data-testid="facet-param"][data-key="width"]')
    expect(width.locator("legend")).to_have_text("Ширина, мм")
    assert page_width(page) <= 390, "the open drawer with the param facets fits the phone"

    season.get_by_label(re.compile("Зимові")).check()
    page.get_by_test_id("search-form").get_by_role("button", name=re.compile("Застосувати|Apply")).click()
    expect(page).to_have_url(re.compile(r"p\.season=winter"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).to_have_count(4, timeout=TIMEOUT_MS)

    page.get_by_test_id("filters-toggle").click()
    diameter.get_by_label(re.compile("R16")).check()
    page.get_by_test_id("search-form").get_by_role("button", name=re.compile("Застосувати|Apply")).click()
    expect(page).to_have_url(re.compile(r"p\.diameter=r16"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("hit")).to_have_count(2, timeout=TIMEOUT_MS)
    for title in page.get_by_test_id("hit").locator(".hit-title").all_inner_texts():
        assert "R16" in title, title
    assert "p.season=winter" in page.url
    assert page_width(page) <= 390
