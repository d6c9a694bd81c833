"""Databases for tests: the schema, and side databases that really commit."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from marketplace import schema
from marketplace.db import make_engine
from marketplace.taxonomy.seed import seed_categories
from tests.support.paths import FIXTURES


def reset_schema(engine: Engine) -> None:
    """Drop every table the database holds (ours, Alembic's, an older run's) and migrate to head.

    The tables are reflected, not taken from ``Base.metadata``: at session start the
    metadata holds only the models imported so far, and PostgreSQL refuses to drop a table
    that a table left out still references.
    """
    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)
    schema.upgrade(engine)


def seed_test_taxonomy(session: Session) -> None:
    """Add the small category tree of tests/fixtures/taxonomy.txt."""
    seed_categories(session, (FIXTURES / "taxonomy.txt").read_text("utf-8"))


def migrate(url: str, *, seed: bool = False) -> None:
    """Bring the database at ``url`` to the newest schema; with ``seed``, add the test taxonomy."""
    engine = make_engine(url)
    try:
        schema.upgrade(engine)
        if seed:
            with Session(engine) as session:
                seed_test_taxonomy(session)
                session.commit()
    finally:
        engine.dispose()


@contextmanager
def side_database(folder: Path, name: str) -> Iterator[str]:
    """Yield the URL of a fresh, empty database that really commits, and drop it afterwards.

    The shared ``app`` fixture binds sessions to a rolled-back transaction, which other threads
    and processes cannot see. A test that needs them gets a SQLite file ``<name>.sqlite`` in
    ``folder``, or on PostgreSQL the database ``<TEST_DATABASE_URL's name>_<name>`` on the same
    server: the other tests use ``TEST_DATABASE_URL`` itself concurrently, so it is never touched.
    """
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url or not test_url.startswith("postgresql"):
        yield "sqlite:///" + str(folder / f"{name}.sqlite")
        return
    url = make_url(test_url)
    database = f"{url.database}_{name}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    try:
        with admin.connect() as conn:
            conn.execute(drop)  # left behind by an interrupted run
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


@contextmanager
def recorded_statements(session: Session) -> Iterator[list[str]]:
    """Yield the list of SQL statements ``session``'s database runs until the block ends."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sqlite_write_lock_is_free(path: Path) -> bool:
    """Return whether another connection could begin writing the SQLite database at ``path`` now."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()
