"""Helpers for the grouping tests: small CSV price lists imported through the real import."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer
from marketplace.imports.run import import_feed
from marketplace.suppliers.models import ImportRun, Supplier

COLUMNS = ("sku", "name", "brand", "model", "mpn", "gtin", "price", "currency", "url")


def price_list(slug: str, rows: Sequence[dict[str, str]]) -> bytes:
    """Return a CSV price list for ``rows`` (each needs sku and name; the rest is optional)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    for row in rows:
        filled = {"price": "100", "currency": "UAH", "url": f"https://{slug}.example/p/{row['sku']}", **row}
        writer.writerow([filled.get(column, "") for column in COLUMNS])
    return out.getvalue().encode("utf-8")


def import_and_group(session: Session, supplier: Supplier, rows: Sequence[dict[str, str]]) -> ImportRun:
    """Import ``rows`` for ``supplier`` through the real import, which groups them (all three rules)."""
    run = import_feed(
        session,
        supplier,
        price_list(supplier.slug, rows),
        filename=f"{supplier.slug}.csv",
        base_currency="UAH",
        rates={"UAH": Decimal(1)},
    )
    assert run.status == "succeeded", (run.error, run.report)
    session.flush()
    return run


def product_of(session: Session, supplier: Supplier, sku: str) -> int:
    """Return the product id of ``supplier``'s offer ``sku``."""
    product_id = session.scalar(
        select(Offer.product_id).where(Offer.supplier_id == supplier.id, Offer.supplier_sku == sku)
    )
    assert product_id is not None, sku
    return product_id
