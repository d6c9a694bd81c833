"""Measure a supplier import end to end against building the Whoosh index alone.

Generates a realistic YML feed of N offers (default 100k), then measures:

  (b) a first import end to end: parse, database, index (the worker's path);
  (a) building a Whoosh index alone (``SearchIndex.rebuild``) for the same documents:
      those the import indexed, read back from the database before the clock starts;
  (c) a re-import with 5 % of the prices changed and 1 % of the offers removed,
      checking that only those offers were touched in the database and the index.

Each of (a), (b) and (c) runs in a fresh process (multiprocessing "spawn"), so each peak
RSS is that run's own and not the leftovers of the feed generation or of an earlier run.
The machine is noisy (the same index build varies by 10 % and more from run to run):
``--repeat N`` measures all three N times, each time on a fresh database, and prints
each run's figures and their median.
For (b) and (c) the bench prints, per phase:

  parse     time the import spent waiting for the parser's rows. A feed this large is
            parsed in a child process while the import writes the rows before
            (``supplier_feeds.child``), so this is only the part that did not overlap;
  database  the rest of ``import_feed`` and its commit: comparing, writing, grouping;
  index     ``update_index`` (the worker's index step; a rebuild with two writer
            processes when most of the catalog changed, as on a first import).

and the peak RSS of the run's process after the import (parse + database) and after the
index step, its baseline (the app loaded, before the import), and the peak of its own
children (the Whoosh writer processes of a rebuild), and the parser process's peak.

    .venv/bin/python bench/import.py            # 100k offers
    .venv/bin/python bench/import.py --repeat 3  # the same, three times, with medians
    .venv/bin/python bench/import.py --n 1000000 --no-index   # the memory check at 1M

The 1M memory check is the peak RSS of the import process after parse + database, for
the first import and for the re-import (which also holds the set of the feed's ids to
withdraw the missing ones). It includes Python, the app and its libraries (the baseline,
printed), the parser, the SQLAlchemy session and the batch buffers; not the feed
generation, which happens in the parent, nor the index (skipped with --no-index; when
it runs, the "after index" figure adds the index step and the children's figure the
writer processes).

Targets (issue 3): first import <= 1.3 x index alone; re-import < 10 % of the first import;
peak RSS < 500 MB at 1M offers.

``--backend postgres --database-url postgresql+psycopg://...`` (issue 17) runs the import with
``TRADEROW_SEARCH_BACKEND=postgres``: the index is written in the import's own transaction, so
the "database" phase includes it and the "index" phase (the worker's step, which has nothing
to do there) stays near 0; (a) builds the same documents into a schema of its own
(``PostgresSearchIndex.rebuild``), dropped afterwards; and instead of counting queued changes
the bench checks that the index holds exactly the catalog's active offers. ``--fresh`` empties
the database first (a PostgreSQL database is not a new file each run).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from marketplace import create_app, schema
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.changes.models import IndexChange
from marketplace.config import in_folder
from marketplace.db import analyze_changed, database, make_engine
from marketplace.imports.jobs import WRITTEN_TABLES
from marketplace.imports.options import ImportOptions
from marketplace.imports.run import import_feed
from marketplace.search.index_runtime import get_index
from marketplace.search.indexer import _Categories, offer_document, offer_rows
from marketplace.search.jobs import update_index
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import add_supplier
from search_index import SearchIndex
from supplier_feeds.child import start_parser_server

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(1, str(BENCH))
import search as search_bench  # noqa: E402 - bench/search.py: the backends, emptying a database

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


#: bench (a) on PostgreSQL builds its index in this schema of the bench's database, then drops it.
ALONE_SCHEMA = "bench_index_alone"


def index_alone(config: dict[str, Any], root: str) -> tuple[float, float]:
    """Build an index of the documents the first import indexed; return its time and peak RSS.

    The documents are read from the database first, untimed, exactly as the import's
    rebuild makes them (``offer_rows`` and ``offer_document``); then only
    ``SearchIndex.rebuild`` (or ``PostgresSearchIndex.rebuild`` in a schema of its own) is timed.
    """
    app = create_app(config)
    with app.app_context():
        session = database(app).session()
        categories = _Categories(session)
        docs = [offer_document(row, categories) for row in offer_rows(session, Offer.status == OfferStatus.ACTIVE)]
        session.close()
    database(app).dispose()
    if config.get("SEARCH_BACKEND", "whoosh") == "whoosh":
        start = time.perf_counter()
        SearchIndex(Path(root)).rebuild(docs)
        elapsed = time.perf_counter() - start
        return elapsed, peak_rss_mb()
    import search_index

    engine = make_engine(config["DATABASE_URL"])
    search_bench.drop_search_schema(config["DATABASE_URL"], ALONE_SCHEMA)
    index = search_index.PostgresSearchIndex(engine, schema=ALONE_SCHEMA)
    index.ensure()
    start = time.perf_counter()
    index.rebuild(docs)
    elapsed = time.perf_counter() - start
    index.close()
    engine.dispose()
    search_bench.drop_search_schema(config["DATABASE_URL"], ALONE_SCHEMA)
    return elapsed, peak_rss_mb()


def peak_rss_mb() -> float:
    """Return this process's peak RSS so far, in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def current_rss_mb() -> float:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


class _ParserPeak:
    """Follow the parser process's peak RSS (VmHWM) while it runs.

    It is forked from the fork server, not from this process, so RUSAGE_CHILDREN does not
    count it: a thread reads its /proc status every 50 ms instead.
    """

    def __init__(self) -> None:
        self.mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            for child in multiprocessing.active_children():
                if child.name == "feed-parser" and child.pid is not None:
                    self.mb = max(self.mb, _vm_hwm_mb(child.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.mb


def _vm_hwm_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _TimedParse:
    """Wrap the parse stage (``imports.run.parse``) so that the time spent waiting for the parser is summed."""

    def __init__(self, parse: Any) -> None:
        self.parse = parse
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        items = self.parse(*args, **kwargs)
        while True:
            start = time.perf_counter()
            try:
                item = next(items)
            except StopIteration:
                self.seconds += time.perf_counter() - start
                return
            self.seconds += time.perf_counter() - start
            yield item


def import_run(config: dict[str, Any], feed: str, with_index: bool) -> dict[str, Any]:
    """Import ``feed`` in this (fresh) process and return times, counts and peak RSS."""
    from marketplace.imports import run

    timed_parse = _TimedParse(run.parse)
    # A bench, not a test: the import calls the parser through this module-level name.
    run.parse = timed_parse
    app = create_app(config)
    threshold = int(app.config["INDEX_REBUILD_THRESHOLD"])
    start_parser_server()  # as the worker does when it starts
    with app.app_context():
        session = database(app).session()
        supplier = session.scalar(select(Supplier).where(Supplier.slug == "bench"))
        assert supplier is not None
        baseline = current_rss_mb()
        queued_before = session.scalar(select(func.count()).select_from(IndexChange)) or 0
        parser = _ParserPeak()
        start = time.perf_counter()
        with open(feed, "rb") as fh:
            run = import_feed(
                session, supplier, fh, filename=Path(feed).name, base_currency="UAH", rates={}, options=ImportOptions()
            )
        session.commit()
        import_seconds = time.perf_counter() - start
        # As the worker does after its commit (not timed: autovacuum would do the same a minute later).
        analyze_changed(session.connection(), WRITTEN_TABLES, run.created + run.updated + run.withdrawn)
        session.commit()
        after_import = peak_rss_mb()
        parser_peak = parser.stop()
        pending = (session.scalar(select(func.count()).select_from(IndexChange)) or 0) - queued_before
        index_seconds = 0.0
        if with_index:
            start = time.perf_counter()
            update_index(session, get_index(app), threshold)
            index_seconds = time.perf_counter() - start
        active = set(session.scalars(select(Offer.id).where(Offer.status == OfferStatus.ACTIVE)))
        in_index = get_index(app).offer_ids() if with_index else active
        result = {
            "status": str(run.status),
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "withdrawn": run.withdrawn,
            "pending": pending,
            "parse": timed_parse.seconds,
            "database": import_seconds - timed_parse.seconds,
            "index": index_seconds,
            "baseline_mb": baseline,
            "peak_after_import_mb": after_import,
            "peak_after_index_mb": peak_rss_mb(),
            "total": timed_parse.seconds + (import_seconds - timed_parse.seconds) + index_seconds,
            "parser_peak_mb": parser_peak,
            "children_peak_mb": children_peak_rss_mb(),
            "engine": getattr(get_index(app), "engine", "whoosh"),
            # Offers the index holds but the catalog does not (or not active), and the reverse.
            "index_extra": len(in_index - active),
            "index_missing": len(active - in_index),
        }
        session.close()
    database(app).dispose()
    return result


def _in_child(target: Any, *args: Any) -> Any:
    """Run ``target(*args)`` in a fresh interpreter and return its result.

    A plain process, not a Pool worker: pool workers are daemonic, and a daemonic process
    may not start the two Whoosh writer processes that a large rebuild uses.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_send_result, args=(send, target, args))
    child.start()
    send.close()
    try:
        ok, value = receive.recv()
    except EOFError:
        ok, value = False, RuntimeError(f"the child process died (exit code {child.exitcode})")
    child.join()
    if not ok:
        raise value
    return value


def _send_result(send: Any, target: Any, args: tuple[Any, ...]) -> None:
    try:
        send.send((True, target(*args)))
    except BaseException as exc:  # reported to the parent, which raises it
        send.send((False, exc))
    finally:
        send.close()


def print_run(r: dict[str, Any]) -> None:
    total = r["total"]
    print(f"  parse                              {r['parse']:8.1f} s")
    print(f"  database                           {r['database']:8.1f} s")
    print(f"  index ({r['pending']} queued){'':<{max(0, 19 - len(str(r['pending'])))}}{r['index']:8.1f} s")
    print(
        f"  -> {r['status']}: {r['created']} new, {r['updated']} changed, {r['unchanged']} unchanged, "
        f"{r['withdrawn']} withdrawn; total {total:.1f} s"
    )
    print(
        f"  peak RSS: {r['peak_after_import_mb']:.0f} MB after parse + database "
        f"(baseline {r['baseline_mb']:.0f} MB with the app loaded; {_parser(r)}), "
        f"{r['peak_after_index_mb']:.0f} MB after the index; its writer processes peaked at "
        f"{r['children_peak_mb']:.0f} MB"
    )


def prepare(work: Path, url: str, backend: str = "whoosh", fresh: bool = False) -> dict[str, Any]:
    """Make the bench's database (emptied first if ``fresh``) with its supplier; return the app's config."""
    work.mkdir(parents=True, exist_ok=True)
    if fresh:
        shutil.rmtree(work / "index", ignore_errors=True)
        search_bench.empty_database(url)
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    config = {"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, **in_folder(work)}
    if backend != "whoosh":
        config["SEARCH_BACKEND"] = backend
    app = create_app(config)
    search_bench.check_backend(app, backend)
    with app.app_context():
        session = database(app).session()
        add_supplier(session, "bench", name="Bench", store_url="https://shop.example/")
        session.commit()
        session.close()
    database(app).dispose()
    return config


def measure(work: Path, args: argparse.Namespace, first_feed: Path, second_feed: Path) -> dict[str, Any]:
    """Run (b) the first import, (a) the index alone for its documents and (c) the re-import."""
    url = args.database_url or "sqlite:///" + str(work / "bench.sqlite")
    config = prepare(work, url, args.backend, args.fresh)

    print("(b) first import (in a fresh process)")
    first = _in_child(import_run, config, str(first_feed), not args.no_index)
    print_run(first)
    alone = None
    if not (args.no_index or args.no_alone):
        print(f"(a) the {args.backend} index alone, for the documents the import indexed (in a fresh process)")
        alone, alone_rss = _in_child(index_alone, config, str(work / "index-alone"))
        print(f"  rebuild                            {alone:8.1f} s  (that process peaked at {alone_rss:.0f} MB)")
    print("(c) re-import: 5 % prices changed, 1 % removed (in a fresh process)")
    second = _in_child(import_run, config, str(second_feed), not args.no_index)
    print_run(second)
    return {"first": first, "second": second, "alone": alone}


def _parser(r: dict[str, Any]) -> str:
    peak = r["parser_peak_mb"]
    return f"the parser process {peak:.0f} MB" if peak else "parsed in this process"


def _figures(values: list[float], digits: int = 1) -> str:
    text = " / ".join(f"{v:.{digits}f}" for v in values)
    return text if len(values) == 1 else f"{text}, median {statistics.median(values):.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="offers in the feed")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in the work folder")
    parser.add_argument("--workdir", default=None, help="default: a temporary folder, deleted afterwards")
    parser.add_argument("--no-index", action="store_true", help="skip the index (for the memory check at 1M)")
    parser.add_argument(
        "--no-alone", action="store_true", help="skip (a), the index alone (on PostgreSQL the import writes the index)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="measure this many times (the machine is noisy)")
    parser.add_argument("--backend", choices=search_bench.BACKENDS, default="whoosh", help="the search engine")
    parser.add_argument("--fresh", action="store_true", help="empty the database first (each run, with --repeat)")
    args = parser.parse_args()
    if args.backend != "whoosh" and not (args.database_url or "").startswith("postgresql"):
        parser.error(f"--backend {args.backend} needs --database-url to a PostgreSQL database")
    if args.repeat > 1 and args.database_url:
        args.fresh = True  # every run starts on an empty database, as it does on a new SQLite file

    work = Path(args.workdir or tempfile.mkdtemp(prefix="traderow-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    n = args.n
    first_feed, second_feed = work / "first.yml", work / "second.yml"
    write_feed(first_feed, n, second=False)
    write_feed(second_feed, n, second=True)
    changed = sum(1 for i in range(n) if is_changed(i))
    removed = sum(1 for i in range(n) if is_removed(i))
    print(f"{n} offers; feed {first_feed.stat().st_size / 1e6:.0f} MB; work folder {work}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; search engine: {args.backend}")

    runs = []
    for number in range(1, args.repeat + 1):
        if args.repeat > 1:
            print(f"run {number} of {args.repeat}")
        runs.append(measure(work / f"run-{number}", args, first_feed, second_feed))
        expected = changed + removed
        second_run = runs[-1]["second"]
        touched = second_run["updated"] + second_run["withdrawn"]
        print(f"  offers touched: {touched} (expected {expected}: {changed} repriced, {removed} removed)")
        assert second_run["updated"] == changed and second_run["withdrawn"] == removed, "more offers were touched"
        if args.backend == "whoosh":
            assert second_run["pending"] == expected, "the index was asked to update unchanged offers"
        if not args.no_index:
            # The engine writes in the import's transaction on PostgreSQL: no queue to count, so
            # the bench compares the index with the catalog instead (on both engines).
            for label in ("first", "second"):
                r = runs[-1][label]
                print(f"  index after the {label} import: {r['index_extra']} offers too many, "
                      f"{r['index_missing']} missing ({r['engine']})")  # fmt: skip

    print("summary" + (" (each figure: the runs in order, then their median)" if len(runs) > 1 else ""))
    print("  phase                  first import    re-import")
    for phase in ("parse", "database", "index", "total"):
        first = _figures([r["first"][phase] for r in runs])
        again = _figures([r["second"][phase] for r in runs])
        print(f"  {phase:<22} {first} s | {again} s")
    if not (args.no_index or args.no_alone):
        print(f"  index alone            {_figures([r['alone'] for r in runs])} s")
        ratios = [r["first"]["total"] / r["alone"] for r in runs]
        print(f"  first import end to end = {_figures(ratios, 2)} x index alone (target <= 1.3)")
    shares = [100 * r["second"]["total"] / r["first"]["total"] for r in runs]
    print(f"  re-import = {_figures(shares)} % of the first import (target < 10)")
    for label, key in (("first import", "first"), ("re-import", "second")):
        r = runs[-1][key]
        print(
            f"  peak RSS, {label}: {r['peak_after_import_mb']:.0f} MB after parse + database "
            f"(target < 500 MB at 1M; {_parser(r)}), "
            f"{r['peak_after_index_mb']:.0f} MB with the index"
        )
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
