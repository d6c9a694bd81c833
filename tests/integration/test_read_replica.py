"""TRADEROW_DATABASE_REPLICA_URL: searches read through the replica's engine, everything else through the primary.

A real streaming replica is started by tests/integration/test_two_nodes.py; here the replica
URL names the primary database itself, which is enough to see which engine each page uses
and that the replica's sessions refuse writes on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import InternalError, OperationalError

from marketplace.db import database, get_read_session, get_session, replica_engine
from tests.support.committed_apps import committed_app
from tests.support.database import migrate, side_database


@pytest.fixture
def replica_app(tmp_path: Path) -> Iterator[Flask]:
    with side_database(tmp_path, "replica") as url:
        migrate(url, seed=True)
        with committed_app(tmp_path, url, DATABASE_REPLICA_URL=url) as app:
            yield app


def statements_on(engine: Engine, into: list[str]) -> None:
    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        into.append(statement)

    event.listen(engine, "before_cursor_execute", record)


def test_without_a_replica_reads_share_the_requests_session(app: Flask) -> None:
    assert replica_engine(app) is None
    with app.test_request_context("/search"):
        assert get_read_session() is get_session()


def test_searches_read_from_the_replica_and_other_pages_from_the_primary(replica_app: Flask) -> None:
    replica = replica_engine(replica_app)
    assert replica is not None and replica is not database(replica_app).engine
    on_replica: list[str] = []
    on_primary: list[str] = []
    statements_on(replica, on_replica)
    statements_on(database(replica_app).engine, on_primary)
    client = replica_app.test_client()
    for url in ("/search?q=pan", "/api/v1/search?q=pan", "/api/v1/suggest?q=pa"):
        on_replica.clear()
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert on_replica, f"{url} read nothing from the replica"
    on_replica.clear()
    assert client.get("/").status_code == 200
    assert on_replica == [] and on_primary, "the home page reads from the primary"


def test_a_write_through_the_replicas_session_is_refused_on_postgresql(replica_app: Flask) -> None:
    replica = replica_engine(replica_app)
    assert replica is not None
    if replica.dialect.name != "postgresql":
        pytest.skip("SQLite has no read-only transactions to ask for")
    with replica_app.test_request_context("/search"):
        session = get_read_session()
        with pytest.raises((InternalError, OperationalError), match="read-only"):
            session.execute(text("CREATE TABLE replica_write_test (id integer)"))
