"""A 1C price list without ids and a distributor's workbook through the real import, imported twice."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import OfferStatus
from marketplace.suppliers.models import ImportStatus, Supplier, SupplierCategory
from supplier_feeds.row_keys import derived_sku
from tests.support.feeds import RATES, offers_of, run_import
from tests.support.price_lists import (
    CAMERAS,
    NOTES,
    ONE_C,
    ONE_C_LEVELS,
    PRICE_LISTS,
    RECORDERS,
    with_price,
    workbook_bytes,
)
from tests.support.xls_writer import xls_bytes

SUFFIXES = pytest.mark.parametrize("suffix", ["xlsx", "xls"])


def one_c(suffix: str, rows: list[list[Any]]) -> bytes:
    """Return a 1C list of ``rows`` as 1C writes it: an .xls gives the rows their outline levels."""
    if suffix == "xls":
        return xls_bytes(("TDSheet", rows), levels={"TDSheet": ONE_C_LEVELS})
    return workbook_bytes(("TDSheet", rows))


def writer(suffix: str) -> Callable[..., bytes]:
    return xls_bytes if suffix == "xls" else workbook_bytes


@SUFFIXES
def test_a_1c_list_without_ids_updates_the_same_offers_when_imported_again(
    db_session: Session, supplier: Supplier, suffix: str
) -> None:
    name = f"price.{suffix}"
    first = run_import(db_session, supplier, (PRICE_LISTS / f"1c-no-ids.{suffix}").read_bytes(), filename=name)
    assert first.status == ImportStatus.SUCCEEDED and first.format == suffix
    assert (first.created, first.updated, first.withdrawn) == (5, 0, 0)
    assert first.report["counts"] == {"derived_sku": 1, "duplicate_name": 1, "missing_url": 5}
    notices = [p for p in first.report["problems"] if p["code"] == "derived_sku"]
    assert len(notices) == 1 and notices[0]["line"] is None

    tee = derived_sku("Футболка базовая", "XL, белая")
    cheaper = with_price(ONE_C, "Футболка базовая", 330)
    again = run_import(db_session, supplier, one_c(suffix, cheaper), filename=name)
    assert (again.created, again.updated, again.withdrawn) == (0, 2, 0)
    offers = offers_of(db_session, supplier)
    assert offers[tee].price == Decimal(330) and offers[tee].title == "Футболка базовая (XL, белая)"

    # Renamed in 1C: a new offer, and the old one withdrawn (as the README says).
    renamed = [
        ["Футболка Basic" if row[:1] == ["Футболка базовая"] else row[0], *row[1:]] if row else row for row in ONE_C
    ]
    third = run_import(db_session, supplier, one_c(suffix, renamed), filename=name)
    assert (third.created, third.withdrawn) == (2, 2)
    assert offers_of(db_session, supplier)[tee].status == OfferStatus.WITHDRAWN


@SUFFIXES
def test_a_distributor_workbook_imports_every_sheet_and_updates_on_a_new_price(
    db_session: Session, supplier: Supplier, suffix: str
) -> None:
    name = f"dist.{suffix}"
    first = run_import(db_session, supplier, (PRICE_LISTS / f"distributor.{suffix}").read_bytes(), filename=name)
    assert first.status == ImportStatus.SUCCEEDED
    assert (first.created, first.updated) == (6, 0)
    assert first.report["counts"] == {"sheet_skipped": 1, "price_on_request": 1, "missing_url": 6}
    (on_request,) = [p for p in first.report["problems"] if p["code"] == "price_on_request"]
    assert (on_request["severity"], on_request["value"]) == ("warning", "2")
    offers = offers_of(db_session, supplier)
    assert (offers["IPC-D1"].currency, offers["IPC-D1"].price_base) == ("USD", Decimal("45.50") * RATES["USD"])
    assert offers["NVR-4"].currency == "EUR"
    paths = set(
        db_session.scalars(select(SupplierCategory.external_id).where(SupplierCategory.supplier_id == supplier.id))
    )
    assert "Cameras > IP cameras > Dome" in paths and "Recorders > Network recorders > 8 channels" in paths

    changed = writer(suffix)(("Cameras", with_price(CAMERAS, "IPC-B1", 55)), ("Recorders", RECORDERS), ("Notes", NOTES))
    again = run_import(db_session, supplier, changed, filename=name)
    assert (again.created, again.updated, again.withdrawn, again.unchanged) == (0, 1, 0, 5)
    assert offers_of(db_session, supplier)["IPC-B1"].price == Decimal(55)
