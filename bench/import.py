"""Measure a supplier import end to end against building the Whoosh index alone.

Generates a realistic YML feed of N offers (default 100k), then in one run measures:

  (a) building a Whoosh index alone for the same documents (``SearchIndex.rebuild``);
  (b) a first import end to end: parse, database, index (the worker's path);
  (c) a re-import with 5 % of the prices changed and 1 % of the offers removed,
      checking that only those offers were touched in the database and the index;

and prints per-phase times and the peak RSS of this process and of its children (the
index build uses two writer processes).

    .venv/bin/python bench/import.py            # 100k offers
    .venv/bin/python bench/import.py --n 1000000 --no-index   # the memory check at 1M

Targets (issue 3): first import <= 1.3 x index alone; re-import < 10 % of the first import;
peak RSS < 500 MB at 1M offers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from marketplace import create_app, schema
from marketplace.db import database, make_engine
from marketplace.search.index_runtime import get_index
from marketplace.search.models import IndexChange
from marketplace.suppliers.importing import ImportOptions, import_feed
from marketplace.suppliers.services import add_supplier
from marketplace.worker import update_index
from search_index import OfferDocument, SearchIndex
from supplier_feeds import FeedOffer, parse_feed

BRANDS = ["Hartwell", "Fiskars", "Gardena", "Bosch", "Makita", "Tefal", "Philips", "Samsung", "Xiaomi", "Stanley"]
NOUNS = [
    ("Сковорода", "frying pan"),
    ("Секатор", "pruner"),
    ("Дриль", "drill"),
    ("Чайник", "kettle"),
    ("Лопата", "shovel"),
    ("Пилка", "saw"),
    ("Ліхтар", "flashlight"),
    ("Шланг", "garden hose"),
]
WORDS = [
    "сталь",
    "алюміній",
    "чорний",
    "білий",
    "професійний",
    "компактний",
    "легкий",
    "міцний",
    "steel",
    "black",
    "pro",
    "compact",
]


def offer_xml(i: int, price: int) -> str:
    rnd = random.Random(i)  # the same words for the same offer in every feed
    brand = BRANDS[i % len(BRANDS)]
    uk, en = NOUNS[i % len(NOUNS)]
    words = " ".join(rnd.sample(WORDS, 3))
    model = f"{brand[:2].upper()}-{i:07d}"
    gtin = f"<barcode>{4820000000000 + i}</barcode>" if i % 3 == 0 else ""
    return (
        f'<offer id="SKU{i}" available="{"true" if i % 11 else "false"}">'
        f"<url>https://shop.example/p/{i}</url><price>{price}</price><currencyId>UAH</currencyId>"
        f"<categoryId>{1 + i % 40}</categoryId><picture>https://shop.example/img/{i}.jpg</picture>"
        f"<vendor>{brand}</vendor><vendorCode>{model}</vendorCode>{gtin}"
        f"<name>{uk} {brand} {model} {words}</name><name_ua>{uk} {brand} {model}</name_ua>"
        f"<description>{en} by {brand}, {words}. Model {model}; a reliable choice for home and garden.</description>"
        f'<param name="Вага" unit="кг">{1 + i % 9}.{i % 10}</param><param name="Колір">{words.split()[0]}</param>'
        "</offer>\n"
    )


def price_of(i: int, *, changed: bool = False) -> int:
    """The offer's price, derived from its number (no tables: the bench must not weigh on RSS)."""
    return 100 + (i * 7919) % 50_000 + (7 if changed else 0)


def is_changed(i: int) -> bool:
    """5 % of the offers get a new price in the second feed."""
    return i % 20 == 0


def is_removed(i: int) -> bool:
    """1 % of the offers are gone from the second feed (never one that changed)."""
    return i % 100 == 1


def write_feed(path: Path, n: int, *, second: bool) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<yml_catalog date="2026-11-20 10:00"><shop>')
        fh.write("<name>Bench shop</name><company>Bench</company><url>https://shop.example/</url>")
        fh.write('<currencies><currency id="UAH" rate="1"/></currencies><categories>')
        for c in range(1, 41):
            fh.write(f'<category id="{c}">Category {c}</category>')
        fh.write("</categories><offers>\n")
        for i in range(n):
            if second and is_removed(i):
                continue
            fh.write(offer_xml(i, price_of(i, changed=second and is_changed(i))))
        fh.write("</offers></shop></yml_catalog>\n")


def index_alone(path: Path, root: Path, queue: Any) -> None:
    """Build the index for the feed's documents in a child process; report time and peak RSS."""
    docs = list(documents_from_feed(path))
    start = time.perf_counter()
    SearchIndex(root).rebuild(docs)
    elapsed = time.perf_counter() - start
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def documents_from_feed(path: Path) -> Iterator[OfferDocument]:
    """The same documents the import indexes, built straight from the parsed feed."""
    for number, item in enumerate((x for x in parse_feed(str(path)) if isinstance(x, FeedOffer)), 1):
        title = f"{item.title} {item.title_uk}" if item.title_uk else item.title
        yield OfferDocument(
            offer_id=number,
            product_id=number,
            supplier="bench",
            title=title,
            brand=item.brand or "",
            model=item.model or "",
            mpn=item.mpn or "",
            gtin=item.gtin or "",
            description=item.description or "",
            params="; ".join(f"{k} {v}" for k, v in item.params),
            price_minor=int((item.price or Decimal(0)) * 100),
            in_stock=item.available,
        )


def rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {elapsed:8.1f} s", flush=True)
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="offers in the feed")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in the work folder")
    parser.add_argument("--workdir", default=None, help="default: a temporary folder, deleted afterwards")
    parser.add_argument("--no-index", action="store_true", help="skip the index (for the memory check at 1M)")
    args = parser.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="traderow-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    n = args.n
    first_feed, second_feed = work / "first.yml", work / "second.yml"
    write_feed(first_feed, n, second=False)
    write_feed(second_feed, n, second=True)
    changed = sum(1 for i in range(n) if is_changed(i))
    removed = sum(1 for i in range(n) if is_removed(i))
    print(f"{n} offers; feed {first_feed.stat().st_size / 1e6:.0f} MB; work folder {work}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    alone = None
    if not args.no_index:
        print("(a) Whoosh index alone (in a child process, so that its documents do not count here)")
        results: Any = multiprocessing.get_context("fork").Queue()
        child = multiprocessing.get_context("fork").Process(
            target=index_alone, args=(first_feed, work / "index-alone", results)
        )
        child.start()
        alone, alone_rss = results.get()
        child.join()
        print(f"  SearchIndex.rebuild                {alone:8.1f} s  (that process peaked at {alone_rss:.0f} MB)")

    url = args.database_url or "sqlite:///" + str(work / "bench.sqlite")
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(work / "instance"),
            "INDEX_PATH": str(work / "index"),
            "UPLOAD_PATH": str(work / "uploads"),
        }
    )
    threshold = int(app.config["INDEX_REBUILD_THRESHOLD"])
    with app.app_context():
        session = database(app).session()
        supplier = add_supplier(session, "bench", name="Bench", store_url="https://shop.example/")
        session.commit()

        print("parse alone (for the phase split)")
        _, parse_time = timed("parse_feed", lambda: sum(1 for _ in parse_feed(str(first_feed))))

        def run_import(path: Path, label: str) -> float:
            def go():  # type: ignore[no-untyped-def]
                with open(path, "rb") as fh:
                    run = import_feed(
                        session,
                        supplier,
                        fh,
                        filename=path.name,
                        base_currency="UAH",
                        rates={},
                        options=ImportOptions(),
                    )
                session.commit()
                return run

            queued_before = session.scalar(select(func.count()).select_from(IndexChange)) or 0
            run, db_time = timed(f"{label}: parse + database", go)
            pending = (session.scalar(select(func.count()).select_from(IndexChange)) or 0) - queued_before
            index_time = 0.0
            if not args.no_index:
                _, index_time = timed(
                    f"{label}: index ({pending} queued)", update_index, session, get_index(app), threshold
                )
            total = db_time + index_time
            print(
                f"  -> {run.status}: {run.created} new, {run.updated} changed, {run.unchanged} unchanged, "
                f"{run.withdrawn} withdrawn; {pending} offers queued for the index; total {total:.1f} s"
            )
            run_import.last = run, pending  # type: ignore[attr-defined]
            return total

        print("(b) first import")
        first = run_import(first_feed, "first")
        print("(c) re-import: 5 % prices changed, 1 % removed")
        second = run_import(second_feed, "re-import")
        run, pending = run_import.last  # type: ignore[attr-defined]
        expected = changed + removed
        touched = run.updated + run.withdrawn
        print(f"  offers touched: {touched} (expected {expected}: {changed} repriced, {removed} removed)")
        assert run.updated == changed and run.withdrawn == removed, "more offers were touched than changed"
        assert pending == expected, "the index was asked to update unchanged offers"
        session.close()
    database(app).dispose()

    own, children = rss_mb()
    print("summary")
    print(f"  parse alone                        {parse_time:8.1f} s")
    if alone is not None:
        print(f"  index alone                        {alone:8.1f} s")
        print(
            f"  first import end to end            {first:8.1f} s  = {first / alone:.2f} x index alone (target <= 1.3)"
        )
    else:
        print(f"  first import (no index)            {first:8.1f} s")
    print(
        f"  re-import end to end               {second:8.1f} s  = {100 * second / first:.1f} %"
        " of the first (target < 10)"
    )
    print(f"  peak RSS of the import (this process): {own:.0f} MB (target < 500 MB at 1M)")
    print(f"  peak RSS of the largest child (index-alone process or a Whoosh writer): {children:.0f} MB")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
