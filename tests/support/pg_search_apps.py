"""Both search engines in app-level tests: Whoosh, and PostgreSQL in a database that really commits.

A test module marked ``search_engines`` runs each of its app tests once per engine (the
``search_backend`` fixture, parametrized in tests/conftest.py). On PostgreSQL the index is
written in the catalog's own transactions and read on other connections: the shared ``app``
fixture's rolled-back transaction cannot hold it. So such an app gets a database of its own,
cloned from a template (migrated, seeded, its search schema created: about 0.2 s a test),
and dropped after the test.

The postgres parameter needs ``TEST_DATABASE_URL`` to be PostgreSQL: it skips otherwise,
and fails when PostgreSQL is named but unreachable with ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from marketplace.db import make_engine
from marketplace.search.index_runtime import SEARCH_SCHEMA
from search_index import PostgresSearchIndex
from tests.support.database import migrate
from tests.support.search_engines import ENGINES, postgres_engine

#: The engines ``TRADEROW_SEARCH_BACKEND`` names: the contract suite's.
SEARCH_BACKENDS = ENGINES


def postgres_url_or_skip() -> str:
    """Return ``TEST_DATABASE_URL`` if it names PostgreSQL that answers; else skip (fail on CI if it is silent)."""
    engine = postgres_engine()  # the contract suite's check: skips, or fails on CI
    engine.dispose()
    return engine.url.render_as_string(hide_password=False)


def _admin(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _drop(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def search_template(url: str) -> Iterator[str]:
    """Yield the name of a template database: ``url``'s schema, the test taxonomy and an empty search index."""
    name = f"{make_url(url).database}_pgsearch_tpl"
    admin = _admin(url)
    try:
        _drop(admin, name)  # left behind by an interrupted run
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        template_url = make_url(url).set(database=name).render_as_string(hide_password=False)
        migrate(template_url, seed=True)
        engine = make_engine(template_url)
        try:
            index = PostgresSearchIndex(engine, schema=SEARCH_SCHEMA)
            index.ensure()
            index.close()
        finally:
            engine.dispose()  # a template must have no connections to be copied
        yield name
    finally:
        _drop(admin, name)
        admin.dispose()


@contextmanager
def database_from_template(url: str, template: str, suffix: str = "pgsearch") -> Iterator[str]:
    """Yield the URL of a fresh copy of ``template`` on ``url``'s server; drop it afterwards."""
    name = f"{make_url(url).database}_{suffix}"
    admin = _admin(url)
    try:
        _drop(admin, name)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(admin, name)
        admin.dispose()
