"""Benchmark click-outs on SQLite while the write lock is held, as an import holds it for its whole run.

    .venv/bin/python bench/clickouts.py                  # 30 clients, 20 s per phase
    .venv/bin/python bench/clickouts.py --clients 30 --seconds 20 --workers 4

The demo marketplace is loaded into a throwaway instance folder and served by gunicorn on
127.0.0.1 (no debug: errors answer as a visitor sees them). Clients request ``/go/<id>`` for
offers of sellers with their own store, each request as a new visitor (so none is a repeat),
and never follow the redirect. Two phases: nothing else writing; then another connection
holding ``BEGIN IMMEDIATE`` for the whole phase (the lock an import holds). Afterwards the
worker's pass records the clicks that were spooled, and the clicks in the database are
counted against the redirects.

It prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def hammer(port: int, offer_ids: list[int], clients: int, seconds: float) -> tuple[Counter[int], list[float]]:
    """Request click-outs from ``clients`` threads for ``seconds``; return the status counts and latencies."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        rng = random.Random()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", f"/go/{rng.choice(offer_ids)}", headers={"User-Agent": BROWSER})
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                statuses[response.status] += 1
                latencies.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, latencies


def report(name: str, statuses: Counter[int], latencies: list[float]) -> None:
    total = sum(statuses.values())
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    print(
        f"{name}: {total} requests, statuses {dict(sorted(statuses.items()))}, "
        f"{100 * (total - statuses[302]) / max(total, 1):.1f} % not redirected; "
        f"latency p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=18766)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        instance = Path(work) / "instance"
        env = {**os.environ, "TRADEROW_INSTANCE_PATH": str(instance)}
        for name in ("TRADEROW_DATABASE_URL", "TRADEROW_REDIS_URL", "TRADEROW_DEBUG", "TRADEROW_TESTING"):
            env.pop(name, None)
        setup = {**env, "TRADEROW_TESTING": "true"}
        subprocess.run([BIN / "traderow", "init"], env=setup, check=True, capture_output=True)
        subprocess.run([BIN / "traderow", "demo"], env=setup, check=True, capture_output=True)

        os.environ.update(setup)
        sys.path.insert(0, str(ROOT))
        from sqlalchemy import func, select

        from marketplace import create_app
        from marketplace.catalog.jobs import record_spooled_clicks
        from marketplace.catalog.models import ClickOut, Offer, OfferStatus
        from marketplace.db import database
        from marketplace.suppliers.models import Supplier

        app = create_app()
        with app.app_context(), database(app).session() as session:
            offer_ids = list(
                session.scalars(
                    select(Offer.id).join(Supplier).where(Offer.status == OfferStatus.ACTIVE, Supplier.has_own_store)
                )
            )
        server = subprocess.Popen(
            [BIN / "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}", "--log-level", "error",
             "wsgi:app"],
            cwd=ROOT, env={**env, "TRADEROW_SECRET_KEY": secrets.token_hex(16)},
        )  # fmt: skip
        try:
            time.sleep(3)
            print(f"{len(offer_ids)} offers, {args.clients} clients, {args.seconds:.0f} s per phase, "
                  f"{args.workers} gunicorn workers, SQLite in WAL")  # fmt: skip
            free = hammer(args.port, offer_ids, args.clients, args.seconds)
            report("no other writer", *free)
            importer = sqlite3.connect(instance / "traderow.sqlite", isolation_level=None)
            importer.execute("BEGIN IMMEDIATE")
            try:
                locked = hammer(args.port, offer_ids, args.clients, args.seconds)
            finally:
                importer.rollback()
                importer.close()
            report("write lock held throughout", *locked)
        finally:
            server.terminate()
            server.wait()

        spooled = sum(1 for _ in (instance / "click-spool" / "new").glob("*.json"))
        with app.app_context(), database(app).session() as session:
            late = record_spooled_clicks(session, app.config)
            recorded = session.scalar(select(func.count()).select_from(ClickOut))
        redirects = free[0][302] + locked[0][302]
        print(f"spooled while locked: {spooled}; recorded late by the worker's pass: {late}")
        print(f"clicks in the database: {recorded} of {redirects} redirects")


if __name__ == "__main__":
    main()
