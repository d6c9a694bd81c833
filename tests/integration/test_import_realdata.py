"""Every real price list in ../shared/data/feeds through the real import service, with the outcome its quirks imply.

The expected outcomes follow the quirks column of ../shared/data/README.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, OfferStatus
from marketplace.imports import parse as parse_stage
from marketplace.imports.options import ImportOptions
from marketplace.imports.run import import_feed
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier, SupplierCategory
from marketplace.suppliers.services import add_supplier
from supplier_feeds import FeedUnchanged, parse_feed
from tests.support.paths import FEED_STORES

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture
def feeds(shared_data: Path) -> Path:
    return shared_data / "feeds"


def run(app: Flask, session: Session, supplier: Supplier, path: Path, **options: object) -> ImportRun:
    # The default configuration: its rates cover the currencies of every real feed (RON included).
    rates = app.config["CURRENCY_RATES"]
    result = import_feed(
        session,
        supplier,
        str(path),
        filename=path.name,
        base_currency="UAH",
        rates=rates,
        options=ImportOptions(**options),  # type: ignore[arg-type]
    )
    session.flush()
    return result


#: Keyed by the tests' supplier slugs: several tests import one real store's feeds.
STORES = {
    "fiskars-gratis": "https://fiskars-gratis.com.ua/",
    "teritoriya-tepla": "https://teritoriya-tepla.ru/",
    "opispot": "https://opispot.com/",
    "marsupiu": "https://www.marsupiu.ro/",
    "avtopro-mopar": "https://mopar-market.prom.ua/",
}
STORES = {
    **dict.fromkeys(("fiskars-eva", "fiskars-allo", "fiskars-rozetka"), FEED_STORES["fiskars-gratis"]),
    **dict.fromkeys(("avtopro-csv", "avtopro-full"), FEED_STORES["avtopro-mopar"]),
    **FEED_STORES,
}


def new_supplier(session: Session, slug: str) -> Supplier:
    return add_supplier(session, slug, name=slug, store_url=STORES.get(slug, f"https://{slug}.example/"))


def active(session: Session, supplier: Supplier) -> list[Offer]:
    return list(
        session.scalars(select(Offer).where(Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE))
    )


def test_rozetka_yml_without_categories_block(app: Flask, db_session: Session, feeds: Path) -> None:
    supplier = new_supplier(db_session, "fiskars-rozetka")
    result = run(app, db_session, supplier, feeds / "fiskars-gratis.rozetka.yml.xml")

    assert result.status == ImportStatus.SUCCEEDED and result.format == "yml"
    offers = active(db_session, supplier)
    assert len(offers) == 379 and sum(o.available for o in offers) == 339
    # Offers name categories the feed never declares: kept as the supplier's own, unmapped or mapped later.
    assert all(o.supplier_category_id is not None for o in offers)


def test_eva_yml_keeps_ukrainian_names_and_old_prices(app: Flask, db_session: Session, feeds: Path) -> None:
    supplier = new_supplier(db_session, "fiskars-eva")
    result = run(app, db_session, supplier, feeds / "fiskars-gratis.eva.yml.xml")

    assert result.status == ImportStatus.SUCCEEDED and result.created == 150
    offers = active(db_session, supplier)
    assert all(o.title_uk for o in offers)
    assert any(o.old_price is not None and o.old_price > o.price for o in offers)
    assert sum(len(o.params) for o in offers) == 1004


def test_allo_hotline_price_xml(app: Flask, db_session: Session, feeds: Path) -> None:
    supplier = new_supplier(db_session, "fiskars-allo")
    result = run(app, db_session, supplier, feeds / "fiskars-gratis.allo.price.xml")

    assert result.status == ImportStatus.SUCCEEDED and result.format == "hotline"
    offers = active(db_session, supplier)
    assert len(offers) == 375
    assert sum(o.available for o in offers) < 375  # "Немає в наявності" is read as out of stock
    # 325 valid barcodes, 42 UPC-A codes that lost their leading zero, one wrong check digit
    # (reported, never stored as a GTIN).
    assert result.report["counts"] == {"invalid_gtin": 1}
    assert sum(1 for o in offers if o.gtin) == 367


def test_teritoriya_reports_its_141_zero_price_offers_and_the_duplicate(
    app: Flask, db_session: Session, feeds: Path
) -> None:
    supplier = new_supplier(db_session, "teritoriya-tepla")
    result = run(app, db_session, supplier, feeds / "teritoriya-tepla.yml.xml")

    assert result.status == ImportStatus.SUCCEEDED
    # 141 rows are priced 0; one of them is also the second copy of a duplicated id.
    assert result.report["counts"]["zero_price"] == 141
    assert result.report["counts"]["duplicate_sku"] == 1
    assert (result.rows_read, result.rejected, result.created) == (387, 141, 246)
    offers = active(db_session, supplier)
    assert len(offers) == 246 and all(o.price > 0 and o.currency == "RUB" for o in offers)


def test_dirty_autopriwos_is_refused_with_reasons_and_changes_nothing(
    app: Flask, db_session: Session, feeds: Path
) -> None:
    supplier = new_supplier(db_session, "autopriwos")
    result = run(app, db_session, supplier, feeds / "autopriwos.dirty.yml.xml")

    # No <price> anywhere: nothing can be published, and every row says why.
    assert result.status == ImportStatus.FAILED and "left as it was" in (result.error or "")
    counts = result.report["counts"]
    assert counts["missing_price"] == 72
    assert counts.get("duplicate_sku", 0) == 63  # only 9 distinct ids among 72 offers
    assert active(db_session, supplier) == []


def test_google_merchant_rss_in_usd_with_variant_groups(app: Flask, db_session: Session, feeds: Path) -> None:
    supplier = new_supplier(db_session, "opispot")
    result = run(app, db_session, supplier, feeds / "opispot.gmc.xml")

    assert result.status == ImportStatus.SUCCEEDED and result.format.startswith("gmc")
    offers = active(db_session, supplier)
    assert len(offers) == 486
    assert {o.currency for o in offers} == {"USD"} and all(o.price_base > o.price for o in offers)
    assert len({o.item_group_id for o in offers if o.item_group_id}) == 23
    assert max(len(o.pictures) for o in offers) >= 10


def test_google_merchant_rss_in_ron_with_sale_prices(app: Flask, db_session: Session, feeds: Path) -> None:
    supplier = new_supplier(db_session, "marsupiu")
    result = run(app, db_session, supplier, feeds / "marsupiu.gmc.xml")

    assert result.status == ImportStatus.SUCCEEDED
    offers = active(db_session, supplier)
    assert len(offers) == 14 and sum(o.available for o in offers) == 13
    assert any(o.old_price is not None and o.old_price > o.price for o in offers)  # sale_price below price
    assert sum(1 for o in offers if o.gtin) == 3
    # Priced in RON with no <currencies>: the default configuration's rate converts it.
    assert {o.currency for o in offers} == {"RON"} and all(o.price_base > o.price for o in offers)


def test_header_less_csv_is_read_by_its_content(app: Flask, db_session: Session, feeds: Path) -> None:
    supplier = new_supplier(db_session, "avtopro-csv")
    result = run(app, db_session, supplier, feeds / "avtopro-mopar.noheader.csv")

    assert result.status == ImportStatus.SUCCEEDED and result.format == "csv"
    assert result.rows_read == 209
    assert (result.created, result.rejected) == (204, 5)
    counts = result.report["counts"]
    assert (counts["missing_price"], counts["duplicate_sku"], counts["missing_url"]) == (2, 3, 204)


def test_prom_sheet_then_its_partial_update_touches_only_its_152_offers(
    app: Flask, db_session: Session, feeds: Path
) -> None:
    supplier = new_supplier(db_session, "avtopro-mopar")
    sheet = run(app, db_session, supplier, feeds / "avtopro-mopar.prom.xlsx")
    assert sheet.status == ImportStatus.SUCCEEDED and sheet.format == "xlsx" and sheet.created == 172
    before = {o.supplier_sku: (o.price, o.available, o.stock_quantity) for o in active(db_session, supplier)}

    update = run(app, db_session, supplier, feeds / "avtopro-mopar.prom-update.yml.xml")

    assert update.status == ImportStatus.SUCCEEDED and update.partial
    assert update.rows_read == 152 and update.updated + update.unchanged == 152
    assert (update.created, update.withdrawn) == (0, 0)
    after = {o.supplier_sku: (o.price, o.available, o.stock_quantity) for o in active(db_session, supplier)}
    assert after.keys() == before.keys()
    assert sum(1 for sku in after if after[sku] != before[sku]) == update.updated


def test_the_prom_update_forced_full_fails_once_as_a_partial_feed(app: Flask, db_session: Session, feeds: Path) -> None:
    supplier = new_supplier(db_session, "avtopro-full")
    result = run(app, db_session, supplier, feeds / "avtopro-mopar.prom-update.yml.xml", mode="full")

    assert result.status == ImportStatus.FAILED and result.format == "yml"
    assert result.report["counts"] == {"partial_feed_as_full": 1}


def test_the_kharkiv_report_lists_its_one_skipped_row_among_1752_warnings(
    app: Flask, db_session: Session, feeds: Path
) -> None:
    supplier = new_supplier(db_session, "kharkiv-report")
    result = run(app, db_session, supplier, feeds / "rezina13.kharkiv.1c.xls")

    assert (result.rows_read, result.created, result.rejected) == (1753, 1752, 1)
    assert result.report["counts"] == {"missing_url": 1752, "missing_price": 1}
    first, *rest = result.report["problems"]
    assert (first["line"], first["sku"], first["code"]) == (2474, "2190270", "missing_price")
    # The sheet has no link column: one problem for the file, not one per row.
    assert [p["code"] for p in rest] == ["missing_url"] and "None of your 1752 offers" in rest[0]["message"]


@pytest.mark.parametrize("name", ["rezina13.kharkiv.1c.xls", "rezina13.poltava.1c.xls"])
def test_1c_sheets_yield_priced_rows_under_group_row_categories(
    app: Flask, db_session: Session, feeds: Path, name: str
) -> None:
    supplier = new_supplier(db_session, name.split(".")[1])
    result = run(app, db_session, supplier, feeds / name)

    assert result.status == ImportStatus.SUCCEEDED and result.format == "xls"
    offers = active(db_session, supplier)
    assert len(offers) > 800 and all(o.price > 0 for o in offers)
    assert result.created + result.rejected == result.rows_read
    paths = {
        c.external_id
        for c in db_session.scalars(select(SupplierCategory).where(SupplierCategory.supplier_id == supplier.id))
    }
    # Group rows (diameter, season) become the category path of the items below them.
    assert all(o.supplier_category_id is not None for o in offers)
    assert any(" > " in path for path in paths)


@pytest.mark.parametrize(
    ("name", "offers"),
    [("fiskars-gratis.rozetka.yml.xml", 379), ("fiskars-gratis.eva.yml.xml", 150), ("teritoriya-tepla.yml.xml", 246)],
)
def test_a_real_yml_feed_imported_again_skips_its_rows_and_reports_the_same(
    app: Flask, db_session: Session, feeds: Path, monkeypatch: pytest.MonkeyPatch, name: str, offers: int
) -> None:
    supplier = new_supplier(db_session, name.split(".")[0])
    first = run(app, db_session, supplier, feeds / name)
    unchanged: Counter[bool] = Counter()

    def counting(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for item in parse_feed(*args, **kwargs):
            unchanged[type(item) is FeedUnchanged] += 1
            yield item

    monkeypatch.setattr(parse_stage, "parse_feed", counting)
    # The second import may read every row again: the categories the first one created for
    # undeclared ids (Rozetka's feed has no <categories>) are part of the digest's key.
    for _ in range(2):
        unchanged.clear()
        again = run(app, db_session, supplier, feeds / name)
        assert again.status == ImportStatus.SUCCEEDED
        assert again.report == {**first.report, "diff": again.report["diff"]}
        assert (again.rows_read, again.rejected, again.created) == (first.rows_read, first.rejected, 0)
        assert (again.updated, again.withdrawn, again.unchanged) == (0, 0, offers)
    # The rows read before the feed's header (50) and the rejected ones are read every time.
    assert unchanged[True] >= offers - 50
