"""The PostgreSQL search engine is written in the catalog's own transactions: no outbox, no worker, no drift.

Each test's app has a PostgreSQL database of its own that really commits
(tests/support/pg_search_apps.py), so what another connection sees is what committed.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, OfferStatus
from marketplace.changes.models import IndexChange
from marketplace.changes.outbox import queue_reindex
from marketplace.db import database
from marketplace.imports.run import import_feed
from marketplace.search import indexer
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import update_index
from marketplace.suppliers.models import Supplier
from search_index import SearchQuery
from tests.support import factories
from tests.support.committed_apps import boiler_feed
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.parametrize("search_backend", ["postgres"], indirect=True)


def _import(app: Flask, session: Session, supplier: Supplier, name: str = "kitchen.yml") -> None:
    run = import_feed(
        session, supplier, (FIXTURES / "feeds" / name).read_bytes(), filename=name,
        base_currency="UAH", rates=app.config["CURRENCY_RATES"],
    )  # fmt: skip
    assert run.status == "succeeded", run.error


def found(app: Flask, text: str) -> int:
    return get_index(app).search(SearchQuery(text=text, by_product=False, per_page=50)).total


def test_an_import_is_searchable_right_after_its_commit_with_no_worker_step(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    db_session.commit()
    _import(app, db_session, supplier)
    # Another connection sees nothing of the open transaction, catalog or index.
    assert found(app, "hartwell") == 0
    db_session.commit()
    active = db_session.scalar(select(func.count()).select_from(Offer).where(Offer.supplier_id == supplier.id))
    assert found(app, "hartwell") > 0
    assert get_index(app).doc_count() == active
    assert db_session.scalar(select(func.count()).select_from(IndexChange)) == 0
    # The worker's index step has nothing to do on this engine.
    assert update_index(db_session, get_index(app), rebuild_threshold=1) == 0
    data = app.test_client().get("/api/v1/search?q=hartwell&view=offers").get_json()
    assert data["total"] == found(app, "hartwell")


def test_a_rolled_back_import_leaves_the_index_untouched(app: Flask, db_session: Session, supplier: Supplier) -> None:
    db_session.commit()
    before = get_index(app).indexed_offers()
    _import(app, db_session, supplier)
    db_session.flush()
    db_session.rollback()
    assert get_index(app).indexed_offers() == before == {}
    assert found(app, "hartwell") == 0
    # The session's next commit writes nothing the rolled-back import had noted.
    factories.supplier(db_session, "office-point")
    db_session.commit()
    assert get_index(app).doc_count() == 0


def test_a_withdrawn_offer_leaves_the_index_with_its_commit(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    _import(app, db_session, supplier)
    db_session.commit()
    pan = db_session.scalars(select(Offer).where(Offer.supplier_sku == "PAN-28")).one()
    assert pan.id in get_index(app).offer_ids()
    pan.status = OfferStatus.WITHDRAWN
    queue_reindex(db_session, [pan.id])
    db_session.commit()
    assert pan.id not in get_index(app).offer_ids()


def test_a_large_transaction_is_written_in_batches(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexer, "SYNC_BATCH", 7)  # 60 offers: nine batches of one commit
    teplo = factories.supplier(db_session, "teplo")
    run = import_feed(
        db_session, teplo, boiler_feed(0, 60), filename="teplo.yml", base_currency="UAH", rates={"UAH": Decimal(1)}
    )
    assert run.status == "succeeded", run.error
    db_session.commit()
    assert get_index(app).doc_count() == 60
    assert found(app, "котел navien") == 30


def test_index_check_compares_finds_nothing_and_names_the_engine(
    app: Flask, runner: FlaskCliRunner, db_session: Session, supplier: Supplier
) -> None:
    _import(app, db_session, supplier)
    db_session.commit()
    clean = runner.invoke(args=["index", "check"])
    assert clean.exit_code == 0, clean.output
    assert "Search engine: postgres" in clean.output and "The index matches the database." in clean.output
    report = json.loads(runner.invoke(args=["index", "check", "--json"]).output)
    assert report["engine"] == "postgres" and report["indexed"] == report["active"] > 0
    assert (report["missing"], report["stale"], report["extra"], report["pending"]) == ([], [], [], 0)

    # Only a change that bypasses the services (a manual UPDATE) can make it drift; check still sees it.
    offer = db_session.scalars(select(Offer).where(Offer.supplier_sku == "PAN-28")).one()
    db_session.execute(update(Offer).where(Offer.id == offer.id).values(price_base=offer.price_base + 1))
    db_session.commit()
    drift = runner.invoke(args=["index", "check"])
    assert drift.exit_code == 1 and "Stale: 1" in drift.output
    fixed = runner.invoke(args=["index", "check", "--fix"])
    assert fixed.exit_code == 0 and "Re-indexed 1 offers." in fixed.output
    assert db_session.scalar(select(func.count()).select_from(IndexChange)) == 0
    assert runner.invoke(args=["index", "check"]).exit_code == 0


def test_index_rebuild_works_on_postgres(
    app: Flask, runner: FlaskCliRunner, db_session: Session, supplier: Supplier
) -> None:
    _import(app, db_session, supplier)
    db_session.commit()
    count = get_index(app).doc_count()
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"Index rebuilt: {count} offers" in result.output
    assert runner.invoke(args=["index", "check"]).exit_code == 0


def test_a_commit_during_a_rebuild_queues_for_the_worker_instead_of_waiting_for_it(
    app: Flask, runner: FlaskCliRunner, db_session: Session, supplier: Supplier
) -> None:
    index = get_index(app)
    held, done = threading.Event(), threading.Event()

    def rebuild() -> None:  # what a rebuild holds for minutes: the index's write lock
        with index.write_lock():
            held.set()
            done.wait(60)

    rebuilding = threading.Thread(target=rebuild)
    rebuilding.start()
    try:
        assert held.wait(30)
        _import(app, db_session, supplier)
        db_session.commit()
        queued = db_session.scalar(select(func.count()).select_from(IndexChange))
        assert queued and found(app, "hartwell") == 0
    finally:
        done.set()
        rebuilding.join(timeout=60)
    # The worker's pass applies what was queued, once the lock is free; then nothing drifts.
    assert update_index(db_session, index, rebuild_threshold=10**6) == queued
    assert found(app, "hartwell") > 0
    assert db_session.scalar(select(func.count()).select_from(IndexChange)) == 0
    assert runner.invoke(args=["index", "check"]).exit_code == 0


def test_searches_during_an_import_never_fail(app: Flask, db_session: Session) -> None:
    """One thread imports price lists of growing size; another searches the whole time."""
    stop = threading.Event()
    failures: list[str] = []
    totals: list[int] = []
    sizes = [40 + 20 * round_ for round_ in range(5)]

    def search() -> None:
        client = app.test_client()
        while not stop.is_set():
            try:
                response = client.get("/api/v1/search?q=котел&view=offers&sort=price_asc")
                if response.status_code != 200:
                    failures.append(f"{response.status_code}: {response.get_data(as_text=True)[:200]}")
                    continue
                totals.append(response.get_json()["total"])
                assert get_index(app).suggest("кот").queries is not None
            except Exception as exc:  # any failure is the finding
                failures.append(repr(exc))

    searcher = threading.Thread(target=search)
    searcher.start()
    try:
        teplo = factories.supplier(db_session, "teplo")
        db_session.commit()
        with app.app_context():
            for round_, size in enumerate(sizes):
                session = database(app).session()
                try:
                    supplier = session.get(Supplier, teplo.id)
                    assert supplier is not None
                    run = import_feed(
                        session, supplier, boiler_feed(round_, size), filename="teplo.yml",
                        base_currency="UAH", rates={"UAH": Decimal(1)},
                    )  # fmt: skip
                    assert run.status == "succeeded", run.error
                    session.commit()
                finally:
                    session.close()
    finally:
        stop.set()
        searcher.join(timeout=60)
    assert not failures, failures[:5]
    assert totals, "the searcher never got an answer"
    # Each search saw one committed catalog: the size of a round, never part of one.
    assert set(totals) <= {0, *sizes}, sorted(set(totals))
    assert found(app, "котел") == sizes[-1]
