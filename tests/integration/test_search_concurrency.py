"""Web processes and the index writer at the same time, on a committed database.

The shared ``app`` fixture keeps each test in one rolled-back transaction, which other
threads cannot see; these tests build two apps of their own (a "worker" that imports and
writes the index, and a "web process" that only searches) on one committed database and
one index directory, as production runs them.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from marketplace import create_app, schema
from marketplace.db import database, make_engine
from marketplace.imports.run import import_feed
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import rebuild_index, sync_index
from marketplace.suppliers.services import add_supplier
from marketplace.taxonomy.seed import seed_categories
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow


def feed(round_: int, count: int) -> bytes:
    """Return a YML price list of ``count`` boilers whose prices move every round."""
    root = etree.Element("yml_catalog", date="2026-11-01 10:00")
    shop = etree.SubElement(root, "shop")
    etree.SubElement(shop, "name").text = "Teplo"
    etree.SubElement(shop, "url").text = "https://teplo.example/"
    currencies = etree.SubElement(shop, "currencies")
    etree.SubElement(currencies, "currency", id="UAH", rate="1")
    offers = etree.SubElement(shop, "offers")
    for n in range(count):
        offer = etree.SubElement(offers, "offer", id=f"B-{n}", available="true")
        etree.SubElement(offer, "url").text = f"https://teplo.example/b/{n}"
        etree.SubElement(offer, "price").text = str(10_000 + n * 10 + round_)
        etree.SubElement(offer, "currencyId").text = "UAH"
        etree.SubElement(offer, "vendor").text = "Navien" if n % 2 else "Baxi"
        etree.SubElement(offer, "vendorCode").text = f"GA-{n}K"
        etree.SubElement(offer, "name").text = f"Котел газовый настенный {'Navien' if n % 2 else 'Baxi'} GA-{n}K"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.fixture
def database_url_for_threads(tmp_path: Path) -> Iterator[str]:
    """Yield a committed database of this module's own (SQLite file, or a PostgreSQL database)."""
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url or not test_url.startswith("postgresql"):
        yield "sqlite:///" + str(tmp_path / "threads.sqlite")
        return
    url = make_url(test_url)
    name = f"{url.database}_search_threads"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        with admin.connect() as conn:
            conn.execute(drop)
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


def make_app(tmp_path: Path, database_url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "INDEX_PATH": str(tmp_path / "index"),
            "UPLOAD_PATH": str(tmp_path / "uploads"),
        }
    )


@pytest.fixture
def apps(tmp_path: Path, database_url_for_threads: str) -> Iterator[tuple[Flask, Flask]]:
    """Return (worker app, web app): two instances on one database and one index."""
    engine = make_engine(database_url_for_threads)
    schema.upgrade(engine)
    with Session(engine) as session:
        seed_categories(session, (FIXTURES / "taxonomy.txt").read_text("utf-8"))
        session.commit()
    engine.dispose()
    worker, web = make_app(tmp_path, database_url_for_threads), make_app(tmp_path, database_url_for_threads)
    yield worker, web
    for app in (worker, web):
        get_index(app).close()
        database(app).dispose()


def import_round(app: Flask, round_: int, count: int) -> None:
    """Import one price list through the real service, commit, then sync the index (the worker's job)."""
    with app.app_context():
        session = database(app).session()
        try:
            from marketplace.suppliers.models import Supplier

            supplier = session.query(Supplier).filter_by(slug="teplo").one_or_none() or add_supplier(
                session, "teplo", name="Teplo", store_url="https://teplo.example/"
            )
            run = import_feed(
                session, supplier, feed(round_, count), filename="teplo.yml",
                base_currency="UAH", rates={"UAH": Decimal(1)},
            )  # fmt: skip
            assert run.status == "succeeded", run.error
            session.commit()
            sync_index(session, get_index(app))
        finally:
            session.close()


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  (loopback only)
        return response.status, json.loads(response.read())


def test_a_second_app_instance_sees_index_changes_without_restart(apps: tuple[Flask, Flask]) -> None:
    worker, web = apps
    client = web.test_client()
    assert client.get("/api/v1/search?q=котел").get_json()["total"] == 0
    import_round(worker, 0, 10)
    data = client.get("/api/v1/search?q=котел&view=offers&sort=price_asc").get_json()
    assert data["total"] == 10 and data["results"][0]["price_base"] == "10000.00"
    import_round(worker, 5, 12)
    data = client.get("/api/v1/search?q=котел&view=offers&sort=price_asc").get_json()
    assert data["total"] == 12 and data["results"][0]["price_base"] == "10005.00"


def test_searches_during_imports_never_fail(apps: tuple[Flask, Flask]) -> None:
    """Real imports and index syncs in one thread; a served web app hammered from two others."""
    worker, web = apps
    server = make_server("127.0.0.1", 0, web, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    urls = [
        f"{base}/api/v1/search?q=%D0%BA%D0%BE%D1%82%D0%B5%D0%BB",  # котел
        f"{base}/api/v1/search?q=navien&sort=price_asc&view=offers",
        f"{base}/api/v1/search?brand=baxi&max_price=12000",
        f"{base}/api/v1/suggest?q=kot",
    ]
    stop = threading.Event()
    failures: list[str] = []
    answered = [0, 0]

    def hammer(slot: int) -> None:
        while not stop.is_set():
            for url in urls:
                try:
                    status, data = get_json(url)
                except Exception as exc:  # an HTTP 500 raises here too
                    failures.append(f"{url}: {exc!r}")
                    continue
                if status != 200 or ("total" in data and data["total"] < 0):
                    failures.append(f"{url}: {status} {data}")
                answered[slot] += 1

    readers = [threading.Thread(target=hammer, args=(slot,)) for slot in (0, 1)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(8):
            import_round(worker, round_, 60 + round_ * 20)
            time.sleep(0.05)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
        server.shutdown()
        server.server_close()
    assert not failures, failures[:5]
    assert min(answered) > 10, answered
    with web.test_client() as client:
        final = client.get("/api/v1/search?q=котел&view=offers").get_json()
    assert final["total"] == 60 + 7 * 20


def test_searching_while_the_index_is_rebuilt(apps: tuple[Flask, Flask]) -> None:
    worker, web = apps
    import_round(worker, 0, 150)
    client = web.test_client()
    totals: list[int] = []
    errors: list[BaseException] = []

    def rebuild_twice() -> None:
        try:
            with worker.app_context():
                session = database(worker).session()
                try:
                    for _ in range(2):
                        assert rebuild_index(session, get_index(worker)) == 150
                finally:
                    session.close()
        except BaseException as exc:
            errors.append(exc)

    rebuilding = threading.Thread(target=rebuild_twice)
    rebuilding.start()
    while rebuilding.is_alive():
        response = client.get("/api/v1/search?q=котел&view=offers")
        assert response.status_code == 200
        totals.append(response.get_json()["total"])
    rebuilding.join()
    assert not errors, errors
    # Readers see the old complete index or the new complete one, never a partial one.
    assert totals and set(totals) == {150}
    assert (Path(web.config["INDEX_PATH"]) / "CURRENT").read_text().strip() == "gen-3"
