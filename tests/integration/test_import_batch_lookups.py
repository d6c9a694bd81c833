"""An import's batch statements: its lookups by key (``marketplace.db.by_keys``), the rows asked
for, and on PostgreSQL through the index even when the table's statistics have not seen the
import's rows; the ids its new rows take beforehand (``marketplace.db.new_ids``); and the
offers its index reads back by id (``marketplace.db.one_of``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, Product
from marketplace.db import by_keys, new_ids, one_of
from tests.support import factories


def test_by_keys_finds_the_offers_of_the_keys_asked_and_nothing_else(db_session: Session) -> None:
    owner = factories.supplier(db_session)
    other = factories.supplier(db_session, "other-shop")
    for sku in ("A1", "A2", "A3"):
        factories.offer(db_session, owner, sku)
    factories.offer(db_session, other, "A2")
    query = select(Offer.supplier_sku, Offer.supplier_id).where(Offer.supplier_id == owner.id)
    dialect = db_session.get_bind().dialect

    found = db_session.execute(by_keys(dialect, query, Offer.supplier_sku, ["A1", "A2", "missing"])).all()

    assert sorted(found) == [("A1", owner.id), ("A2", owner.id)]


def test_by_keys_reads_orm_objects_one_for_each_key(db_session: Session) -> None:
    db_session.add_all(
        [
            Product(title="Pan 24", gtin="04006381333931"),
            Product(title="Pan 24, again", gtin="04006381333931"),
            Product(title="Pot 5 l", gtin="05901234123457"),
            Product(title="Lid", gtin="00012345600012"),
        ]
    )
    db_session.flush()
    dialect = db_session.get_bind().dialect
    statement = by_keys(dialect, select(Product), Product.gtin, {"04006381333931", "05901234123457", "00000000000000"})

    products = db_session.scalars(select(Product).from_statement(statement)).all()

    assert all(isinstance(product, Product) for product in products)
    assert {product.gtin for product in products} == {"04006381333931", "05901234123457"}


def _offer_scans(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the plan nodes that read the ``offers`` table."""
    nodes = [plan] if plan.get("Relation Name") == "offers" else []
    for child in plan.get("Plans", []):
        nodes += _offer_scans(child)
    return nodes


def test_on_postgresql_each_key_is_looked_up_in_the_index_though_the_statistics_have_not_seen_the_rows(
    db_session: Session,
) -> None:
    """A first import writes its offers in one transaction, which the planner's statistics do not count.

    Planned from them, ``supplier_sku IN (...)`` read every offer of the supplier for each batch
    (a bitmap on ``supplier_id`` alone, the SKUs a filter), so each batch of a 200,000-offer first
    import took longer than the last. The lookup must descend the unique index on both columns.
    """
    dialect = db_session.get_bind().dialect
    if dialect.name != "postgresql":
        pytest.skip("SQLite plans IN from the index; the stale statistics are PostgreSQL's")
    owner = factories.supplier(db_session)
    factories.many_offers(db_session, owner, 5_000)
    keys = [f"SKU{i}" for i in range(2_000, 3_000)]
    statement = by_keys(
        dialect, select(Offer.id, Offer.supplier_sku).where(Offer.supplier_id == owner.id), Offer.supplier_sku, keys
    )
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})

    assert len(db_session.execute(statement).all()) == 1_000
    plan = (
        db_session.connection()
        .exec_driver_sql("EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params)
        .scalar_one()
    )
    scans = _offer_scans((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"])
    assert scans, plan
    for scan in scans:
        assert scan["Node Type"] == "Index Scan", scan
        assert "supplier_sku" in scan["Index Cond"] and "supplier_id" in scan["Index Cond"], scan
        assert "Filter" not in scan, scan


def test_new_ids_are_fresh_and_never_taken_again_by_a_row_inserted_without_one(db_session: Session) -> None:
    table = Product.metadata.tables[Product.__tablename__]
    db_session.add(Product(title="Pan 24"))
    db_session.flush()
    before = set(db_session.scalars(select(Product.id)))

    ids = new_ids(db_session, table, 3)
    db_session.execute(table.insert(), [{"id": i, "title": f"Pot {i}", "match_pending": True} for i in ids])
    later = Product(title="Lid")
    db_session.add(later)
    db_session.flush()

    assert len(set(ids)) == 3 and not set(ids) & before
    assert later.id not in set(ids) | before
    assert new_ids(db_session, table, 0) == []


def test_one_of_finds_the_rows_of_the_values_asked_in_one_parameter_on_postgresql(db_session: Session) -> None:
    owner = factories.supplier(db_session)
    offers = [factories.offer(db_session, owner, f"S{i}") for i in range(5)]
    dialect = db_session.get_bind().dialect
    wanted = [offers[0].id, offers[3].id, 10**9]
    query = select(Offer.supplier_sku).where(one_of(dialect, Offer.id, wanted))

    found = db_session.scalars(query).all()

    assert sorted(found) == ["S0", "S3"]
    if dialect.name == "postgresql":
        assert len(query.compile(dialect=dialect).params) == 1
