"""The Abt-Buy benchmark grouped through the real import, scored against its perfect mapping."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.matching import feed_csv, pairs_from_groups, read_rows
from marketplace.catalog.models import Offer
from marketplace.imports.run import import_feed
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import add_supplier

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


def test_abt_buy_grouping_puts_precision_first(db_session: Session, shared_data: Path) -> None:
    data = shared_data / "matching" / "abt-buy"
    rows = {"abt": read_rows(data / "Abt.csv", "iso-8859-1"), "buy": read_rows(data / "Buy.csv", "utf-8")}
    gold = {(r["idAbt"], r["idBuy"]) for r in read_rows(data / "abt_buy_perfectMapping.csv", "utf-8")}
    for slug, supplier_rows in rows.items():
        supplier = add_supplier(db_session, slug, name=slug, store_url=f"https://{slug}.example/")
        run = import_feed(
            db_session,
            supplier,
            feed_csv(supplier_rows, slug),
            filename=f"{slug}.csv",
            base_currency="USD",
            rates={"USD": Decimal(1)},
        )
        assert run.status == "succeeded" and run.created == len(supplier_rows)
    groups: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for product_id, slug, sku in db_session.execute(
        select(Offer.product_id, Supplier.slug, Offer.supplier_sku).join(Supplier, Supplier.id == Offer.supplier_id)
    ):
        groups[product_id].append((slug, sku))
    predicted = pairs_from_groups(groups, "abt", "buy")
    precision = len(predicted & gold) / len(predicted)
    recall = len(predicted & gold) / len(gold)
    f1 = 2 * precision * recall / (precision + recall)
    assert precision >= 0.95
    assert f1 >= 0.95
