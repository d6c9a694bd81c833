"""The search engines the contract tests run on, and a factory of their indexes."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from search_index import PostgresSearchIndex, SearchEngine, SearchIndex

#: The engines every contract test runs on.
ENGINES = ("whoosh", "postgres")


def postgres_engine() -> Engine:
    """Return an engine on TEST_DATABASE_URL's PostgreSQL; skip without one, or fail on CI if unreachable."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the postgres engine runs when TEST_DATABASE_URL is a PostgreSQL URL")
    engine = create_engine(url, pool_size=10, max_overflow=20)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL is not reachable at TEST_DATABASE_URL ({exc.orig})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return engine


class IndexMaker:
    """Open indexes of one engine; the same root opens the same index (another instance of it)."""

    def __init__(self, engine_name: str, pg_engine: Engine | None, default_root: Path) -> None:
        self.engine_name = engine_name
        self._pg = pg_engine
        self._default_root = default_root
        self._schemas: dict[Path, str] = {}
        self._opened: list[Any] = []

    def __call__(self, root: Path | None = None, **kwargs: Any) -> Any:
        root = root or self._default_root
        index: SearchEngine
        if self.engine_name == "whoosh":
            index = SearchIndex(root, **kwargs)
        else:
            schema = self._schemas.setdefault(root, f"t_{uuid.uuid4().hex[:16]}")
            assert self._pg is not None
            index = PostgresSearchIndex(self._pg, schema=schema, **kwargs)
        self._opened.append(index)
        return index

    def schema_of(self, root: Path | None = None) -> str:
        """Return the schema of the postgres index on ``root``."""
        return self._schemas[root or self._default_root]

    def close(self) -> None:
        for index in self._opened:
            index.close()
        if self._pg is not None and self._schemas:
            with self._pg.begin() as conn:
                for schema in self._schemas.values():
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
