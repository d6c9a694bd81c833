"""Time the worker's alert check after a re-import, against many alerts and saved searches.

    .venv/bin/python bench/alerts.py     # 100,000 offers, 6,000 changed, 100,000 alerts, 10,000 searches
    .venv/bin/python bench/alerts.py --offers 20000 --changed 1200 --alerts 20000 --searches 2000

A temporary SQLite database (migrated to head) gets ``--offers`` offers of one supplier, one
product each, with a price history row apiece, ``--alerts`` product alerts (target, drop,
stock and lowest-in-30-days, a quarter each, on random products, owned by signed-in users)
and ``--searches`` saved searches (one or two words of the titles' vocabulary and a model
series, half with a price ceiling, a fifth limited to the supplier). A child process builds it; it then exits,
so the numbers below are those of a process that only does the check, as the worker does.

The re-import is then written as ``imports/write.py`` writes one: ``--changed`` offers get a
new price (two thirds cheaper by 3-30 %, the rest dearer) in ``offers`` and a history row
each, inside a succeeded import run. The bench times the alert pass on that run (every alert
evaluated against the changed offers only), then the pass an hour later that fires the hits
and queues the digests, and prints the peak RSS of the process. It asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import multiprocessing
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

WORDS = [
    "дриль",
    "шуруповерт",
    "пила",
    "болгарка",
    "перфоратор",
    "лобзик",
    "рубанок",
    "фрезер",
    "степлер",
    "ключ",
    "викрутка",
    "молоток",
    "рівень",
    "drill",
    "saw",
    "grinder",
    "hammer",
    "jigsaw",
    "planer",
    "router",
    "stapler",
    "wrench",
    "level",
    "sander",
    "heater",
    "kettle",
    "blender",
    "mixer",
]
BRANDS = ["Bosko", "Makito", "DeWolt", "Stern", "Hartwell", "Orbita"]
KINDS = ["target", "drop", "stock", "lowest"]
CHUNK = 5000


#: Model series: a saved search names a kind of tool and a series, as people do ("drill gsr18"), so each
#: one matches a handful of the catalog's offers rather than a twentieth of it.
SERIES = 500


def _title(rng: random.Random, i: int) -> str:
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(BRANDS)} s{rng.randrange(SERIES)}x {i}"


def _price(i: int) -> Decimal:
    return Decimal(100 + (i * 7919) % 20000)


def build(url: str, args: argparse.Namespace, t0: dt.datetime) -> None:
    """Fill the database: the catalog and its history, owners, alerts and saved searches."""
    from sqlalchemy import create_engine, insert

    from marketplace import schema
    from marketplace.accounts.models import User
    from marketplace.alerts.models import Alert, AlertCheck
    from marketplace.catalog.models import Offer, PriceHistory, Product
    from marketplace.suppliers.models import ImportRun, Supplier

    rng = random.Random(15)
    engine = create_engine(url)
    schema.upgrade(engine)
    with engine.begin() as conn:
        supplier_id = conn.execute(
            insert(Supplier).values(slug="tools-ua", name="Tools UA", store_url="https://tools-ua.example/")
        ).inserted_primary_key[0]
        for start in range(0, args.offers, CHUNK):
            ids = range(start + 1, min(start + CHUNK, args.offers) + 1)
            titles = {i: _title(rng, i) for i in ids}
            conn.execute(insert(Product), [{"id": i, "title": titles[i], "created_at": t0} for i in ids])
            conn.execute(
                insert(Offer),
                [
                    {
                        "id": i, "supplier_id": supplier_id, "supplier_sku": f"SKU-{i}", "product_id": i,
                        "title": titles[i], "brand": titles[i].split()[2], "url": f"https://tools-ua.example/p/{i}",
                        "price": _price(i), "currency": "UAH", "price_base": _price(i), "available": i % 10 != 0,
                        "status": "active", "created_at": t0, "updated_at": t0, "pictures": [], "params": [],
                    }
                    for i in ids
                ],
            )  # fmt: skip
            conn.execute(
                insert(PriceHistory),
                [
                    {
                        "offer_id": i, "product_id": i, "price": _price(i), "currency": "UAH", "price_base": _price(i),
                        "available": i % 10 != 0, "active": True, "recorded_at": t0,
                    }
                    for i in ids
                ],
            )  # fmt: skip
        users = max(1, args.alerts // 5)
        conn.execute(
            insert(User),
            [
                {"id": u, "email": f"u{u}@example.com", "password_hash": "x", "display_name": f"U{u}", "role": "buyer",
                 "active": True, "created_at": t0, "session_version": 1, "locale": ("uk", "ru", "en")[u % 3]}
                for u in range(1, users + 1)
            ],
        )  # fmt: skip
        for start in range(0, args.alerts, CHUNK):
            rows = []
            for n in range(start, min(start + CHUNK, args.alerts)):
                product = rng.randint(1, args.offers)
                kind = KINDS[n % 4]
                price = _price(product) if product % 10 else None
                rows.append(
                    {
                        "user_id": 1 + n % users, "confirmed_at": t0, "kind": kind, "product_id": product,
                        "target_price": _price(product) * Decimal("0.9") if kind == "target" else None,
                        "drop_percent": Decimal(5) if kind == "drop" else None,
                        "days": 30 if kind == "lowest" else None, "label": f"product {product}",
                        "reference_price": price, "last_price": price, "active": True, "created_at": t0,
                    }
                )  # fmt: skip
            conn.execute(insert(Alert), rows)
        searches = []
        for n in range(args.searches):
            words = " ".join([*rng.sample(WORDS, rng.choice((1, 1, 2))), f"s{rng.randrange(SERIES)}x"])
            search = {
                "text": words,
                "min_price_minor": None,
                "max_price_minor": rng.randint(20, 200) * 10000 if n % 2 else None,
                "suppliers": ["tools-ua"] if n % 5 == 0 else [],
                "category_id": None, "brands": [], "in_stock": True if n % 3 == 0 else None,
                "conditions": [], "by_product": True,
            }  # fmt: skip
            searches.append(
                {"user_id": 1 + n % users, "confirmed_at": t0, "kind": "search", "label": words,
                 "query": {"args": {"q": [words]}, "search": search}, "active": True, "created_at": t0}
            )  # fmt: skip
        for start in range(0, len(searches), CHUNK):
            conn.execute(insert(Alert), searches[start : start + CHUNK])
        # The first import, already checked: the alerts were set after it.
        first = conn.execute(
            insert(ImportRun).values(
                supplier_id=supplier_id,
                filename="tools.csv",
                status="succeeded",
                started_at=t0,
                finished_at=t0,
                created_at=t0,
                report={},
            )
        ).inserted_primary_key[0]
        conn.execute(insert(AlertCheck).values(import_run_id=first, hits=0, checked_at=t0))
    engine.dispose()


def reimport(url: str, args: argparse.Namespace, t1: dt.datetime) -> int:
    """Write a re-import that changed ``--changed`` offers, as the import pipeline writes it; return its run id."""
    from sqlalchemy import bindparam, create_engine, insert, update

    from marketplace.catalog.models import Offer, PriceHistory
    from marketplace.suppliers.models import ImportRun

    rng = random.Random(16)
    changed = sorted(rng.sample(range(1, args.offers + 1), args.changed))
    engine = create_engine(url)
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(ImportRun).values(
                supplier_id=1,
                filename="tools.csv",
                status="succeeded",
                started_at=t1,
                created_at=t1,
                report={},
                rows_read=args.offers,
                updated=args.changed,
                unchanged=args.offers - args.changed,
            )
        ).inserted_primary_key[0]
        rows = []
        for n, i in enumerate(changed):
            factor = Decimal(100 - rng.randint(3, 30)) / 100 if n % 3 else Decimal("1.1")
            rows.append({"oid": i, "new": (_price(i) * factor).quantize(Decimal("0.01")), "avail": True})
        conn.execute(
            update(Offer)
            .where(Offer.id == bindparam("oid"))
            .values(price=bindparam("new"), price_base=bindparam("new"), available=bindparam("avail"), updated_at=t1),
            rows,
        )
        conn.execute(
            insert(PriceHistory),
            [
                {"offer_id": r["oid"], "product_id": r["oid"], "price": r["new"], "currency": "UAH",
                 "price_base": r["new"], "available": True, "active": True, "recorded_at": t1}
                for r in rows
            ],
        )  # fmt: skip
        conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(finished_at=t1 + dt.timedelta(seconds=1)))
    engine.dispose()
    return run_id


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=6_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="print the check's 25 costliest functions")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="alerts-bench-") as work:
        url = f"sqlite:///{os.path.join(work, 'bench.sqlite')}"
        t0 = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        started = time.perf_counter()
        context = multiprocessing.get_context("spawn")
        child = context.Process(target=build, args=(url, args, t0))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"building the database failed ({child.exitcode})")
        print(
            f"built {args.offers} offers, {args.alerts} alerts, {args.searches} saved searches "
            f"in {time.perf_counter() - started:.1f} s"
        )
        t1 = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        reimport(url, args, t1)

        from marketplace import create_app
        from marketplace.alerts.jobs import check_import, fire_held_hits, pending_runs, queue_digests
        from marketplace.config import in_folder
        from marketplace.db import database

        config: dict[str, Any] = {"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, **in_folder(work)}
        app = create_app(config)
        with app.app_context():
            session = database(app).session()
            rss_before = _peak_rss_mb()
            started, cpu_started = time.perf_counter(), time.process_time()
            hits = 0
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            for run in pending_runs(session):
                hits += check_import(session, run, now=t1)
            session.commit()
            check_seconds, check_cpu = time.perf_counter() - started, time.process_time() - cpu_started
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            rss_check = _peak_rss_mb()
            started = time.perf_counter()
            fired, dropped = fire_held_hits(
                session, now=t1 + dt.timedelta(hours=1, minutes=1), hold=dt.timedelta(hours=1)
            )
            session.commit()
            digests = queue_digests(session, now=t1 + dt.timedelta(hours=1, minutes=1), every=dt.timedelta(days=1))
            session.commit()
            fire_seconds = time.perf_counter() - started
            session.close()
    load = os.getloadavg()
    print(
        f"check: {args.changed} changed offers against {args.alerts} alerts and {args.searches} saved searches "
        f"in {check_seconds:.2f} s ({check_cpu:.2f} s of CPU: on a busy machine the wall clock counts others' work"
        f" too), {hits} hits (target < 10 s)"
    )
    print(f"fire + digest an hour later: {fired} fired, {dropped} dropped, {digests} digests in {fire_seconds:.2f} s")
    print(
        f"peak RSS: {_peak_rss_mb():.0f} MB (after the check {rss_check:.0f} MB, before it {rss_before:.0f} MB; "
        f"target < 300 MB); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
