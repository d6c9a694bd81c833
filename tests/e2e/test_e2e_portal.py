"""A supplier uploads a price list in the portal, reads its import report, and is found."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import SELLERS, TIMEOUT_MS, log_in, run_stats, upload_price_list

pytestmark = pytest.mark.e2e

#: The import page refreshes itself every 2 s while the run is queued or running.
IMPORT_TIMEOUT_MS = 8_000
#: A word no demo offer has, to find exactly the uploaded offers.
WORD = "Zorvexa"

PRICE_LIST = f"""<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog date="2026-11-20 10:00">
  <shop>
    <name>Sad &amp; Horod</name>
    <company>Sad &amp; Horod</company>
    <url>https://sad-horod.example/</url>
    <currencies><currency id="UAH" rate="1"/></currencies>
    <categories><category id="1">Pruning Shears</category></categories>
    <offers>
      <offer id="E2E-PRUNER" available="true">
        <url>https://sad-horod.example/p/e2e-pruner</url>
        <price>812</price>
        <currencyId>UAH</currencyId>
        <categoryId>1</categoryId>
        <vendor>{WORD}</vendor>
        <name>{WORD} bypass pruner 21 cm</name>
      </offer>
      <offer id="E2E-LOPPER" available="true">
        <url>https://sad-horod.example/p/e2e-lopper</url>
        <price>1456.50</price>
        <currencyId>UAH</currencyId>
        <categoryId>1</categoryId>
        <vendor>{WORD}</vendor>
        <name>{WORD} anvil lopper 75 cm</name>
      </offer>
      <offer id="E2E-BROKEN" available="true">
        <url>https://sad-horod.example/p/e2e-broken</url>
        <price>abc</price>
        <currencyId>UAH</currencyId>
        <categoryId>1</categoryId>
        <name>{WORD} pruner with a broken price</name>
      </offer>
    </offers>
  </shop>
</yml_catalog>
"""


def test_supplier_uploads_price_list(page: Page, tmp_path: Path) -> None:
    # Sad & Horod: the upload replaces its catalog, and no other browser test reads garden tools.
    price_list = tmp_path / "sad-horod-e2e.yml"
    price_list.write_text(PRICE_LIST, encoding="utf-8")
    log_in(page, SELLERS["sad-horod"])

    page.locator(".site-header").get_by_role("link", name="Supplier portal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sad & Horod", timeout=TIMEOUT_MS)
    upload_price_list(page, price_list)

    expect(page).to_have_url(re.compile(r"/portal/imports/\d+$"), timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", level=1)).to_contain_text("sad-horod-e2e.yml", timeout=TIMEOUT_MS)
    status = page.get_by_test_id("run-status")
    # It would withdraw all six demo garden offers, more than half the catalog: it waits for a yes.
    expect(status).to_have_attribute("data-status", "held", timeout=IMPORT_TIMEOUT_MS)
    expect(page.get_by_test_id("run-held")).to_contain_text("6 of your 6 offers", timeout=TIMEOUT_MS)
    page.get_by_test_id("confirm-withdraw").click()
    expect(status).to_have_attribute("data-status", "succeeded", timeout=IMPORT_TIMEOUT_MS)
    expect(status).to_have_text("Imported", timeout=TIMEOUT_MS)
    stats = run_stats(page)
    # The six demo garden offers are withdrawn: a price list replaces the whole catalog.
    assert (stats["new"], stats["rejected"], stats["withdrawn"]) == (2, 1, 6), stats

    problems = page.get_by_test_id("problems")
    rejected = problems.locator("tbody tr").filter(has_text="E2E-BROKEN")
    expect(rejected).to_have_count(1, timeout=TIMEOUT_MS)
    expect(rejected.locator("td").nth(0)).to_have_text("Error", timeout=TIMEOUT_MS)
    expect(rejected.locator("td").nth(4)).to_have_text("price", timeout=TIMEOUT_MS)
    expect(rejected.locator("td").nth(5)).to_have_text("abc", timeout=TIMEOUT_MS)
    for sku in ("E2E-PRUNER", "E2E-LOPPER"):
        expect(problems.locator("tbody tr").filter(has_text=sku)).to_have_count(0, timeout=TIMEOUT_MS)

    # The worker indexes after the import commits: search, then reload until the offers show up.
    header_search = page.locator(".site-header").get_by_role("searchbox")
    header_search.fill(WORD)
    header_search.press("Enter")
    expect(page).to_have_url(re.compile(rf"/search\?q={WORD}$"), timeout=TIMEOUT_MS)
    page.wait_for_load_state()
    hits = page.get_by_test_id("hit")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while hits.count() != 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        page.reload()
    expect(hits).to_have_count(2, timeout=TIMEOUT_MS)
    titles = sorted(hits.locator(".hit-title").all_inner_texts())
    assert titles == [f"{WORD} anvil lopper 75 cm", f"{WORD} bypass pruner 21 cm"]
    expect(hits.filter(has_text="broken price")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(hits.filter(has_text="Sad & Horod")).to_have_count(2, timeout=TIMEOUT_MS)
