"""CommerceML 2 exchanges through the real import: offers, prices, stock, categories, the price type."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import OfferStatus
from marketplace.imports.options import choose_price_type
from marketplace.suppliers.models import ImportStatus, Supplier, SupplierCategory
from supplier_feeds.commerceml import pack_exchange
from tests.support.commerceml import BITRIX_210, BITRIX_210_ZIP, CP1251_203, UTF8_205, pair
from tests.support.feeds import offers_of, run_import


def _categories(session: Session, supplier: Supplier) -> dict[str, tuple[str, str | None]]:
    rows = session.scalars(select(SupplierCategory).where(SupplierCategory.supplier_id == supplier.id))
    return {c.external_id: (c.name, c.parent_external_id) for c in rows}


def test_the_utf8_205_pair_imports_offers_prices_stock_and_groups(db_session: Session, supplier: Supplier) -> None:
    run = run_import(db_session, supplier, pair(UTF8_205), filename="exchange.zip")

    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert run.format == "commerceml"
    assert (run.created, run.rejected) == (3, 1)
    offers = offers_of(db_session, supplier)
    assert set(offers) == {"0b1c2d3e-0001", "0b1c2d3e-0002#c-m", "0b1c2d3e-0002#c-l"}
    mower = offers["0b1c2d3e-0001"]
    assert (mower.price, mower.currency, mower.stock_quantity, mower.available) == (Decimal("3999"), "UAH", 7, True)
    assert (mower.brand, mower.mpn, mower.gtin) == ("GreenMow", "GM-1400", "4006381333931")
    assert mower.pictures == ["https://cdn.sadova.example/mow1400.jpg"]
    assert ["Привід", "Електричний"] in mower.params
    assert offers["0b1c2d3e-0002#c-l"].available is False
    assert offers["0b1c2d3e-0002#c-m"].item_group_id == "0b1c2d3e-0002"
    # The groups are the supplier's category tree, and each offer sits in its group.
    assert _categories(db_session, supplier) == {
        "g-garden": ("Сад і город", None),
        "g-mowers": ("Газонокосарки", "g-garden"),
        "g-gloves": ("Рукавички", "g-garden"),
    }
    mower_category = db_session.get(SupplierCategory, mower.supplier_category_id)
    assert mower_category is not None and mower_category.external_id == "g-mowers"
    codes = run.report["counts"]
    assert codes["missing_price"] == 1 and codes["relative_pictures"] == 1


def test_the_cp1251_203_pair_waits_for_the_price_type_then_imports_it(db_session: Session, supplier: Supplier) -> None:
    refused = run_import(db_session, supplier, pair(CP1251_203), filename="exchange.zip")

    assert refused.status == ImportStatus.FAILED
    assert refused.report["price_types"] == ["Оптовая", "Дилерская"]
    assert refused.report["counts"] == {"price_type_required": 1}
    assert offers_of(db_session, supplier) == {}

    # The supplier chooses once; the choice holds for the next imports.
    choose_price_type(supplier, "  Дилерская ")
    assert supplier.price_type == "Дилерская"
    run = run_import(db_session, supplier, pair(CP1251_203), filename="exchange.zip")

    assert run.status == ImportStatus.SUCCEEDED, run.error
    offers = offers_of(db_session, supplier)
    assert (offers["00000012345"].price, offers["00000012345"].stock_quantity) == (Decimal("1080"), 4)
    assert offers["00000012345"].title == "Колодки тормозные передние Bosch"
    assert (offers["00000012346"].price, offers["00000012346"].available) == (Decimal("265"), False)
    assert _categories(db_session, supplier)["grp-11"] == ("Тормозные колодки", "grp-1")
    # A blank choice keeps the one made before; an explicit option overrides it for one import.
    assert choose_price_type(supplier, "") == "Дилерская"
    wholesale = run_import(db_session, supplier, pair(CP1251_203), price_type="tc-opt")
    assert wholesale.status == ImportStatus.SUCCEEDED
    assert offers_of(db_session, supplier)["00000012345"].price == Decimal("1150")


def test_the_bitrix_210_zip_imports_and_its_offers_update_alone(db_session: Session, supplier: Supplier) -> None:
    run = run_import(db_session, supplier, BITRIX_210_ZIP.read_bytes(), filename="bitrix.zip")

    assert run.status == ImportStatus.SUCCEEDED, run.error
    offers = offers_of(db_session, supplier)
    assert set(offers) == {"4711"}
    drill = offers["4711"]
    assert (drill.price, drill.stock_quantity, drill.brand, drill.mpn) == (Decimal("5299"), 5, "Makita", "DF333DWAE")
    assert drill.pictures == ["https://shop.example/upload/iblock/a1f/df333.jpg"]
    relative = next(p for p in run.report["problems"] if p["code"] == "relative_pictures")
    assert relative["value"] == "import_files/a1/a1f0c7e2.jpg"

    # offers.xml alone, with other prices and stock: an update that withdraws nothing.
    changed = (BITRIX_210 / "offers.xml").read_bytes().replace(b">5299<", b">4999<").replace(b">3<", b">0<")
    update = run_import(db_session, supplier, changed, filename="offers.xml")

    assert update.status == ImportStatus.SUCCEEDED, update.error
    assert update.partial is True
    drill = offers_of(db_session, supplier)["4711"]
    assert (drill.price, drill.stock_quantity, drill.status) == (Decimal("4999"), 2, OfferStatus.ACTIVE)


def test_a_product_dropped_from_the_exchange_is_withdrawn(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, pair(UTF8_205))
    catalog = (UTF8_205 / "offers.xml").read_bytes()
    start = catalog.index("<Предложение>".encode())
    end = catalog.index("</Предложение>".encode()) + len("</Предложение>".encode())
    without_mower = catalog[:start] + catalog[end:]
    run = run_import(
        db_session,
        supplier,
        pack_exchange([("import.xml", (UTF8_205 / "import.xml").read_bytes()), ("offers.xml", without_mower)]),
        withdraw_guard_percent=None,
    )

    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert run.withdrawn == 1
    assert offers_of(db_session, supplier)["0b1c2d3e-0001"].status == OfferStatus.WITHDRAWN
