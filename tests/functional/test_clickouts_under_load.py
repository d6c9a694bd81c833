"""A click-out always redirects: a locked or failing database delays the record, never the buyer.

These tests run on a SQLite file of their own (not the suite's rolled-back transaction), so
that another connection can really hold the write lock, as an import does.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace import create_app, schema
from marketplace.catalog.jobs import click_spool
from marketplace.catalog.models import ClickOut, Offer
from marketplace.db import database
from marketplace.imports.run import import_feed
from marketplace.worker import work_once
from tests.support import factories
from tests.support.app import app_config
from tests.support.paths import FIXTURES

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a SQLite file of its own, with the kitchen feed imported and committed."""
    app = create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'clicks.sqlite'}"))
    schema.upgrade(database(app).engine)
    with app.app_context():
        session = database(app).session()
        supplier = factories.supplier(session, "kitchen-pro")
        run = import_feed(
            session, supplier, (FIXTURES / "feeds" / "kitchen.yml").read_bytes(), filename="kitchen.yml",
            base_currency="UAH", rates=app.config["CURRENCY_RATES"],
        )  # fmt: skip
        assert run.status == "succeeded", run.error
        session.commit()
        session.close()
    yield app
    app.extensions["traderow.index"].close()
    database(app).dispose()


def click_count(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(ClickOut)) or 0


def an_offer(app: Flask) -> Offer:
    with database(app).session() as session:
        offer = session.scalars(select(Offer).order_by(Offer.id)).first()
        assert offer is not None
        return offer


def test_a_click_out_redirects_while_an_import_holds_the_write_lock(file_app: Flask, tmp_path: Path) -> None:
    offer = an_offer(file_app)
    importer = sqlite3.connect(tmp_path / "clicks.sqlite", isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")  # what an import's transaction holds for its whole run
    try:
        response = file_app.test_client().get(f"/go/{offer.id}?pos=2", headers={"User-Agent": BROWSER})
        assert response.status_code == 302
        assert response.headers["Location"].startswith(offer.url)
        assert click_count(file_app) == 0
        assert click_spool(file_app.config).count() == 1
    finally:
        importer.rollback()
        importer.close()

    work_once(file_app)  # the worker's pass records what waited

    assert click_spool(file_app.config).count() == 0
    with database(file_app).session() as session:
        click = session.scalars(select(ClickOut)).one()
        assert (click.offer_id, click.position) == (offer.id, 2)


def test_without_a_lock_the_click_is_recorded_at_once(file_app: Flask) -> None:
    offer = an_offer(file_app)
    client = file_app.test_client()
    assert client.get(f"/go/{offer.id}", headers={"User-Agent": BROWSER}).status_code == 302
    assert client.get(f"/go/{offer.id}", headers={"User-Agent": BROWSER}).status_code == 302  # a repeat
    assert click_count(file_app) == 1
    assert click_spool(file_app.config).count() == 0


def test_a_spooled_click_repeating_a_recorded_one_is_counted_once(file_app: Flask, tmp_path: Path) -> None:
    offer = an_offer(file_app)
    client = file_app.test_client()
    assert client.get(f"/go/{offer.id}", headers={"User-Agent": BROWSER}).status_code == 302
    importer = sqlite3.connect(tmp_path / "clicks.sqlite", isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")
    try:
        assert client.get(f"/go/{offer.id}", headers={"User-Agent": BROWSER}).status_code == 302
    finally:
        importer.rollback()
        importer.close()
    assert click_spool(file_app.config).count() == 1
    work_once(file_app)
    assert click_count(file_app) == 1
    assert click_spool(file_app.config).count() == 0


def test_sqlite_runs_in_wal_with_a_web_sized_busy_timeout(file_app: Flask) -> None:
    with database(file_app).engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_while_the_lock_is_held_clicks_go_straight_to_the_spool(
    file_app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    offer = an_offer(file_app)
    client = file_app.test_client()
    importer = sqlite3.connect(tmp_path / "clicks.sqlite", isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")
    try:
        with caplog.at_level(logging.WARNING, logger="marketplace.catalog.views"):
            for _ in range(3):
                client.delete_cookie("visitor")
                assert client.get(f"/go/{offer.id}", headers={"User-Agent": BROWSER}).status_code == 302
    finally:
        importer.rollback()
        importer.close()
    # Only the first click waited for the database; the next ones did not try it again.
    assert len([r for r in caplog.records if r.name == "marketplace.catalog.views"]) == 1
    assert click_spool(file_app.config).count() == 3
    work_once(file_app)
    assert click_count(file_app) == 3
