"""Whoosh and PostgreSQL side by side, in one run, at the same size (issue 17, target 2).

    .venv/bin/python bench/engines.py                        # 100,000 offers, both engines
    .venv/bin/python bench/engines.py --offers 1000000
    .venv/bin/python bench/engines.py --engines postgres     # one of them only

For each engine in turn (``TRADEROW_SEARCH_BACKEND=whoosh|postgres``), on PostgreSQL databases
of its own that the bench creates on ``--server`` (``bench_engines_<engine>_<offers>_import`` and
``..._search``) and empties first, it measures:

1. **Import**: ``bench/import.py``'s generated YML price list of ``--offers`` offers imported through
   the real pipeline in a fresh process (``import_feed`` and its commit, then the worker's step
   ``update_index``), index included. On Whoosh the index is the worker's build (a rebuild with two
   writer processes, as a first import queues every offer); on PostgreSQL the engine writes the
   index in the import's own transaction and the worker's step has nothing to do. Then the
   **re-import** of the same list with 5 % of the prices changed and 1 % of the offers removed, and
   whether the index then holds exactly the catalog's active offers.
2. **Search**: ``bench/search.py``'s catalog of ``--offers`` offers (60 suppliers, three languages)
   written to the database and indexed by ``rebuild_index`` (the "index build" column), the
   **index size** (Whoosh: the index folder's bytes; PostgreSQL: ``pg_total_relation_size`` of
   the search schema's tables, their indexes and TOAST), the engine's ``search`` in-process and the
   API (``GET /api/v1/search``) one request at a time over ``bench/search.py``'s query mix
   (facets included; both warm, p50 / p95 / p99), and the search page's requests/s under
   ``bench/search.py``'s load (``--connections`` for ``--seconds``) from gunicorn ``--workers``.

The two engines run one after the other, never at once, on the same machine; the catalog
database is PostgreSQL for both (``--whoosh-database sqlite`` puts Whoosh's on SQLite, its
embedded default), so what differs is the search engine. The load average is printed at the
start and after each engine: the machine is shared, and its noise (±20 %) is in every figure.

It prints numbers (and writes them as JSON to the work folder); it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import logging
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

search_bench = importlib.import_module("search")  # bench/search.py: the catalog, the mix, gunicorn, timing
import_bench = importlib.import_module("import")  # bench/import.py: the price list and the import run


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def database_url(server: str, name: str) -> str:
    """Create the database ``name`` on ``server`` unless it exists; return its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def measure_import(work: Path, url: str, engine: str, feeds: tuple[Path, Path], offers: int) -> dict[str, Any]:
    """Import the first list then the second, each in a fresh process; return both runs and the index size."""
    from marketplace import create_app
    from marketplace.db import database

    config = import_bench.prepare(work, url, engine, fresh=True)
    first = import_bench._in_child(import_bench.import_run, config, str(feeds[0]), True)
    print(f"[{engine}] first import:")
    import_bench.print_run(first)
    second = import_bench._in_child(import_bench.import_run, config, str(feeds[1]), True)
    print(f"[{engine}] re-import (5 % repriced, 1 % removed):")
    import_bench.print_run(second)
    changed = sum(1 for i in range(offers) if import_bench.is_changed(i))
    removed = sum(1 for i in range(offers) if import_bench.is_removed(i))
    app = create_app(config)
    size = search_bench.index_bytes(app)
    database(app).dispose()
    return {
        "first": first,
        "second": second,
        "touched_as_expected": second["updated"] == changed and second["withdrawn"] == removed,
        "index_bytes": size,
    }


def measure_search(work: Path, url: str, engine: str, args: argparse.Namespace) -> dict[str, Any]:
    """Fill and index the search catalog, then time the engine, the API and the page."""
    took = search_bench.fill(work, url, args.offers, not args.reuse, engine)
    app = search_bench._app(work, url, engine)
    size = search_bench.index_bytes(app)
    print(f"[{engine}] index size {mb(size)}")
    mix = search_bench.query_mix(args.offers)
    engine_times = search_bench.engine_pass(work, url, mix, engine)
    engine_all = search_bench.report("engine", engine_times)
    server, base = search_bench.start_server(work, url, args.workers, engine)
    try:
        api_times = search_bench.bench_api(base, mix, args.workers)
        api_all = search_bench.report("api", api_times)
        rate = search_bench.bench_page(base, mix, args.seconds, args.connections)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return {
        "index_build": took.get("index"),
        "index_bytes": size,
        "queries": len(mix),
        "engine": stats(engine_all),
        "api": stats(api_all),
        "api_by_kind": {kind: stats(times) for kind, times in api_times.items()},
        "page_rps": rate,
    }


def stats(samples: list[float]) -> dict[str, float]:
    return {f"p{p}": search_bench.percentile(samples, p) for p in (50, 95, 99)}


def run_engine(engine: str, args: argparse.Namespace, feeds: tuple[Path, Path]) -> dict[str, Any]:
    work = args.workdir / engine
    result: dict[str, Any] = {"engine": engine, "load_before": load_average()}
    if engine == "whoosh" and args.whoosh_database == "sqlite":
        import_url = "sqlite:///" + str(work / "import" / "bench.sqlite")
        search_url = "sqlite:///" + str(work / "search" / "bench.sqlite")
    else:
        prefix = f"bench_engines_{engine}_{args.offers}"
        import_url = database_url(args.server, f"{prefix}_import")
        search_url = database_url(args.server, f"{prefix}_search")
    result["catalog_database"] = import_url.split(":")[0].split("+")[0]
    started = time.monotonic()
    for part, measure in (
        ("import", lambda: measure_import(work / "import", import_url, engine, feeds, args.offers)),
        ("search", lambda: measure_search(work / "search", search_url, engine, args)),
    ):
        if part in args.skip:
            continue
        (work / part).mkdir(parents=True, exist_ok=True)
        print(f"\n== {engine}: {part} (load average {load_average()}) ==", flush=True)
        try:
            result[part] = measure()
        except (Exception, SystemExit) as exc:  # one engine failing must not lose the other's numbers
            traceback.print_exc()
            result[part] = {"failed": f"{type(exc).__name__}: {exc}"[:300]}
    result["load_after"] = load_average()
    result["seconds"] = time.monotonic() - started
    return result


def _ms(figures: dict[str, float] | None) -> str:
    if not figures:
        return "—"
    return " / ".join(f"{figures[p]:.1f}" for p in ("p50", "p95", "p99"))


def table(results: list[dict[str, Any]], offers: int) -> str:
    """Return the results as a Markdown table (and a few lines below it)."""
    lines = [
        f"| {offers:,} offers | first import (parse / database / index) | re-import | index build (rebuild_index) "
        "| index size | engine p50 / p95 / p99 ms | API p50 / p95 / p99 ms | page req/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for r in results:
        imp, sea = r.get("import", {}), r.get("search", {})
        if "first" in imp:
            f, s = imp["first"], imp["second"]
            first = f"{f['total']:.1f} s ({f['parse']:.1f} / {f['database']:.1f} / {f['index']:.1f})"
            again = f"{s['total']:.1f} s ({100 * s['total'] / f['total']:.1f} %)"
            notes.append(
                f"{r['engine']}: after the re-import the index holds {s['index_extra']} offers too many and "
                f"{s['index_missing']} too few; only the changed offers touched: {imp['touched_as_expected']}; "
                f"imported catalog's index {mb(imp['index_bytes'])}"
            )
        else:
            first = again = imp.get("failed", "not measured")
        if "engine" in sea:
            build = f"{sea['index_build']:.0f} s" if sea["index_build"] is not None else "reused"
            cells = [build, mb(sea["index_bytes"]), _ms(sea["engine"]), _ms(sea["api"]), f"{sea['page_rps']:.1f}"]
        else:
            cells = [sea.get("failed", "not measured"), "", "", "", ""]
        lines.append(f"| {r['engine']} | {first} | {again} | " + " | ".join(cells) + " |")
        notes.append(
            f"{r['engine']}: catalog on {r['catalog_database']}; load average {r['load_before']} before, "
            f"{r['load_after']} after; {r['seconds']:.0f} s"
        )
    return "\n".join(lines + [""] + [f"- {note}" for note in notes])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--engines", default="whoosh,postgres", help="comma-separated, in this order")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--whoosh-database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--workdir", type=Path, default=None, help="default: bench/.data/engines-<offers>")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=int, default=20, help="length of the page load test")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reuse", action="store_true", help="keep a search catalog of the same size (no build time)")
    parser.add_argument("--skip", default="", help="'import' or 'search' to leave that part out")
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # each fresh database logs every migration
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if unknown := set(engines) - set(search_bench.BACKENDS):
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    args.skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    args.workdir = (args.workdir or BENCH / ".data" / f"engines-{args.offers}").resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"bench/engines.py: {args.offers} offers, {', '.join(engines)}; {os.cpu_count()} CPUs; {when}; "
          f"load average {load_average()}; work folder {args.workdir}")  # fmt: skip
    feeds = (args.workdir / "first.yml", args.workdir / "second.yml")
    if "import" not in args.skip:
        started = time.perf_counter()
        import_bench.write_feed(feeds[0], args.offers, second=False)
        import_bench.write_feed(feeds[1], args.offers, second=True)
        print(f"price lists: {feeds[0].stat().st_size / 1e6:.0f} MB each, written in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    results = [run_engine(engine, args, feeds) for engine in engines]
    out = args.workdir / f"engines-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M}.json"
    out.write_text(json.dumps({"offers": args.offers, "when": when, "cpus": os.cpu_count(), "results": results}))
    print(f"\nsearch engines side by side, {when}, {os.cpu_count()} CPUs (results in {out}):\n")
    print(table(results, args.offers))


if __name__ == "__main__":
    main()
