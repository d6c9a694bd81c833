"""Fixtures for the search_index tests: the contract suite runs on every engine.

Each index fixture is parametrized over the engines: "whoosh", a real index in a temporary
directory, and "postgres", a real index in its own fresh schema of the PostgreSQL database
``TEST_DATABASE_URL`` names (dropped afterwards). Without a PostgreSQL URL the postgres
runs skip; with one that cannot be reached they skip too, but fail on CI. Tests about Whoosh's
own storage (locks, generations, segments) ask for ``whoosh_only``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support.search import CATALOG
from tests.support.search_engines import ENGINES, IndexMaker, postgres_engine


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """Return an engine on TEST_DATABASE_URL's PostgreSQL; skip without one (fail on CI)."""
    engine = postgres_engine()
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """Return the engine the index fixtures make; the postgres one needs PostgreSQL."""
    if request.param == "postgres":
        request.getfixturevalue("pg_engine")
    name: str = request.param
    return name


def _pg(engine_name: str, request: pytest.FixtureRequest) -> Engine | None:
    engine: Engine | None = request.getfixturevalue("pg_engine") if engine_name == "postgres" else None
    return engine


@pytest.fixture
def whoosh_only(engine_name: str) -> None:
    """Skip the postgres run of a test about Whoosh's own storage."""
    if engine_name != "whoosh":
        pytest.skip("about the Whoosh engine's storage")


@pytest.fixture
def make_index(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexMaker]:
    """Return a factory of indexes of the engine under test, all closed (and dropped) at teardown."""
    maker = IndexMaker(engine_name, _pg(engine_name, request), tmp_path / "index")
    yield maker
    maker.close()


@pytest.fixture(scope="module")
def make_module_index(
    engine_name: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Any]]:
    """Return a factory of indexes shared by a module's read-only tests: ``factory(name)``."""
    maker = IndexMaker(engine_name, _pg(engine_name, request), tmp_path_factory.mktemp("index"))

    def factory(name: str) -> Any:
        return maker(tmp_path_factory.mktemp(name))

    yield factory
    maker.close()


@pytest.fixture
def index(make_index: IndexMaker) -> Any:
    """Return an empty, ensured index."""
    index = make_index()
    index.ensure()
    return index


@pytest.fixture(scope="module")
def catalog(make_module_index: Callable[[str], Any]) -> Any:
    """Return an index holding CATALOG; shared by read-only tests of one module."""
    index = make_module_index("catalog")
    index.index(CATALOG)
    return index
