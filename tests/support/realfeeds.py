"""Import the real price lists of ../shared/data the way a supplier's upload would, and map their categories."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.category_mapping import set_mapping
from marketplace.imports.run import import_feed
from marketplace.suppliers.models import Supplier, SupplierCategory
from marketplace.suppliers.services import add_supplier
from tests.support.paths import FEED_STORES
from tests.support.taxonomy import add_google_categories

#: How an operator maps the rezina13 1C price list's top groups onto Google's tree: tyres
#: (cars' and trucks') to Motor Vehicle Tires, wheels to Rims & Wheels, oils and washer
#: fluids to Vehicle Fluids. "5 Аккумуляторы" stays unmapped: its own name is all it has.
REZINA13_GROUPS = {"1 Шины": 911, "3 Грузовые шины": 911, "2 Диски": 2932, "4 Масла": 2788}


def import_real_feed(app: Flask, session: Session, shared_data: Path, name: str) -> Supplier:
    """Register the feed's supplier and import the feed through the real import service."""
    slug = "-".join(name.split(".")[:2])
    # The store the feed's offer links lead to (they must, or the rows are foreign_url).
    store_url = FEED_STORES.get(name.split(".")[0], "https://shop.example/")
    supplier = add_supplier(session, slug, name=name, store_url=store_url)
    run = import_feed(
        session, supplier, (shared_data / "feeds" / name).read_bytes(), filename=name,
        base_currency="UAH", rates=app.config["CURRENCY_RATES"],
    )  # fmt: skip
    assert run.status == "succeeded", run.error
    return supplier


def map_groups(session: Session, supplier: Supplier, groups: dict[str, int], admin: User) -> None:
    """Map every supplier category under each top group to the group's Google category, by hand."""
    categories = add_google_categories(session, *set(groups.values()))
    for supplier_category in session.scalars(
        select(SupplierCategory).where(SupplierCategory.supplier_id == supplier.id)
    ).all():
        top = supplier_category.external_id.split(" > ")[0]
        if top in groups:
            set_mapping(session, supplier_category, categories[groups[top]], by=admin)
