"""The database: one declarative base, reusable column types, one session per request or command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from typing import Annotated, Any, ClassVar, TypeVar, cast

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    TypeDecorator,
    any_,
    create_engine,
    event,
    func,
    select,
    text,
    true,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute, Session, mapped_column, sessionmaker


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def rows_matched(result: Result[Any]) -> int:
    """Return how many rows an UPDATE or DELETE matched (its ``Result`` is a ``CursorResult``)."""
    return cast(CursorResult[Any], result).rowcount or 0


def by_keys(
    dialect: Dialect, query: Select[*tuple[Any, ...]], column: QueryableAttribute[Any], keys: Collection[Any]
) -> Select[*tuple[Any, ...]]:
    """Return ``query`` narrowed to rows whose ``column`` is one of ``keys``, for an import's batch lookups.

    On PostgreSQL a plain ``column IN (...)`` is planned from the table's statistics, and inside
    an import those are stale: the rows this transaction has written are not in them. Planned
    as if the table were small, a batch's 1,000 keys were looked up by reading every offer of
    the supplier, or every product, so each batch took longer than the last (4 s a batch at
    150,000 offers into a first import). There each key is looked up on its own, ``unnest(keys)
    CROSS JOIN LATERAL (query WHERE column = key LIMIT 1)``: the ``LIMIT`` keeps the planner from
    flattening the lateral query into a join, and makes one descent of the column's index the
    cheapest plan whatever the statistics say. So where several rows share a key, PostgreSQL
    returns one of them; SQLite, which plans ``IN`` from the index, returns them all.

    The selected columns keep their names; for ORM objects, pass ``select(Entity)`` and read the
    result through ``select(Entity).from_statement(...)``.
    """
    if dialect.name != "postgresql":
        return query.where(column.in_(keys))
    wanted = func.unnest(sql_cast(sorted(keys), ARRAY(column.type))).table_valued("key").render_derived("wanted")
    found = query.where(column == wanted.c.key).limit(1).lateral("found")
    return select(found).select_from(wanted).join(found, true())


def one_of(dialect: Dialect, column: QueryableAttribute[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """Return ``column IN (values)``; on PostgreSQL ``column = ANY(array)``, one parameter however many values.

    An ``IN`` list is a placeholder per value, and psycopg parses a statement's placeholders in
    Python each time it runs one too long for its cache: 5,000 offer ids cost 50 ms a batch
    where the index reads the offers it writes at commit, 200 times in a 1M-offer first import.
    """
    if dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(sql_cast(list(values), ARRAY(column.type)))


def new_ids(session: Session, table: Table, count: int) -> list[int]:
    """Return ``count`` fresh ids for rows of ``table`` that the caller is about to insert with them.

    With its ids known beforehand, a batch of rows is a plain ``executemany`` (the driver sends
    every row with one statement text) instead of ``INSERT .. RETURNING``. That, through
    SQLAlchemy's insertmanyvalues, is one ``VALUES`` list of 1,000 rows whose 8,000 placeholders
    psycopg parses in Python every time (a statement that long is never in its cache): 90 ms a
    batch of products, 9 s of a 100,000-offer first import. On PostgreSQL the ids come from the
    table's own sequence, like those ``DEFAULT`` would have given, in one statement. On SQLite
    they follow the current largest id: the caller holds the database's write lock there (or its
    first write fails rather than collides), so no other writer can take them.
    """
    if count <= 0:
        return []
    column = table.c.id
    if session.get_bind().dialect.name == "sqlite":
        last = session.execute(select(func.max(column))).scalar() or 0
        return list(range(last + 1, last + 1 + count))
    return list(
        session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count},
        ).scalars()
    )


def analyze_changed(connection: Connection, tables: Iterable[str], changed: int) -> list[str]:
    """On PostgreSQL, ANALYZE each of ``tables`` that ``changed`` rows make stale; return those analyzed.

    Stale as autovacuum reckons it: more than 50 rows, and more than a tenth of the rows the
    planner last counted (or it never counted them). An import changes a table in one transaction, and until
    autovacuum comes round (a minute later, or never where it is off) the planner keeps the
    old counts: a first import of 1,000,000 offers left ``offers`` planned as empty, and the
    next import's 500-product IN list read the whole table (480 ms a query instead of 40).
    Inside a transaction, ANALYZE counts the rows it wrote and holds the table's
    share-update-exclusive lock until it ends; that blocks no reader or writer, only another
    ANALYZE, a VACUUM, or a change to the table's definition or indexes.
    """
    if connection.dialect.name != "postgresql" or changed <= 50:
        return []  # a commit of a few offers (an edit, a small feed) asks the catalog nothing
    analyzed = []
    for table in tables:
        counted = connection.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)"), {"table": table}
        ).scalar()
        if counted is not None and (counted < 0 or changed > 50 + 0.1 * counted):
            connection.execute(text(f"ANALYZE {table}"))
            analyzed.append(table)
    return analyzed


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on every database.

    PostgreSQL keeps the zone (``timestamptz``); SQLite stores text without one and hands back
    naive datetimes, which JSON would then serialise without an offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @staticmethod
    def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
        """A naive value is UTC already (SQLite's text); an aware one is converted to UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return self._as_utc(value)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return self._as_utc(value)


# Constraint names must be stable so that Alembic can alter them on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

intpk = Annotated[int, mapped_column(primary_key=True)]
#: Money is always Decimal, never float.
money = Annotated[Decimal, mapped_column(Numeric(14, 2))]
#: An ISO 4217 code; stands next to every money column.
currency_code = Annotated[str, mapped_column(String(3))]
created_at = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]
str40 = Annotated[str, mapped_column(String(40))]
str255 = Annotated[str, mapped_column(String(255))]
str2000 = Annotated[str, mapped_column(String(2000))]


class Base(DeclarativeBase):
    """The one declarative base of every TradeRow model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


#: Seconds a SQLite connection waits for the write lock before giving up ("database is locked").
DEFAULT_BUSY_TIMEOUT = 30.0

#: Execution option: on SQLite, begin with the write lock (``BEGIN IMMEDIATE``), waiting at
#: most this many seconds for it, instead of the connection's usual busy timeout.
WRITE_WAIT = "traderow_write_wait"


def make_engine(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any) -> Engine:
    """Create an engine, with SQLite set up for real transactions and concurrent readers."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": busy_timeout})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _fix_sqlite(engine, busy_timeout)
    return engine


def _fix_sqlite(engine: Engine, busy_timeout: float) -> None:
    default_wait_ms = int(busy_timeout * 1000)

    # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN; the SQLAlchemy
    # documentation's recipe hands transaction control back to SQLAlchemy.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the worker write while web processes read; in WAL, NORMAL is safe against
        # corruption and saves an fsync per commit (a power cut may lose the last commits).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={default_wait_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads, then writes, fails at once (SQLITE_BUSY, no wait)
        # when another writer committed in between; BEGIN IMMEDIATE waits for the lock instead.
        wait = conn.get_execution_options().get(WRITE_WAIT)
        conn.exec_driver_sql(f"PRAGMA busy_timeout={default_wait_ms if wait is None else int(wait * 1000)}")
        conn.exec_driver_sql("BEGIN" if wait is None else "BEGIN IMMEDIATE")


def is_lock_timeout(error: OperationalError) -> bool:
    """Say whether ``error`` is SQLite's "database is locked": another connection held the write lock."""
    return "database is locked" in str(error.orig)


class Database:
    """Hold one app's engine and session factory; no module-level engine exists."""

    def __init__(self, url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, replica_url: str | None = None) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout=busy_timeout)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        #: The streaming replica's engine (``TRADEROW_DATABASE_REPLICA_URL``), or ``None``:
        #: searches read there, and the PostgreSQL search index gets it as its ``read_engine``.
        self.read_engine = make_replica_engine(replica_url) if replica_url else None
        self.read_sessionmaker = (
            sessionmaker(bind=self.read_engine, expire_on_commit=False) if self.read_engine is not None else None
        )

    def session(self) -> Session:
        """Open a new session; the caller closes it."""
        return self.sessionmaker()

    def read_session(self) -> Session:
        """Open a session on the replica, or on the primary without one; the caller closes it.

        Only for reads that may lag the primary by the replica's delay (a second or less on
        a healthy replica): a search, never the page a form redirects to after its write.
        """
        return (self.read_sessionmaker or self.sessionmaker)()

    def write_session(self, wait: float) -> Session:
        """Open a session that begins by taking the write lock, waiting at most ``wait`` seconds on SQLite.

        For short writes that must not keep a visitor waiting. Raises
        ``sqlalchemy.exc.OperationalError`` when the lock is not had in time.
        """
        session = self.sessionmaker()
        try:
            session.connection(execution_options={WRITE_WAIT: wait})
        except BaseException:
            session.close()
            raise
        return session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.read_engine is not None:
            self.read_engine.dispose()


def make_replica_engine(url: str) -> Engine:
    """Create the engine on a streaming replica: every transaction read-only, pooled connections checked.

    A replica refuses writes anyway; saying so up front makes a write that strays there fail
    with a clear error on the first statement. A replica restarted (or promoted) drops its
    connections, so each is checked before use rather than failing the next search.
    """
    engine = make_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(postgresql_readonly=True)
    return engine


def init_app(app: Flask) -> None:
    """Bind the database to ``app`` and close the request's session at teardown."""
    app.extensions["traderow.db"] = Database(
        app.config["DATABASE_URL"],
        busy_timeout=app.config["SQLITE_BUSY_TIMEOUT"],
        replica_url=app.config["DATABASE_REPLICA_URL"],
    )
    app.teardown_appcontext(close_session)


def replica_engine(app: Flask | None = None) -> Engine | None:
    """Return the engine on the app's streaming replica, or ``None`` when none is configured."""
    return database(app).read_engine


def database(app: Flask | None = None) -> Database:
    """Return the app's ``Database``."""
    return (app or current_app).extensions["traderow.db"]


#: Requests that only read: their session begins as usual, and never waits for the write lock.
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))

_V = TypeVar("_V", bound=Callable[..., Any])


def writes_on_get(view: _V) -> _V:
    """Mark a GET view that writes (a link in a mail that confirms something): its session waits for the write lock.

    As a POST's does: a deferred transaction that reads, then writes, fails at once in WAL when
    the worker committed in between (CI's browser tests met it on such pages).
    """
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def _may_write() -> bool:
    if request.method not in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes_on_get", False))


def get_session() -> Session:
    """Return this request's or command's session, opening it on first use.

    A request that may write (a form's POST) begins with SQLite's write lock, waiting its
    turn: a deferred transaction that reads, then writes, fails at once in WAL when another
    write (an analytics batch, the worker) committed in between.
    """
    if "db_session" not in g:
        session = g.db_session = database().session()
        if has_request_context() and _may_write():
            session.connection(execution_options={WRITE_WAIT: current_app.config["SQLITE_BUSY_TIMEOUT"]})
    return g.db_session


def get_read_session() -> Session:
    """Return this request's session for reads that may come from the streaming replica.

    Without a replica it is :func:`get_session`'s session itself. With one, it is a second
    session on the replica: what it reads may be up to the replica's delay old, so use it
    only where that cannot confuse anyone (searches), and never write through it.
    """
    if database().read_sessionmaker is None:
        return get_session()
    if "db_read_session" not in g:
        g.db_read_session = database().read_session()
    return g.db_read_session


def close_session(_exc: BaseException | None = None) -> None:
    """Roll back anything uncommitted and close the sessions."""
    for name in ("db_session", "db_read_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()
