"""After an import changes many rows, PostgreSQL's planner statistics are refreshed (``analyze_changed``).

This machine's PostgreSQL, like any whose autovacuum is off or has not come round yet, would
otherwise plan the next queries on the counts from before: a table written by a first import
stays "empty" to the planner, and an IN list over it reads the whole table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from marketplace.db import analyze_changed
from tests.support import factories


def _counted(session: Session, table: str) -> float:
    return float(
        session.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}).scalar_one()
    )


def test_sqlite_has_no_statistics_to_refresh(db_session: Session) -> None:
    if db_session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's own case")
    assert analyze_changed(db_session.connection(), ["offers"], 1_000_000) == []


def test_a_table_that_many_rows_changed_is_analyzed_and_then_counted_with_them(db_session: Session) -> None:
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    owner = factories.supplier(db_session)
    connection = db_session.connection()
    connection.execute(text("ANALYZE offers"))  # counted once, whatever other tests left
    factories.many_offers(db_session, owner, 2_000)

    assert analyze_changed(connection, ["offers"], 2_000) == ["offers"]
    assert _counted(db_session, "offers") >= 2_000  # the transaction's own rows, not yet committed
    # A few rows are never worth an ANALYZE, nor the look at pg_class (every commit of an edit comes here).
    assert analyze_changed(connection, ["offers"], 40) == []
    assert analyze_changed(connection, ["offers"], 150) == []  # not a tenth of the 2,000 counted
