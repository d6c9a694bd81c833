"""``/healthz`` and ``/readyz``: 200 or 503 with a small JSON body saying what failed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.changes.models import IndexChange
from marketplace.changes.outbox import queue_reindex
from marketplace.suppliers.models import Supplier
from tests.support.app import app_config


def _age_queue(db_session: Session, seconds: float) -> None:
    """Make every queued index change look ``seconds`` old."""
    then = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    db_session.execute(update(IndexChange).values(created_at=then))
    db_session.commit()


def test_healthz_answers_without_the_database(tmp_path: Path) -> None:
    app = create_app(app_config(tmp_path, "sqlite:///" + str(tmp_path / "no-such-dir" / "db.sqlite")))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


@pytest.mark.search_engines
def test_readyz_is_ready_with_a_database_an_index_and_no_lag(
    client: FlaskClient, stocked: dict[str, Supplier], search_backend: str
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    checks = {"database": "ok", "index": "ok", "index_lag": "ok"}
    assert response.get_json() == {"status": "ok", "engine": search_backend, "checks": checks}


def test_readyz_fails_while_the_index_lags_beyond_the_bound(
    app: Flask, client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    app.config["READY_INDEX_LAG_SECONDS"] = 300
    queue_reindex(db_session, [1, 2])
    db_session.commit()
    _age_queue(db_session, 200)
    assert client.get("/readyz").status_code == 200  # queued, but younger than the bound

    _age_queue(db_session, 400)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail" and body["checks"]["database"] == "ok" and body["checks"]["index"] == "ok"
    assert body["checks"]["index_lag"].startswith("2 of 2 queued changes waited over 300 s")


def test_readyz_fails_on_an_index_built_with_an_older_schema(client: FlaskClient, old_schema_index: None) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["index"].startswith("built with an older schema")


def test_readyz_fails_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = create_app(app_config(tmp_path, "sqlite:///" + str(tmp_path / "no-such-dir" / "db.sqlite")))
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        checks = response.get_json()["checks"]
        assert checks["database"].startswith("unreachable")
        assert checks["index_lag"] == "unknown: the database is unreachable"
    finally:
        app.extensions["traderow.index"].close()
        app.extensions["traderow.db"].dispose()
