"""A new supplier maps Prom.ua's 108-column sheet with the suggested mapping, then applies Prom's update.

Reads the real files in ../shared/data/feeds and skips where they are absent. The supplier is
registered by the test (Mopar's store is its Prom storefront), so no other browser test sees it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Offer
from marketplace.suppliers.models import ImportRun, Supplier
from tests.support import factories
from tests.support.accounts import PASSWORD
from tests.support.e2e import TIMEOUT_MS, LiveApp, log_in, page_width, run_stats, upload_price_list
from tests.support.paths import FEED_STORES, SHARED_DATA

pytestmark = pytest.mark.e2e

SHEET = SHARED_DATA / "feeds" / "avtopro-mopar.prom.xlsx"
UPDATE = SHARED_DATA / "feeds" / "avtopro-mopar.prom-update.yml.xml"
SELLER = "seller@avtopro-mopar.example"
#: 172 rows and a 152-offer update: the worker needs more than a demo file's few seconds.
IMPORT_TIMEOUT_MS = 60_000
WIDE = {"width": 1280, "height": 800}


@pytest.fixture
def mopar_seller(live: LiveApp) -> str:
    """Register the Mopar shop and its member on the live app; return the member's email."""
    if not (SHEET.is_file() and UPDATE.is_file()):
        pytest.skip(f"{SHEET.parent} is absent (the real feeds live next to the repository)")
    session = live.write_session()
    try:
        if session.scalar(select(Supplier).where(Supplier.slug == "avtopro-mopar")) is None:
            supplier = factories.supplier(session, "avtopro-mopar", store_url=FEED_STORES["avtopro-mopar"])
            factories.user(session, SELLER, role=Role.SUPPLIER, supplier=supplier)
            session.commit()
    finally:
        session.close()
    return SELLER


def test_the_prom_sheet_maps_with_the_suggestion_and_prom_s_update_finds_every_offer(
    page: Page, live: LiveApp, mopar_seller: str
) -> None:
    page.set_viewport_size(WIDE)
    log_in(page, mopar_seller, PASSWORD)
    upload_price_list(page, SHEET)

    expect(page).to_have_url(re.compile(r"/portal/imports/\d+/mapping$"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("mapping-form")).to_be_visible(timeout=IMPORT_TIMEOUT_MS)
    # One column for the offer id: the one Prom's update feeds use; Prom's own number fills gaps.
    expect(page.get_by_test_id("map-col-25")).to_have_value("sku")  # Ідентифікатор_товару
    expect(page.get_by_test_id("map-col-24")).to_have_value("sku_fallback")  # Унікальний_ідентифікатор
    expect(page.locator("select option[value=sku]:checked")).to_have_count(1)
    expect(page.locator("select option[value=mpn]:checked")).to_have_count(1)
    # The columns that fill a field come first, with their first values; the rest are folded.
    first = page.get_by_test_id("mapping-first")
    expect(first.get_by_test_id("map-row-25")).to_be_visible()
    expect(first.get_by_test_id("map-sample-1")).to_contain_text("Корпус масляного фильтра")
    other = page.get_by_test_id("mapping-other")
    expect(other).not_to_have_attribute("open", "")
    expect(other.locator("summary")).to_contain_text(re.compile(r"Other \d+ columns"))
    expect(page.get_by_test_id("map-col-60")).to_be_hidden()  # Назва_Характеристики.3, folded
    # 108 columns, and the page still fits a 1280 px screen without scrolling sideways.
    assert page_width(page) <= WIDE["width"]
    other.locator("summary").click()
    expect(page.get_by_test_id("map-col-60")).to_be_visible()
    assert page_width(page) <= WIDE["width"]

    page.get_by_test_id("mapping-submit").click()
    expect(page).to_have_url(re.compile(r"/portal/imports/\d+$"), timeout=TIMEOUT_MS)
    status = page.get_by_test_id("run-status")
    expect(status).to_have_attribute("data-status", "succeeded", timeout=IMPORT_TIMEOUT_MS)
    expect(page.get_by_test_id("run-stats").locator("li").filter(has_text="new")).to_have_text(
        re.compile(r"^\s*172\s+new")
    )

    upload_price_list(page, UPDATE)
    expect(page).to_have_url(re.compile(r"/portal/imports/\d+$"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded", timeout=IMPORT_TIMEOUT_MS)
    expect(page.get_by_test_id("run-partial")).to_be_visible()
    stats = run_stats(page)
    # Every offer of the update is found: none new, none rejected, the prices and stock applied.
    assert (stats["rows read"], stats["new"], stats["rejected"]) == (152, 0, 0), stats
    assert stats["changed"] > 0 and stats["changed"] + stats["unchanged"] == 152, stats
    expect(page.locator("body")).not_to_contain_text("unknown_sku")

    session = live.session()
    try:
        supplier = session.scalars(select(Supplier).where(Supplier.slug == "avtopro-mopar")).one()
        run = session.scalars(
            select(ImportRun).where(ImportRun.supplier_id == supplier.id).order_by(ImportRun.id.desc())
        ).first()
        assert run is not None and "unknown_sku" not in (run.report or {}).get("counts", {})
        offers = {o.supplier_sku: o for o in session.scalars(select(Offer).where(Offer.supplier_id == supplier.id))}
    finally:
        session.close()
    assert len(offers) == 172
    # As the update says: <offer id="110904206"> 3480 UAH, 1 in stock; 110679723 not available.
    assert offers["110904206"].price == Decimal("3480") and offers["110904206"].stock_quantity == 1
    assert offers["110679723"].available is False


def test_a_five_column_csv_shows_its_name_column_on_a_1280_px_screen(
    page: Page,
    tmp_path: Path,
    mopar_seller: str,
) -> None:
    price_list = tmp_path / "mopar-own.csv"
    price_list.write_text(
        "Шифр;Товар;Вартість;Залишок;Примітка\r\n68596318AB;Корпус масляного фільтра;7920;6;оригінал\r\n",
        encoding="utf-8",
    )
    page.set_viewport_size(WIDE)
    log_in(page, mopar_seller, PASSWORD)
    upload_price_list(page, price_list, dry_run=True)

    expect(page).to_have_url(re.compile(r"/portal/imports/\d+/mapping$"), timeout=TIMEOUT_MS)
    name = page.get_by_test_id("map-col-1")
    expect(name).to_have_value("title", timeout=IMPORT_TIMEOUT_MS)
    expect(name).to_be_in_viewport()
    box = name.bounding_box()
    assert box is not None and box["x"] + box["width"] <= WIDE["width"]
    expect(page.get_by_test_id("mapping-other")).to_have_count(0)  # five columns: none folded
    assert page_width(page) <= WIDE["width"]
