"""The import service against a real database: offers, categories, report, withdrawal, grouping."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import OfferStatus, Product
from marketplace.changes.models import IndexChange
from marketplace.files.store import FolderFileStore
from marketplace.imports.jobs import run_queued_imports
from marketplace.imports.options import ImportOptions
from marketplace.imports.run import import_feed
from marketplace.imports.uploads import queue_import
from marketplace.suppliers.models import ImportStatus, Supplier, SupplierCategory
from marketplace.taxonomy.models import Category
from tests.support import factories
from tests.support.feeds import RATES, offers_of, run_import
from tests.support.paths import FIXTURES

FEEDS = FIXTURES / "feeds"


def test_yml_import_lands_offers_under_their_categories(db_session: Session, supplier: Supplier) -> None:
    run = run_import(db_session, supplier, (FEEDS / "kitchen.yml").read_bytes(), filename="kitchen.yml")

    assert run.status == ImportStatus.SUCCEEDED
    assert run.format == "yml"
    assert (run.rows_read, run.created, run.rejected) == (5, 3, 2)
    offers = offers_of(db_session, supplier)
    assert set(offers) == {"PAN-28", "KNIFE-20", "BOARD-1"}
    pan = offers["PAN-28"]
    assert pan.category is not None and pan.category.name == "Skillets & Frying Pans"
    assert pan.price == Decimal("1899") and pan.old_price == Decimal("2199")
    assert pan.url == "https://kitchen-pro.example/pan-28"
    assert pan.gtin == "4820000010016"
    assert pan.pictures == ["https://kitchen-pro.example/img/pan-28.jpg"]
    assert ["Diameter", "28 cm"] in pan.params
    # The feed's own rate (40) wins over the configured one (41.5).
    assert offers["KNIFE-20"].currency == "USD"
    assert offers["KNIFE-20"].price_base == Decimal("1000.00")
    assert offers["BOARD-1"].available is False
    # A supplier category with no counterpart in the tree is kept, unmapped.
    unmapped = db_session.scalar(
        select(SupplierCategory).where(SupplierCategory.supplier_id == supplier.id, SupplierCategory.external_id == "9")
    )
    assert unmapped is not None and unmapped.category_id is None and offers["BOARD-1"].category_id is None


def test_report_lists_every_rejected_row_with_its_reason(db_session: Session, supplier: Supplier) -> None:
    run = run_import(db_session, supplier, (FEEDS / "kitchen.yml").read_bytes())

    rejected = {p["sku"]: p for p in run.report["problems"] if p["severity"] == "error"}
    assert set(rejected) == {"BROKEN-1", "NOPRICE-1"}
    assert rejected["BROKEN-1"]["code"] == "invalid_price"
    assert rejected["BROKEN-1"]["value"] == "abc"
    assert rejected["BROKEN-1"]["line"] and rejected["BROKEN-1"]["message"]
    assert rejected["NOPRICE-1"]["code"] == "missing_price"
    assert run.report["counts"]["invalid_price"] == 1


def test_cp1251_csv_import(db_session: Session) -> None:
    supplier = factories.supplier(db_session, "office-point")
    run = run_import(db_session, supplier, (FEEDS / "office.csv").read_bytes(), filename="office.csv")

    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert run.format == "csv"
    offers = offers_of(db_session, supplier)
    assert set(offers) == {"OP-1", "OP-2", "OP-4"}
    assert offers["OP-1"].title == "Сковорода Hartwell Steel 28 см"
    assert offers["OP-1"].price == Decimal("1950.00")
    assert offers["OP-2"].category is not None and offers["OP-2"].category.name == "Staplers"
    assert offers["OP-4"].available is False
    assert [p["sku"] for p in run.report["problems"] if p["severity"] == "error"] == ["OP-3"]


def test_reimport_changes_only_what_changed_and_withdraws_the_rest(db_session: Session, supplier: Supplier) -> None:
    feed = (FEEDS / "kitchen.yml").read_bytes()
    run_import(db_session, supplier, feed)
    db_session.execute(IndexChange.__table__.delete())

    again = run_import(db_session, supplier, feed)
    assert (again.created, again.updated, again.unchanged, again.withdrawn) == (0, 0, 3, 0)
    assert db_session.scalars(select(IndexChange)).all() == []

    changed = feed.replace(b"<price>1899</price>", b"<price>1799</price>").replace(
        b'<offer id="BOARD-1"', b'<offer id="BOARD-2"'
    )
    third = run_import(db_session, supplier, changed)
    offers = offers_of(db_session, supplier)
    assert (third.created, third.updated, third.withdrawn) == (1, 1, 1)
    assert offers["PAN-28"].price == Decimal("1799")
    # Withdrawn, not deleted: kept for history, hidden from buyers.
    assert offers["BOARD-1"].status == OfferStatus.WITHDRAWN
    queued = set(db_session.scalars(select(IndexChange.offer_id)))
    assert queued == {offers["PAN-28"].id, offers["BOARD-1"].id, offers["BOARD-2"].id}


def test_a_broken_file_fails_whole_and_keeps_the_previous_catalog(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, (FEEDS / "kitchen.yml").read_bytes())
    before = {sku: (o.price, o.status) for sku, o in offers_of(db_session, supplier).items()}

    truncated = (FEEDS / "kitchen.yml").read_bytes()[:1500]
    failed = run_import(db_session, supplier, truncated)
    garbage = run_import(db_session, supplier, (FEEDS / "garbage.bin").read_bytes())

    assert failed.status == ImportStatus.FAILED and failed.error
    assert garbage.status == ImportStatus.FAILED and garbage.error
    db_session.expire_all()
    assert {sku: (o.price, o.status) for sku, o in offers_of(db_session, supplier).items()} == before


def test_offers_of_the_same_gtin_from_two_suppliers_share_a_product(db_session: Session, supplier: Supplier) -> None:
    other = factories.supplier(db_session, "office-point")
    run_import(db_session, supplier, (FEEDS / "kitchen.yml").read_bytes())
    run_import(db_session, other, (FEEDS / "office.csv").read_bytes())

    pan = offers_of(db_session, supplier)["PAN-28"]
    their_pan = offers_of(db_session, other)["OP-1"]
    assert pan.product_id == their_pan.product_id
    product = db_session.get(Product, pan.product_id)
    assert product is not None and {o.supplier_id for o in product.offers} == {supplier.id, other.id}
    # Different things stay apart.
    assert offers_of(db_session, other)["OP-2"].product_id != pan.product_id


def test_uploads_wait_in_the_queue_for_the_worker(db_session: Session, supplier: Supplier, tmp_path) -> None:
    uploads = tmp_path / "uploads"
    run = queue_import(
        db_session, supplier, (FEEDS / "kitchen.yml").read_bytes(), filename="../../etc/kitchen.yml",
        files=FolderFileStore(str(uploads)),
    )  # fmt: skip
    assert run.status == ImportStatus.QUEUED
    assert run.filename == "kitchen.yml"
    assert offers_of(db_session, supplier) == {}

    assert len(list(uploads.iterdir())) == 1
    done = run_queued_imports(db_session, files=FolderFileStore(str(uploads)), base_currency="UAH", rates=RATES)

    assert [r.id for r in done] == [run.id]
    assert run.status == ImportStatus.SUCCEEDED
    assert len(offers_of(db_session, supplier)) == 3
    assert list(uploads.iterdir()) == []


@pytest.mark.parametrize("currency", ["XYZ"])
def test_unknown_currency_rejects_the_row(db_session: Session, supplier: Supplier, currency: str) -> None:
    feed = (
        (FEEDS / "kitchen.yml")
        .read_bytes()
        .replace(b"<currencyId>USD</currencyId>", f"<currencyId>{currency}</currencyId>".encode())
    )
    run = run_import(db_session, supplier, feed)
    codes = {p["sku"]: p["code"] for p in run.report["problems"]}
    assert codes["KNIFE-20"] == "unknown_currency"
    assert "KNIFE-20" not in offers_of(db_session, supplier)


def test_category_of_the_taxonomy_is_used(db_session: Session) -> None:
    assert db_session.scalar(select(Category).where(Category.google_id == 662)).path.endswith("Skillets & Frying Pans")


def test_a_feed_with_no_valid_offer_withdraws_nothing(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, (FEEDS / "kitchen.yml").read_bytes())
    # A full feed whose every row is broken: more likely a bad export than an empty shop.
    broken = b"""<?xml version="1.0" encoding="UTF-8"?><yml_catalog><shop><offers>
      <offer id="PAN-28"><name>Pan</name><currencyId>UAH</currencyId></offer>
    </offers></shop></yml_catalog>"""

    run = run_import(db_session, supplier, broken)

    assert run.status == ImportStatus.FAILED
    assert run.error is not None and "left as it was" in run.error
    assert run.report["counts"]["missing_price"] == 1
    offers = offers_of(db_session, supplier)
    assert all(o.status == OfferStatus.ACTIVE for o in offers.values()) and len(offers) == 3
    assert offers["PAN-28"].price == Decimal("1899")


def test_an_update_feed_forced_full_fails_once_as_a_partial_feed(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, (FEEDS / "kitchen.yml").read_bytes())
    update = b"""<?xml version="1.0" encoding="UTF-8"?><yml_catalog><shop><offers>
      <offer id="PAN-28"><price>1700</price><currencyId>UAH</currencyId></offer>
      <offer id="KNIFE-20"><price>30</price><currencyId>USD</currencyId></offer>
    </offers></shop></yml_catalog>"""

    # Forced full, the rows used to be read as offers without names: one missing_title per row.
    run = import_feed(
        db_session, supplier, update, filename="feed", base_currency="UAH", rates=RATES,
        options=ImportOptions(mode="full"),
    )  # fmt: skip

    assert run.status == ImportStatus.FAILED
    assert run.report["counts"] == {"partial_feed_as_full": 1}
    assert run.error is not None and "partial feed" in run.error
    assert run.format == "yml"  # a failed run still says what the file was
    assert offers_of(db_session, supplier)["PAN-28"].price == Decimal("1899")


def test_price_history_records_what_moved(db_session: Session, supplier: Supplier) -> None:
    from marketplace.catalog.models import PriceHistory

    feed = (FEEDS / "kitchen.yml").read_bytes()
    run_import(db_session, supplier, feed)
    run_import(db_session, supplier, feed)  # nothing moved: no new points
    run_import(db_session, supplier, feed.replace(b"<price>1899</price>", b"<price>1799</price>"))

    pan = offers_of(db_session, supplier)["PAN-28"]
    points = db_session.scalars(
        select(PriceHistory).where(PriceHistory.offer_id == pan.id).order_by(PriceHistory.id)
    ).all()
    assert [p.price for p in points] == [Decimal("1899"), Decimal("1799")]
    assert all(p.product_id == pan.product_id and p.active for p in points)
    total = db_session.scalars(select(PriceHistory)).all()
    assert len(total) == 4  # three offers' first points, and the pan's move


def test_ukrainian_titles_are_kept_beside_the_main_one(db_session: Session, supplier: Supplier) -> None:
    feed = (
        (FEEDS / "kitchen.yml")
        .read_bytes()
        .replace(
            b"<name>Hartwell Steel frying pan 28 cm</name>",
            "<name>Hartwell Steel frying pan 28 cm</name><name_ua>Сковорода Hartwell 28 см</name_ua>".encode(),
        )
    )
    run_import(db_session, supplier, feed)
    pan = offers_of(db_session, supplier)["PAN-28"]
    assert (pan.title, pan.title_uk) == ("Hartwell Steel frying pan 28 cm", "Сковорода Hartwell 28 см")
