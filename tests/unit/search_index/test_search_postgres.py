"""What only the PostgreSQL engine promises: the caller's transaction, snapshots, the replica, versions."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from search_index import IndexLockedError, IndexOutdatedError, OfferDocument, PostgresSearchIndex, SearchQuery
from search_index.postgres.tables import create_statements
from tests.support.search import CATALOG, found, make_offer
from tests.support.search_engines import IndexMaker

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def pg(engine_name: str, make_index: IndexMaker) -> PostgresSearchIndex:
    """Return an ensured PostgreSQL index (these tests have no Whoosh run)."""
    if engine_name != "postgres":
        pytest.skip("about the PostgreSQL engine")
    index: PostgresSearchIndex = make_index()
    index.ensure()
    return index


def _engine_of(index: PostgresSearchIndex) -> Engine:
    return index._engine


def test_ensure_creates_the_tables_once_and_an_empty_index(pg: PostgresSearchIndex) -> None:
    pg.ensure()
    with _engine_of(pg).connect() as conn:
        tables = set(
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": pg.schema}).scalars()
        )
    assert tables == {"meta", "offers", "terms"}
    assert pg.doc_count() == 0 and not pg.is_outdated()
    assert pg.engine == "postgres"


def test_apply_in_the_callers_transaction_commits_and_rolls_back_with_it(pg: PostgresSearchIndex) -> None:
    pg.index(CATALOG)
    with _engine_of(pg).connect() as conn, conn.begin() as transaction:
        assert pg.apply([make_offer(100, "Котел новий")], [1], connection=conn) == 2
        # Inside the transaction the change is there; outside, not yet.
        assert conn.execute(text(f'SELECT count(*) FROM "{pg.schema}".offers')).scalar_one() == len(CATALOG)
        assert found(pg, "котел") == {1, 2, 9}
        transaction.rollback()
    assert found(pg, "котел") == {1, 2, 9}
    assert pg.offer_ids() == {offer.offer_id for offer in CATALOG}

    with _engine_of(pg).connect() as conn, conn.begin():
        pg.apply([make_offer(100, "Котел новий")], [1], connection=conn)
        assert found(pg, "котел") == {1, 2, 9}  # not committed: readers see the old index
    assert found(pg, "котел") == {2, 9, 100}


def test_apply_in_the_callers_transaction_inside_write_lock(pg: PostgresSearchIndex, make_index: IndexMaker) -> None:
    other = make_index(lock_timeout=0.2)
    with pg.write_lock():
        # Another instance waits for the lock; this thread holds it and writes at once.
        with pytest.raises(IndexLockedError):
            other.index([make_offer(1, "kettle")])
        with _engine_of(pg).connect() as conn, conn.begin():
            assert pg.apply([make_offer(2, "kettle")], connection=conn) == 1
    assert found(pg, "kettle") == {2}
    assert other.index([make_offer(1, "kettle")]) == 1


def test_writers_commit_one_after_another_and_wait_no_longer_than_the_lock_timeout(
    pg: PostgresSearchIndex, make_index: IndexMaker
) -> None:
    other = make_index(lock_timeout=0.2)
    with _engine_of(pg).connect() as conn, conn.begin():
        pg.apply([make_offer(1, "kettle")], connection=conn)  # holds the index until it commits
        with pytest.raises(IndexLockedError):
            other.index([make_offer(2, "teapot")])  # another offer, but the same index
    assert other.index([make_offer(2, "teapot")]) == 1
    assert found(pg, "kettle") == {1} and found(pg, "teapot") == {2}


def test_a_reader_never_sees_half_an_apply(pg: PostgresSearchIndex, make_index: IndexMaker) -> None:
    size = 60

    def generation(number: int) -> list[OfferDocument]:
        first = number * size + 1
        return [make_offer(n, f"kettle {n}", supplier=f"s{number}") for n in range(first, first + size)]

    pg.index(generation(0))
    reader = make_index()
    stop = threading.Event()
    seen: list[tuple[int, dict[str, int]]] = []

    def read() -> None:
        while not stop.is_set():
            for by_product in (False, True):
                results = reader.search(SearchQuery(text="kettle", by_product=by_product, per_page=5))
                seen.append((results.total, dict(results.facets["supplier"])))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for number in range(1, 16):
            # One apply replaces every offer by new ones of another supplier.
            pg.apply(generation(number), removals=[doc.offer_id for doc in generation(number - 1)])
            time.sleep(0.005)
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 1
    for total, suppliers in seen:
        assert total == size and list(suppliers.values()) == [size], (total, suppliers)


def test_searches_go_to_the_read_engine_and_writes_to_the_primary(pg: PostgresSearchIndex) -> None:
    primary = _engine_of(pg)
    replica = create_engine(primary.url)
    statements: dict[str, list[str]] = {"primary": [], "replica": []}
    listeners = {}
    for name, engine in (("primary", primary), ("replica", replica)):

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any, name: str = name) -> None:
            statements[name].append(statement)

        listeners[name] = record
        event.listen(engine, "before_cursor_execute", record)
    try:
        index = PostgresSearchIndex(primary, schema=pg.schema, read_engine=replica)
        index.index(CATALOG)
        assert any("INSERT INTO" in s for s in statements["primary"])
        statements["primary"].clear()
        assert found(index, "котел") == {1, 2, 9}
        assert index.search(SearchQuery(text="котлл")).total >= 0
        assert index.suggest("кот").queries
        assert index.doc_count() == len(CATALOG) and len(index.indexed_offers()) == len(CATALOG)
        assert statements["replica"] and not statements["primary"]
        assert not any("INSERT" in s or "DELETE" in s for s in statements["replica"])
    finally:
        event.remove(primary, "before_cursor_execute", listeners["primary"])
        replica.dispose()


def test_a_cached_browse_is_never_stale(pg: PostgresSearchIndex, make_index: IndexMaker) -> None:
    reader, writer = make_index(), make_index()
    writer.index(CATALOG)
    browse = SearchQuery(category_id=2, by_product=True)
    first = reader.search(browse)
    assert reader.search(browse) is first  # the database has not changed: the cached answer
    writer.apply([make_offer(100, "Чайник", category_ids=(2, 21))], [5])
    changed = reader.search(browse)
    assert changed.total == first.total and 100 in {hit.offer_id for hit in changed.hits}
    assert 5 not in {hit.offer_id for hit in changed.hits}
    with _engine_of(pg).connect() as conn, conn.begin() as transaction:
        writer.apply([make_offer(101, "Чайник", category_ids=(2, 21))], connection=conn)
        assert reader.search(browse).total == changed.total  # not committed
        transaction.rollback()
    assert reader.search(browse) == changed


def test_a_cached_browse_keeps_answering_while_the_rest_of_the_database_is_written(
    pg: PostgresSearchIndex, make_index: IndexMaker
) -> None:
    reader, writer = make_index(), make_index()
    writer.index(CATALOG)
    browse = SearchQuery(category_id=2, by_product=True)
    first = reader.search(browse)
    for _ in range(3):  # transactions that write, but not the index: a page view's event, say
        with _engine_of(pg).begin() as conn:
            conn.execute(text("SELECT pg_current_xact_id()"))
        assert reader.search(browse) is first
    writer.remove([5])
    assert 5 not in {hit.offer_id for hit in reader.search(browse).hits}


def test_an_index_of_another_schema_version_is_outdated_until_rebuilt(pg: PostgresSearchIndex) -> None:
    pg.index(CATALOG)
    with _engine_of(pg).begin() as conn:
        conn.execute(text(f"UPDATE \"{pg.schema}\".meta SET value = '0' WHERE name = 'schema_version'"))
    assert pg.is_outdated()
    with pytest.raises(IndexOutdatedError):
        pg.index([make_offer(100, "kettle")])
    assert pg.rebuild(CATALOG) == len(CATALOG)
    assert not pg.is_outdated()
    assert pg.index([make_offer(100, "kettle")]) == 1


def test_a_rebuild_leaves_one_table_with_its_indexes(pg: PostgresSearchIndex) -> None:
    pg.index(CATALOG)
    pg.rebuild(CATALOG[:3])
    pg.rebuild(CATALOG)
    with _engine_of(pg).connect() as conn:
        tables = set(
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": pg.schema}).scalars()
        )
        indexes = set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE schemaname = :s AND tablename = 'offers'"),
                {"s": pg.schema},
            ).scalars()
        )
    assert tables == {"meta", "offers", "terms"}
    assert {"offers_pkey", "offers_doc", "offers_category", "offers_params"} <= indexes
    assert not any("build" in name for name in indexes)
    assert found(pg, "котел") == {1, 2, 9}


def test_writers_of_the_same_offers_in_any_order_never_deadlock(
    pg: PostgresSearchIndex, make_index: IndexMaker
) -> None:
    docs = [make_offer(n, f"Котел {n} word{n % 7}", brand=f"b{n % 5}") for n in range(1, 201)]
    errors: list[BaseException] = []

    def write(order: list[OfferDocument]) -> None:
        index = make_index()
        try:
            for _round in range(3):
                for start in range(0, len(order), 50):
                    removals = [doc.offer_id for doc in order[start + 100 : start + 110]]
                    index.apply(order[start : start + 100], removals=removals)
        except BaseException as exc:  # reported below
            errors.append(exc)

    orders = (docs, docs[::-1], docs[50:] + docs[:50], docs[120:] + docs[:120])
    threads = [threading.Thread(target=write, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert pg.doc_count() > 0


def test_an_index_made_while_another_writes_it_never_waits_for_that_writer(
    engine_name: str, make_index: IndexMaker
) -> None:
    """Two fresh instances both find no tables; the second, let in after the first made them,
    must not make them again: CREATE INDEX IF NOT EXISTS still takes the offers table's share
    lock, and with a writer of the first holding its rows (and the version row the late maker
    also writes) the two waited for each other (CI: DeadlockDetected in two fresh writers)."""
    if engine_name != "postgres":
        pytest.skip("about the PostgreSQL engine")
    first, late = make_index(), make_index()
    engine = _engine_of(first)
    lock = {"cls": 0x5452, "key": 0}  # the key ensure() serializes makers of tables on
    with engine.connect() as maker, engine.connect() as writer:
        maker.begin()
        maker.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), lock)
        ensured = threading.Thread(target=late.ensure)
        ensured.start()
        # The late instance looked, found no tables and now waits for the makers' lock.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with engine.connect() as probe:
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                        " AND classid = :cls AND objid = :key AND objsubid = 2"
                    ),
                    lock,
                ).scalar_one()
            if waiting:
                break
            time.sleep(0.02)
        assert waiting
        with engine.begin() as other:  # another process made them meanwhile...
            for statement in create_statements(first.schema):
                other.execute(text(statement))
        writer.begin()
        first.apply([make_offer(1, "kettle")], connection=writer)  # ...and is writing
        maker.commit()
        ensured.join(timeout=5)
        done = not ensured.is_alive()
        writer.commit()
        ensured.join()
    assert done, "the late instance made the tables again and waited for the writer"
    assert found(late, "kettle") == {1}


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from sqlalchemy import create_engine
    from search_index import OfferDocument, PostgresSearchIndex

    index = PostgresSearchIndex(create_engine(sys.argv[1]), schema=sys.argv[2])
    for number in range(40):
        docs = [
            OfferDocument(number * 10 + n, 1, "s", f"Котел {number}", price_minor=n)
            for n in range(10)
        ]
        index.apply(docs, removals=[number * 10 - 1] if number else [])
        if number % 10 == 9:
            index.rebuild(docs)
    """
)


@pytest.mark.slow
def test_search_while_another_process_writes(pg: PostgresSearchIndex) -> None:
    url = _engine_of(pg).url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, url, pg.schema],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
    )
    searches = 0
    while child.poll() is None:
        for query in (SearchQuery(text="котел"), SearchQuery(suppliers=("s",), by_product=True, page=2, per_page=5)):
            results = pg.search(query)
            assert results.total >= len(results.hits)
            searches += 1
        time.sleep(0.002)
    _, stderr = child.communicate()
    assert child.returncode == 0, stderr
    assert searches > 0
    assert pg.offer_ids() == set(range(390, 400))
