"""Web processes and the index writer at the same time, on a committed database.

The shared ``app`` fixture keeps each test in one rolled-back transaction, which other
threads cannot see; these tests build two apps of their own (a "worker" that imports and
writes the index, and a "web process" that only searches) on one committed database and
one index directory, as production runs them.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from marketplace.db import database
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import rebuild_index
from tests.support.committed_apps import import_round

pytestmark = pytest.mark.slow


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
