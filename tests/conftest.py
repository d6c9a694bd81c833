"""Fixtures shared by every layer of tests: a real database, a real index, a real app.

SQLite by default; set ``TEST_DATABASE_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run the same suite on PostgreSQL.
Each test runs inside a transaction that is rolled back; services' and views' commits
become savepoints inside it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from lxml import etree
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.accounts.models import Role, User
from marketplace.db import get_session, make_engine
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.app import app_config
from tests.support.database import reset_schema, seed_test_taxonomy
from tests.support.feed_server import FeedServer, running_feed_server
from tests.support.paths import FIXTURES, SHARED_DATA
from tests.support.pg_search_apps import (
    SEARCH_BACKENDS,
    database_from_template,
    postgres_url_or_skip,
    search_template,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "search_engines: run the module's app tests once per search engine (whoosh, postgres)"
    )
    config.addinivalue_line("markers", "whoosh_only: in a search_engines module, a test of Whoosh's own ways")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the app tests of a module marked ``search_engines`` on each engine."""
    marked = metafunc.definition.get_closest_marker("search_engines") is not None
    whoosh_only = metafunc.definition.get_closest_marker("whoosh_only") is not None
    if marked and not whoosh_only and "search_backend" in metafunc.fixturenames:
        metafunc.parametrize("search_backend", SEARCH_BACKENDS, indirect=True)


def pytest_report_header() -> str:
    """Name the XML parser the feed tests ran on: hostile-XML verdicts differ by libxml2 version."""

    def dotted(version: tuple[int, ...]) -> str:
        return ".".join(map(str, version))

    return f"lxml {dotted(etree.LXML_VERSION)}, libxml2 {dotted(etree.LIBXML_VERSION)}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    reset_schema(engine)
    with Session(engine) as session:
        seed_test_taxonomy(session)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """Return a connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's config."""
    return {}


@pytest.fixture
def search_backend(request: pytest.FixtureRequest) -> str:
    """Return the search engine the ``app`` runs on: Whoosh, or each engine in a ``search_engines`` module."""
    return str(getattr(request, "param", "whoosh"))


@pytest.fixture(scope="session")
def pg_search_template() -> Iterator[str]:
    """Return the template database the PostgreSQL-engine apps are cloned from (made once per run)."""
    with search_template(postgres_url_or_skip()) as name:
        yield name


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    database_url: str,
    app_overrides: dict[str, Any],
    search_backend: str,
) -> Iterator[Flask]:
    if search_backend == "postgres":
        # Its index is written in the catalog's transactions and read on other connections:
        # a database of its own that really commits (tests/support/pg_search_apps.py).
        template = request.getfixturevalue("pg_search_template")
        with database_from_template(postgres_url_or_skip(), template) as url:
            app = create_app(app_config(tmp_path, url, SEARCH_BACKEND="postgres", **app_overrides))
            yield app
            app.extensions["traderow.index"].close()
            app.extensions["traderow.db"].dispose()
        return
    connection: Connection = request.getfixturevalue("connection")
    app = create_app(app_config(tmp_path, database_url, **app_overrides))
    # Every session the app opens joins the test's transaction through savepoints.
    app.extensions["traderow.db"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield app
    app.extensions["traderow.index"].close()
    app.extensions["traderow.db"].dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """Return the session of an app context that stays pushed for the test."""
    with app.app_context():
        yield get_session()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def supplier(db_session: Session) -> Supplier:
    return factories.supplier(db_session, "kitchen-pro")


@pytest.fixture
def buyer(db_session: Session) -> User:
    return factories.user(db_session, "buyer@example.com", role=Role.BUYER, display_name="Bohdana")


@pytest.fixture
def admin(db_session: Session) -> User:
    """Return an operator: the role every /admin page asks for."""
    return factories.user(db_session, "ops@example.com", role=Role.ADMIN, display_name="Olha")


@pytest.fixture
def supplier_member(db_session: Session, supplier: Supplier) -> User:
    return factories.user(db_session, "seller@example.com", role=Role.SUPPLIER, supplier=supplier)


@pytest.fixture
def sellers(db_session: Session, stocked: dict[str, Supplier]) -> dict[str, User]:
    """Return a member of each stocked supplier, by supplier slug."""
    return {
        slug: factories.user(db_session, f"sales@{slug}.example", role=Role.SUPPLIER, supplier=supplier)
        for slug, supplier in stocked.items()
    }


@pytest.fixture
def shared_data() -> Path:
    """Return ``../shared/data``, skipping the test where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """Serve price lists from a real HTTP server on loopback; tests set its answers per path."""
    with running_feed_server() as server:
        yield server


@pytest.fixture
def stocked(app: Flask, db_session: Session, supplier: Supplier) -> dict[str, Supplier]:
    """Import the two fixture feeds (a YML and a cp1251 CSV) and bring the index up to date."""
    from marketplace.imports.run import import_feed
    from marketplace.search.index_runtime import get_index
    from marketplace.search.jobs import sync_index

    other = factories.supplier(db_session, "office-point")
    for owner, name in ((supplier, "kitchen.yml"), (other, "office.csv")):
        run = import_feed(
            db_session, owner, (FIXTURES / "feeds" / name).read_bytes(), filename=name,
            base_currency="UAH", rates=app.config["CURRENCY_RATES"],
        )  # fmt: skip
        assert run.status == "succeeded", run.error
    db_session.commit()
    sync_index(db_session, get_index(app))
    return {"kitchen-pro": supplier, "office-point": other}
