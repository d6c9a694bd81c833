"""A supplier uploads a CSV whose columns we do not recognise, maps them, and reads the result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import SELLERS, TIMEOUT_MS, log_in, upload_price_list

pytestmark = pytest.mark.e2e

#: The import page refreshes itself every 2 s while the run is queued or running.
IMPORT_TIMEOUT_MS = 8_000

#: Office Point's own export: "Шифр" and "Залишок" are names we do not know.
CSV = (
    "Шифр;Товар;Вартість;Залишок\r\n"
    "E2E-MAP-1;Степлер Zorvexa 24/6;245,00;12\r\n"
    "E2E-MAP-2;Скоби Zorvexa 24/6, 1000 шт;38,50;0\r\n"
    "E2E-MAP-3;Діркопробивач Zorvexa;310;4\r\n"
)


def test_supplier_maps_unknown_columns_and_sees_the_dry_run_result(page: Page, tmp_path: Path) -> None:
    # A dry run: Office Point's catalog stays as the other browser tests expect it.
    price_list = tmp_path / "office-point-own.csv"
    price_list.write_text(CSV, encoding="utf-8")
    log_in(page, SELLERS["office-point"])
    upload_price_list(page, price_list, dry_run=True)

    expect(page).to_have_url(re.compile(r"/portal/imports/\d+/mapping$"), timeout=TIMEOUT_MS)
    # The worker reads the first rows; the page reloads itself until they are there.
    preview = page.get_by_test_id("mapping-preview")
    expect(preview).to_contain_text("Степлер Zorvexa 24/6", timeout=IMPORT_TIMEOUT_MS)
    # What we recognised is pre-selected; the supplier fills in the rest.
    expect(page.get_by_test_id("map-col-1")).to_have_value("title", timeout=TIMEOUT_MS)
    page.get_by_test_id("map-col-0").select_option("sku")
    page.get_by_test_id("map-col-2").select_option("price")
    page.get_by_test_id("map-col-3").select_option("stock_quantity")
    page.get_by_test_id("mapping-submit").click()

    expect(page).to_have_url(re.compile(r"/portal/imports/\d+$"), timeout=TIMEOUT_MS)
    status = page.get_by_test_id("run-status")
    expect(status).to_have_attribute("data-status", "succeeded", timeout=IMPORT_TIMEOUT_MS)
    expect(page.get_by_test_id("run-dry-run")).to_be_visible(timeout=TIMEOUT_MS)
    stats = page.get_by_test_id("run-stats")
    expect(stats.locator("li").filter(has_text="new")).to_have_text(re.compile(r"^\s*3\s+new"), timeout=TIMEOUT_MS)
    new_offers = page.get_by_test_id("diff-new")
    for sku in ("E2E-MAP-1", "E2E-MAP-2", "E2E-MAP-3"):
        expect(new_offers).to_contain_text(sku, timeout=TIMEOUT_MS)

    # Nothing was published: the offers are not in the catalog.
    page.goto("/search?q=Zorvexa+Степлер")
    expect(page.get_by_test_id("hit").filter(has_text="Степлер Zorvexa")).to_have_count(0, timeout=TIMEOUT_MS)
