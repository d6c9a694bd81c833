"""The index writer's queue: batching, exact deletes, rebuilds racing syncs, drift, rollbacks."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index

from marketplace.catalog.models import Offer
from marketplace.catalog.pricing import to_minor
from marketplace.changes.models import IndexChange
from marketplace.changes.outbox import pending_changes, queue_reindex
from marketplace.db import database
from marketplace.search.index_runtime import get_index
from marketplace.search.indexer import check_index
from marketplace.search.jobs import INDEX_BATCH, rebuild_index, sync_index, update_index
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.models import Category
from marketplace.worker import work_once
from search_index.analysis import ScriptStemFilter
from search_index.schema import build_schema
from tests.support.committed_apps import import_round


def offer_by_sku(session: Session, sku: str) -> Offer:
    return session.scalars(select(Offer).where(Offer.supplier_sku == sku)).one()


def indexed_price(app: Flask, offer_id: int) -> int:
    return get_index(app).indexed_offers()[offer_id].price_minor


# --- batching in the worker ---------------------------------------------------------------


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"INDEX_COMMIT_SECONDS": 30}


def test_the_worker_waits_for_a_batch_or_for_the_oldest_change_to_age(
    app: Flask, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    knife = offer_by_sku(db_session, "KNIFE-20")
    knife.price_base = Decimal("999.00")
    queue_reindex(db_session, [knife.id])
    db_session.commit()

    assert work_once(app).indexed == 0, "one fresh change waits for a batch"
    assert pending_changes(db_session) == 1
    assert indexed_price(app, knife.id) != 99_900

    db_session.execute(update(IndexChange).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=31)))
    db_session.commit()
    assert work_once(app).indexed == 1, "the oldest change waited INDEX_COMMIT_SECONDS"
    assert pending_changes(db_session) == 0
    assert indexed_price(app, knife.id) == 99_900


def test_a_full_batch_is_committed_at_once(app: Flask, db_session: Session, stocked: dict[str, Supplier]) -> None:
    ids = list(db_session.scalars(select(Offer.id)))
    for _ in range(-(-INDEX_BATCH // len(ids))):
        queue_reindex(db_session, ids)
    db_session.commit()
    assert pending_changes(db_session) >= INDEX_BATCH
    assert work_once(app).indexed == len(ids)
    assert pending_changes(db_session) == 0


def test_zero_seconds_commits_every_pass(app: Flask, db_session: Session, stocked: dict[str, Supplier]) -> None:
    knife = offer_by_sku(db_session, "KNIFE-20")
    queue_reindex(db_session, [knife.id])
    db_session.commit()
    assert update_index(db_session, get_index(app), 20_000, commit_seconds=0) == 1


# --- drift and outdated schemas -------------------------------------------------------------


def test_check_index_compares_product_and_category(
    app: Flask, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    index = get_index(app)
    knife, board = offer_by_sku(db_session, "KNIFE-20"), offer_by_sku(db_session, "BOARD-1")
    other_category = db_session.scalars(select(Category.id).where(Category.id != board.category_id)).first()
    # Changes that bypassed the queue: the knife regrouped, the board recategorised.
    db_session.execute(update(Offer).where(Offer.id == knife.id).values(product_id=board.product_id))
    db_session.execute(update(Offer).where(Offer.id == board.id).values(category_id=other_category))
    assert check_index(db_session, index).stale == sorted([knife.id, board.id])


def test_the_worker_rebuilds_an_index_built_with_an_older_analyzer(
    app: Flask, db_session: Session, stocked: dict[str, Supplier], caplog: pytest.LogCaptureFixture
) -> None:
    index = get_index(app)
    old_schema = build_schema()
    for name in ("text", "title", "brand"):
        items = [
            ScriptStemFilter(version=1) if isinstance(i, ScriptStemFilter) else i
            for i in old_schema[name].analyzer.items
        ]
        old_schema[name].analyzer = old_schema[name].analyzer.__class__(*items)
    generation = index.root / "gen-99"
    generation.mkdir()
    whoosh_index.create_in(str(generation), old_schema)
    (index.root / "CURRENT").write_text("gen-99\n")
    assert index.is_outdated()

    with caplog.at_level(logging.ERROR, logger="marketplace.worker"):
        assert work_once(app).indexed == db_session.scalar(select(func.count()).select_from(Offer))
    assert "older schema" in caplog.text
    assert not index.is_outdated()
    assert check_index(db_session, index).clean


# --- the database decides what the index shows ---------------------------------------------


def test_a_rolled_back_change_leaves_the_index_untouched(
    app: Flask, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    index = get_index(app)
    knife = offer_by_sku(db_session, "KNIFE-20")
    before = index.indexed_offers()
    knife.price_base = Decimal("1.00")
    queue_reindex(db_session, [knife.id])
    db_session.flush()
    db_session.rollback()
    assert sync_index(db_session, index) == 0
    assert index.indexed_offers() == before
    assert check_index(db_session, index).clean


# --- concurrent writers on a committed database ---------------------------------------------


def reprice(app: Flask, offer_id: int, price: str) -> None:
    """Change one offer's price and queue it, in a transaction of its own, committed."""
    with app.app_context():
        session = database(app).session()
        try:
            offer = session.get(Offer, offer_id)
            assert offer is not None
            offer.price = offer.price_base = Decimal(price)
            queue_reindex(session, [offer.id])
            session.commit()
        finally:
            session.close()


@pytest.fixture
def worker_and_cli(apps: tuple[Flask, Flask]) -> Iterator[tuple[Flask, Flask, int]]:
    """Return (worker app, CLI app, an offer id) on one committed database and index."""
    worker, cli = apps
    import_round(worker, 0, 5)
    with worker.app_context():
        session = database(worker).session()
        offer_id = session.scalars(select(Offer.id).order_by(Offer.id)).first()
        session.close()
    assert offer_id is not None
    yield worker, cli, offer_id


def test_a_sync_racing_a_rebuild_never_writes_stale_documents(
    worker_and_cli: tuple[Flask, Flask, int],
) -> None:
    worker, cli, offer_id = worker_and_cli
    reprice(worker, offer_id, "111.00")  # change 1: the worker's sync will read it
    cli_index = get_index(cli)
    errors: list[BaseException] = []

    def worker_sync() -> None:
        with worker.app_context():
            session = database(worker).session()
            try:
                sync_index(session, get_index(worker))
            except BaseException as exc:  # reported to the test thread
                errors.append(exc)
            finally:
                session.close()

    with cli.app_context():
        session = database(cli).session()
        try:
            with cli_index.write_lock():  # the CLI's rebuild is under way
                racing = threading.Thread(target=worker_sync)
                racing.start()
                time.sleep(0.5)  # the worker's sync now waits for the lock
                reprice(worker, offer_id, "222.00")  # change 2, committed before the rebuild reads
                rebuild_index(session, cli_index)
            racing.join(timeout=60)
            assert not errors, errors
            assert indexed_price(cli, offer_id) == to_minor(Decimal("222.00"))
            assert check_index(session, cli_index).clean
        finally:
            session.close()


def test_a_change_committed_during_a_rebuild_with_a_lower_id_stays_queued(
    worker_and_cli: tuple[Flask, Flask, int], tmp_path: Path
) -> None:
    """On PostgreSQL a transaction can hold a lower id and commit after a higher one was read."""
    worker, cli, _ = worker_and_cli
    import_round(worker, 1, 1000)  # the rebuild reports progress every 1,000 offers
    with worker.app_context():
        session = database(worker).session()
        late = session.scalars(select(Offer.id).order_by(Offer.id.desc())).first()
        queue_reindex(session, [late])
        queue_reindex(session, [late])
        session.flush()
        gap = session.scalars(select(IndexChange.id).order_by(IndexChange.id)).first()
        session.execute(IndexChange.__table__.delete().where(IndexChange.id == gap))  # the id "in flight"
        session.commit()
        session.close()
    assert late is not None and gap is not None

    def commit_the_late_change(_count: int) -> None:
        with worker.app_context():
            other = database(worker).session()
            other.execute(IndexChange.__table__.insert().values(id=gap, offer_id=late))
            other.commit()
            other.close()

    with cli.app_context():
        session = database(cli).session()
        try:
            rebuild_index(session, get_index(cli), progress=commit_the_late_change)
            assert session.scalars(select(IndexChange.id)).all() == [gap]
        finally:
            session.close()
