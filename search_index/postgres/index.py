"""The offer index in PostgreSQL, behind the same interface as the Whoosh engine.

Writes go to ``engine`` (the primary); searches, suggestions and reads go to ``read_engine``
(a streaming replica) when one is given. Every read runs in one REPEATABLE READ, read-only
transaction, so a search's totals, facets and page come from one snapshot and never show half
of an ``apply``.

``apply`` can write inside the caller's open transaction (``connection=``): the app calls it
while committing the catalog, so the catalog and the index commit together or not at all.
It takes the index's advisory lock shared, so applies run side by side; ``rebuild`` and
``write_lock()`` take it exclusive, so a rebuild never interleaves with an apply.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from search_index.documents import OfferDocument
from search_index.index import IndexLockedError, IndexOutdatedError
from search_index.parsing import parse_text
from search_index.postgres import spelling
from search_index.postgres.ahead import MadeRows, batched, made_batches
from search_index.postgres.searching import Matching, run_search
from search_index.postgres.tables import (
    DATA_VERSION,
    OFFER_COLUMNS,
    SCHEMA_VERSION,
    create_statements,
    offers_indexes,
    quoted_schema,
)
from search_index.postgres.textquery import text_queries
from search_index.postgres.writing import bump_data_version, insert_rows, insert_terms, write_offers
from search_index.query import IndexedOffer, SearchQuery, SearchResults, Suggestions, normalized

__all__ = ["PostgresSearchIndex"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How long apply() and rebuild() wait for another writer before giving up.
DEFAULT_LOCK_TIMEOUT = 30.0
#: Memory a rebuild's index builds may use (PostgreSQL's default, 64 MB, makes the GIN build merge runs).
BUILD_MEMORY = "256MB"
#: Browse answers (no words) kept per instance; see ``_browse``.
BROWSE_CACHE_SIZE = 256
#: Memory each sort or hash of a search may use (PostgreSQL's default, 4 MB, spills a browse to disk).
READ_WORK_MEM = "32MB"
#: The first key of the index's advisory lock ("TR"); the second is the schema's checksum.
_LOCK_CLASS = 0x5452
#: SQLSTATEs of a missing table or schema (no index yet) and of a lock wait that timed out.
_MISSING = frozenset(("42P01", "3F000"))
_LOCK_TIMEOUT = "55P03"


def _sqlstate(exc: DBAPIError) -> str | None:
    state = getattr(exc.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


class PostgresSearchIndex:
    """Keep the offer index in one PostgreSQL schema; see the module docstring."""

    #: Which engine this is (``search_index.engine.SearchEngine``).
    engine = "postgres"

    def __init__(
        self,
        engine: Engine,
        *,
        schema: str = "search",
        read_engine: Engine | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self._engine = engine
        self._read_engine = read_engine or engine
        self.schema = schema
        self._s = quoted_schema(schema)
        self.lock_timeout = lock_timeout
        self._lock_key = zlib.crc32(schema.encode()) - 2**31
        self._writing = threading.local()
        self._ensured = False
        self._cache_lock = threading.Lock()
        self._browse_cache: OrderedDict[tuple[str, SearchQuery], SearchResults] = OrderedDict()

    def __repr__(self) -> str:
        return f"<PostgresSearchIndex {self.schema} on {self._engine.url.render_as_string()}>"

    def __enter__(self) -> PostgresSearchIndex:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- locking ---------------------------------------------------------------------

    def _lock(self, conn: Connection, function: str) -> None:
        """Take the index's advisory lock with ``function``, waiting at most ``lock_timeout``."""
        self._waiting(
            conn,
            lambda: conn.execute(text(f"SELECT {function}(:cls, :key)"), {"cls": _LOCK_CLASS, "key": self._lock_key}),
        )

    def _waiting(self, conn: Connection, take: Callable[[], object]) -> None:
        """Run ``take``, which waits for a lock, waiting at most ``lock_timeout``; else raise IndexLockedError."""
        # Local to the transaction, and put back after: the caller's transaction keeps its own.
        previous = conn.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
        conn.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{int(self.lock_timeout * 1000)}ms"})
        try:
            take()
        except DBAPIError as exc:
            if _sqlstate(exc) == _LOCK_TIMEOUT:
                raise IndexLockedError(
                    f"search index {self.schema} is locked by another writer for over {self.lock_timeout}s"
                ) from exc
            raise
        conn.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": previous})

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the index's advisory lock exclusively across several steps; re-entrant per thread.

        ``apply`` and ``rebuild`` called inside reuse the lock's connection. Raises
        :class:`IndexLockedError` after ``lock_timeout`` seconds.
        """
        depth = getattr(self._writing, "depth", 0)
        if depth:
            self._writing.depth = depth + 1
            try:
                yield
            finally:
                self._writing.depth = depth
            return
        conn = self._engine.connect()
        try:
            self._lock(conn, "pg_advisory_lock")
            conn.commit()
            self._writing.conn, self._writing.depth = conn, 1
            try:
                yield
            finally:
                self._writing.conn, self._writing.depth = None, 0
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:cls, :key)"), {"cls": _LOCK_CLASS, "key": self._lock_key})
                conn.commit()
        finally:
            conn.close()

    @contextmanager
    def _writing_connection(self) -> Iterator[Connection]:
        """Yield a connection in a transaction of its own that commits at the end: the lock's, if held."""
        held: Connection | None = getattr(self._writing, "conn", None)
        if held is not None:
            with held.begin():
                yield held
            return
        with self._engine.begin() as conn:
            yield conn

    # -- creating --------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the schema, tables, indexes and the pg_trgm extension where missing (idempotent)."""
        with self._engine.connect() as conn:
            exists = conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{self._s}.meta"}).scalar()
            conn.rollback()
            if exists is None:
                with conn.begin():
                    # Two processes creating the same tables at once would collide in the catalog.
                    conn.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": _LOCK_CLASS, "key": 0})
                    # Looked again once let in: whoever held the lock may have made them, and may
                    # be writing them now. Made again, CREATE INDEX IF NOT EXISTS would wait for
                    # that writer's rows while it waited for this share lock on its table.
                    # From pg_class itself: to_regclass answers from this session's catalog
                    # cache, which an advisory lock's wait does not refresh.
                    made = conn.execute(
                        text("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = :s AND tablename = 'meta'"),
                        {"s": self.schema},
                    ).scalar_one()
                    if not made:
                        for statement in create_statements(self.schema):
                            conn.execute(text(statement))
                        logger.info("search index %s: created its tables", self.schema)
        self._ensured = True

    # -- writing ---------------------------------------------------------------------

    def apply(
        self, upserts: Iterable[OfferDocument], removals: Iterable[int] = (), *, connection: Connection | None = None
    ) -> int:
        """Write ``upserts`` and delete ``removals`` in one transaction.

        With ``connection``, inside the caller's open transaction, which the caller commits
        (or rolls back, and the index with it); never committed here. Without, in a
        transaction of its own. An offer id both upserted and removed ends up removed; invalid
        documents are skipped and logged. Returns documents written plus indexed documents removed.
        """
        return self.apply_batches([(list(upserts), list(removals))], connection=connection)

    def apply_batches(
        self,
        batches: Iterable[tuple[Sequence[OfferDocument], Iterable[int]]],
        *,
        connection: Connection | None = None,
    ) -> int:
        """Apply each ``(upserts, removals)`` batch as :meth:`apply` does, in order, all in one transaction.

        ``batches`` is read lazily, so a caller can read each batch as it goes and never hold
        them all. From two batches on, the rows of the next batch are made in a helper
        process while this one is written (``search_index.postgres.ahead``).
        """
        total = 0
        with ExitStack() as stack:
            conn = connection
            began = False
            for made, removals in stack.enter_context(closing(made_batches(batches))):
                by_id, removed_ids, terms = self._checked(made, removals)
                if not by_id and not removed_ids:
                    continue
                if not began:
                    if not self._ensured:
                        self.ensure()
                    if conn is None:
                        conn = stack.enter_context(self._writing_connection())
                    self._begin_writing(conn)
                    began = True
                assert conn is not None
                removed = write_offers(conn, self._s, by_id, removed_ids)
                insert_terms(conn, self._s, terms)
                logger.info("search index %s: wrote %d and removed %d documents", self.schema, len(by_id), removed)
                total += len(by_id) + removed
        return total

    def _checked(self, made: MadeRows, removals: Iterable[int]) -> tuple[dict[int, dict[str, Any]], set[int], set[str]]:
        """Return one batch's rows by offer id (the last version wins), its removals, and its words."""
        self._log_invalid(made)
        by_id: dict[int, dict[str, Any]] = {}
        terms: set[str] = set()
        for row, words in made.rows:
            by_id[int(row["offer_id"])] = row
            terms |= words
        removed_ids: set[int] = set()
        for offer_id in removals:
            if isinstance(offer_id, bool) or not isinstance(offer_id, int):
                raise TypeError(f"offer ids to remove must be int, not {offer_id!r}")
            removed_ids.add(offer_id)
            by_id.pop(offer_id, None)
        return by_id, removed_ids, terms

    def _log_invalid(self, made: MadeRows) -> None:
        """Log each document of a batch that was left out, and why (a write skips them, never fails on them)."""
        for reason in made.invalid:
            logger.warning("search index %s: skipped invalid document: %s", self.schema, reason)

    def _begin_writing(self, conn: Connection) -> None:
        """Take the index's lock in ``conn``'s transaction, check its version and give its rows a new one."""
        # Shared: applies run side by side, a rebuild (exclusive) waits for them and they for it.
        # A thread inside write_lock() holds it exclusively already (and would wait for itself
        # on the caller's connection, another session).
        if not getattr(self._writing, "depth", 0):
            self._lock(conn, "pg_advisory_xact_lock_shared")
        version = conn.execute(text(f"SELECT value FROM {self._s}.meta WHERE name = 'schema_version'")).scalar()
        if version != SCHEMA_VERSION:
            raise IndexOutdatedError(
                f"search index {self.schema} was written by schema version {version}, not {SCHEMA_VERSION}; rebuild it"
            )
        # First, and waiting no longer than for the lock: it orders concurrent writers (see there).
        self._waiting(conn, lambda: bump_data_version(conn, self._s))

    def tables(self) -> list[str]:
        """Return the qualified names of the tables searches read (whose planner statistics matter)."""
        return [f"{self._s}.offers", f"{self._s}.terms"]

    def index(self, docs: Iterable[OfferDocument]) -> int:
        """Add or replace ``docs``; see :meth:`apply`."""
        return self.apply(docs)

    def remove(self, offer_ids: Iterable[int]) -> int:
        """Remove the offers with ``offer_ids``; returns how many were in the index."""
        return self.apply((), offer_ids)

    def rebuild(self, docs: Iterable[OfferDocument]) -> int:
        """Fill a new table with ``docs`` and swap it in for the old one in one short transaction.

        Readers see the old complete index until the swap commits, then the new one. If the
        build fails, the current table stays and the new one is dropped.
        """
        with self.write_lock():
            self.ensure()
            conn: Connection = self._writing.conn
            s = self._s
            build = "offers_build"
            seen: set[int] = set()
            terms: set[str] = set()

            def rows() -> Iterator[dict[str, Any]]:
                for made, _ in made_batches(batched(docs)):
                    self._log_invalid(made)
                    for row, words in made.rows:
                        if row["offer_id"] in seen:
                            logger.warning("search index %s: skipped duplicate offer %d", self.schema, row["offer_id"])
                            continue
                        seen.add(row["offer_id"])
                        terms.update(words)
                        yield row

            try:
                with conn.begin():
                    conn.execute(text(f"DROP TABLE IF EXISTS {s}.{build}"))
                    # From the code's columns, not the old table's: a rebuild is what brings in new ones.
                    conn.execute(text(f"CREATE TABLE {s}.{build} ({OFFER_COLUMNS})"))
                    written = insert_rows(conn, s, build, rows())
                    # The indexes are built once the rows are in, each in one sorted pass, with room.
                    conn.execute(text("SELECT set_config('maintenance_work_mem', :mem, true)"), {"mem": BUILD_MEMORY})
                    conn.execute(text(f"ALTER TABLE {s}.{build} ADD CONSTRAINT {build}_pkey PRIMARY KEY (offer_id)"))
                    for statement in offers_indexes(self.schema, build, build):
                        conn.execute(text(statement))
                    insert_terms(conn, s, terms)
            except BaseException:
                with conn.begin():
                    conn.execute(text(f"DROP TABLE IF EXISTS {s}.{build}"))
                raise
            with conn.begin():
                conn.execute(text(f"DROP TABLE {s}.offers"))
                conn.execute(text(f"ALTER TABLE {s}.{build} RENAME TO offers"))
                conn.execute(text(f"ALTER INDEX {s}.{build}_pkey RENAME TO offers_pkey"))
                for statement in offers_indexes(self.schema, build, build):
                    name = statement.split()[5]
                    conn.execute(text(f"ALTER INDEX {s}.{name} RENAME TO {name.replace(build, 'offers', 1)}"))
                conn.execute(
                    text(f"UPDATE {s}.meta SET value = :version WHERE name = 'schema_version'"),
                    {"version": SCHEMA_VERSION},
                )
                bump_data_version(conn, s)
            conn.execute(text(f"ANALYZE {s}.offers"))
            conn.commit()
        logger.info("search index %s: rebuilt with %d documents", self.schema, written)
        return written

    # -- reading ---------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Connection | None]:
        """Yield a connection in one read-only snapshot, or None when there is no index yet."""
        with self._read_engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                # A search sorts and hashes its matched rows a few times: in memory, not in temp files.
                exists = conn.execute(
                    text("SELECT to_regclass(:t), set_config('work_mem', :mem, true)"),
                    {"t": f"{self._s}.offers", "mem": READ_WORK_MEM},
                ).first()
                yield conn if exists is not None and exists[0] is not None else None

    def search(self, query: SearchQuery) -> SearchResults:
        """Run ``query`` and return one page of results with exact totals and facets.

        Every word must match; when no offer has them all, a misspelt word is corrected
        (``corrected``) or any word may match (``relaxed``), as in the Whoosh engine.
        """
        q = normalized(query)
        empty = SearchResults(hits=(), total=0, page=q.page, per_page=q.per_page)
        low, high = q.min_price_minor, q.max_price_minor
        if low is not None and high is not None and low > high:
            return empty
        with self._reading() as conn:
            if conn is None:
                return empty
            return self._search(conn, q)

    def _search(self, conn: Connection, q: SearchQuery) -> SearchResults:
        parsed = parse_text(q.text)
        queries = text_queries(parsed)
        if queries is None:
            return self._browse(conn, q)
        terms = frozenset(t for clause in parsed.clauses for t in clause.terms)
        strict = Matching(queries.strict, queries.clauses, terms=terms)
        found = run_search(conn, self._s, q, strict)
        if found.offer_total:
            return found
        suggestion, crossing = spelling.spelling_suggestion(conn, self._s, parsed)
        if suggestion is not None and not crossing:
            corrected = self._corrected(conn, q, suggestion)
            if corrected is not None:
                return corrected
        if queries.relaxed:
            relaxed = run_search(conn, self._s, q, Matching(queries.relaxed, queries.clauses, True, terms))
            if relaxed.offer_total:
                return replace(relaxed, suggestion=suggestion)
        if suggestion is not None and crossing:
            # A word of another language only when the buyer's own words find nothing at all.
            corrected = self._corrected(conn, q, suggestion)
            if corrected is not None:
                return corrected
        return replace(found, suggestion=suggestion)

    def _browse(self, conn: Connection, q: SearchQuery) -> SearchResults:
        """Answer a query without words, from the cache when the database has not changed since.

        A browse counts the whole catalog (or a filtered part), and the same category pages
        are asked for again and again, so answers are kept per version of the index's rows:
        every write of them gives ``meta``'s data version a new value in its own transaction
        (``writing.bump_data_version``), so two snapshots that read the same value see the same
        rows, and an answer cached under it is exact. Writes elsewhere in the database (a page
        view's event, an order) leave it alone, so the cache keeps answering while the site is
        busy, unlike a key on the server's snapshot, which every transaction moves.
        """
        version = conn.execute(text(f"SELECT value FROM {self._s}.meta WHERE name = '{DATA_VERSION}'")).scalar()
        if version is None:  # made before the version existed, and not written since
            return run_search(conn, self._s, q, Matching())
        key = (str(version), q)
        with self._cache_lock:
            cached = self._browse_cache.get(key)
            if cached is not None:
                self._browse_cache.move_to_end(key)
                return cached
        results = run_search(conn, self._s, q, Matching())
        with self._cache_lock:
            self._browse_cache[key] = results
            while len(self._browse_cache) > BROWSE_CACHE_SIZE:
                self._browse_cache.popitem(last=False)
        return results

    def _corrected(self, conn: Connection, q: SearchQuery, suggestion: str) -> SearchResults | None:
        """Return the results of the corrected text, or None when it finds nothing either."""
        parsed = parse_text(suggestion)
        queries = text_queries(parsed)
        if queries is None:
            return None
        terms = frozenset(t for clause in parsed.clauses for t in clause.terms)
        found = run_search(conn, self._s, q, Matching(queries.strict, queries.clauses, terms=terms))
        if not found.offer_total:
            return None
        return replace(found, suggestion=suggestion, corrected=True)

    def suggest(self, text: str, limit: int = 5) -> Suggestions:
        """Return autocomplete suggestions for ``text``, the last word being a prefix."""
        limit = min(max(1, limit), 20)
        with self._reading() as conn:
            return Suggestions() if conn is None else spelling.suggest(conn, self._s, text, limit)

    def indexed_offers(self) -> dict[int, IndexedOffer]:
        """Return what the index holds for each offer, for drift checks against the database."""
        with self._reading() as conn:
            if conn is None:
                return {}
            rows = conn.execute(
                text(
                    "SELECT offer_id, price_minor, in_stock, updated_at, product_id, category_ids"
                    f" FROM {self._s}.offers"
                )
            )
            return {
                int(offer_id): IndexedOffer(
                    price_minor=int(price),
                    in_stock=bool(in_stock),
                    updated_at=int(updated),
                    product_id=int(product_id),
                    category_ids=tuple(int(c) for c in categories),
                )
                for offer_id, price, in_stock, updated, product_id, categories in rows
            }

    def offer_ids(self) -> set[int]:
        """Return the ids of all indexed offers."""
        with self._reading() as conn:
            if conn is None:
                return set()
            return {int(i) for i in conn.execute(text(f"SELECT offer_id FROM {self._s}.offers")).scalars()}

    def doc_count(self) -> int:
        """Return the number of indexed offers."""
        with self._reading() as conn:
            if conn is None:
                return 0
            return int(conn.execute(text(f"SELECT count(*) FROM {self._s}.offers")).scalar_one())

    def is_outdated(self) -> bool:
        """Return True when the tables were written by another schema version than the code's."""
        with self._engine.connect() as conn:
            if conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{self._s}.meta"}).scalar() is None:
                return False
            version = conn.execute(text(f"SELECT value FROM {self._s}.meta WHERE name = 'schema_version'")).scalar()
            return version != SCHEMA_VERSION

    def close(self) -> None:
        """Forget the cached browse answers; the engines are the caller's, and every call returns its connection."""
        with self._cache_lock:
            self._browse_cache.clear()
