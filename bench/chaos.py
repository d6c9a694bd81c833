"""Kill processes at random moments and load the site during imports; count what survives.

    .venv/bin/python bench/chaos.py                       # every scenario, short (a few minutes)
    .venv/bin/python bench/chaos.py --scenario a --kills 20 --rebuild-kills 10   # the worker's full counts
    .venv/bin/python bench/chaos.py --scenario b --database-url postgresql+psycopg://postgres@127.0.0.1:5432/chaos
    .venv/bin/python bench/chaos.py --backend both --scenario k,b --kills 20 --imports 2 --clients 50 \
        --pages search --min-seconds 60 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_chaos
                                                          # issue 17's targets, on each engine in turn

``--backend whoosh|postgres|both`` (issue 17) runs the scenarios on that search engine
(``TRADEROW_SEARCH_BACKEND``; postgres needs ``--database-url`` to PostgreSQL), ``both`` on
each in turn, on a fresh catalog each time, and prints the counts for each.

Scenario A: a real ``traderow worker`` (a subprocess) on a temporary instance of generated
offers (``bench/search.py``'s generator) is killed with SIGKILL ``--kills`` times. Before each
kill the bench commits catalog changes: for ``--rebuild-kills`` of the kills every offer is
queued, so the worker rebuilds the index (``TRADEROW_INDEX_REBUILD_THRESHOLD`` is lowered)
and is killed at a random moment after it logs "rebuilding instead of updating"; for the
others a few thousand offers change (an update with two writer processes) and it is killed
at a random moment. Each time one offer also gets a new model code. A new worker is then
started, and the bench counts:

  * processes of the killed worker (its fork server and the index's writer processes) still
    alive ``--patience`` seconds after the kill;
  * whether the index caught up within ``--catch-up`` seconds: no change queued, the new
    model code finds its offer, and ``traderow index check`` exits 0.

Scenario B: the site is served by gunicorn (as ``bench/search.py`` does) with a worker
beside it, and ``--clients`` threads request ``/search``, ``/products/<id>`` and
``/go/<offer_id>`` (redirects not followed) while ``traderow feeds import`` imports a new
price list and the worker indexes it; every answer that is not 2xx or 3xx, and every
request that fails or times out, is an error.

With ``--imports 2`` two suppliers import a price list at the same time; ``--pages search``
sends only searches (issue 17: "two imports beside 50 concurrent searchers for 60 s"), and
``--min-seconds`` keeps the load on at least that long.

Scenario K (issue 17, both engines): a process is killed with SIGKILL at a random moment,
``--kills`` times, the target taking turns: **an import** (``traderow feeds import`` of a price
list of ``--import-offers`` offers, which on Whoosh also applies the index changes after its
commit, and on PostgreSQL writes the index in its transaction), **a rebuild** (``traderow index
rebuild``) and **a web process** (a gunicorn worker serving searches under load). The moment is
uniform over the target's own duration, measured once beforehand without a kill. Then the
killed process is started again as an operator would (the import and the rebuild run again to
the end; gunicorn's master starts a new worker by itself), a ``traderow worker`` running beside
throughout as in production, and the bench counts, for each kill:

  * ``traderow index check`` exit 0 right after the kill (once the worker drained the queue)
    and again after the restart: the index holds exactly the catalog's active offers, current;
  * the catalog: after the restarted import the supplier's active offers are exactly the
    price list's; the restarted process exits 0; the site answers a search after a web kill;
  * processes of the killed one still alive ``--patience`` seconds later.

Scenario A needs the worker to write the index, so it runs on Whoosh only.

Only loopback traffic; every loop is bounded. It prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

search_bench = importlib.import_module("search")  # bench/search.py: offers, filling, gunicorn
import_bench = importlib.import_module("import")  # bench/import.py: a YML price list

REBUILD_LINE = "rebuilding instead of updating"
#: Scenario K's kill targets, in turn.
TARGETS = ("import", "rebuild", "web")


# --- processes ----------------------------------------------------------------------------


#: The search engine of the scenario running now (``--backend``); None: the app's default.
BACKEND: str | None = None


def _env(workdir: Path, database_url: str, **settings: Any) -> dict[str, str]:
    """Return the environment of a ``traderow`` process on the bench's database and folder.

    It runs this checkout's code (``PYTHONPATH``) on the scenario's search engine.
    """
    from marketplace.config import as_environment, in_folder

    config = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "chaos-secret-" + os.urandom(8).hex(),
        "LOG_LEVEL": "INFO",
        **in_folder(workdir),
        **({"SEARCH_BACKEND": BACKEND} if BACKEND else {}),
        **settings,
    }
    return os.environ | as_environment(config) | search_bench.subprocess_environment()


def _traderow() -> str:
    return str(Path(sys.executable).with_name("traderow"))


def start_worker(workdir: Path, database_url: str, log: Path, threshold: int) -> subprocess.Popen[bytes]:
    """Start ``traderow worker``, appending its log to ``log``."""
    env = _env(workdir, database_url, INDEX_REBUILD_THRESHOLD=threshold, INDEX_COMMIT_SECONDS=0)
    with open(log, "ab") as out:
        return subprocess.Popen([_traderow(), "worker", "--interval", "0.2"], env=env, cwd=ROOT, stdout=out, stderr=out)


def descendants(pid: int) -> set[int]:
    """Return every process below ``pid`` (children, their children...), read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rfind(")") + 2 :].split()[1])
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found.add(child)
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    """Say whether ``pid`` runs (a zombie waiting for a reaper does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def wait_until(condition: Callable[[], bool], seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def wait_for_line(log: Path, offset: int, text: str, seconds: float) -> bool:
    """Wait until ``text`` appears in ``log`` after byte ``offset``."""
    return wait_until(lambda: text in log.read_bytes()[offset:].decode("utf-8", "replace"), seconds, step=0.02)


# --- scenario A ----------------------------------------------------------------------------


def make_changes(app: Any, round_no: int, everything: bool, some: int) -> tuple[int, str]:
    """Commit catalog changes and queue them; return the offer given a new model code, and the code."""
    from sqlalchemy import select, update

    from marketplace.catalog.models import Offer, OfferStatus
    from marketplace.changes.outbox import queue_reindex
    from marketplace.db import database, utcnow

    rng = random.Random(round_no)
    with app.app_context():
        session = database(app).session()
        ids = list(session.scalars(select(Offer.id).where(Offer.status == OfferStatus.ACTIVE)))
        chosen = ids if everything else rng.sample(ids, min(some, len(ids)))
        for start in range(0, len(chosen), 1000):
            batch = chosen[start : start + 1000]
            session.execute(
                update(Offer).where(Offer.id.in_(batch)).values(price_base=Offer.price_base + 1, updated_at=utcnow())
            )
        target = rng.choice(chosen)
        code = f"CHAOS{round_no:03d}Q{rng.randint(100, 999)}"
        offer = session.get(Offer, target)
        assert offer is not None
        offer.model = code
        offer.title = f"{offer.title.split(' CHAOS')[0]} {code}"
        offer.updated_at = utcnow()
        queue_reindex(session, chosen)
        session.commit()
        session.close()
    return target, code


def pending(app: Any) -> int:
    from marketplace.changes.outbox import pending_changes
    from marketplace.db import database

    with app.app_context():
        session = database(app).session()
        try:
            return pending_changes(session)
        finally:
            session.close()


def index_check(workdir: Path, database_url: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [_traderow(), "index", "check", "--json"],
        env=_env(workdir, database_url, LOG_LEVEL="WARNING"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        return done.returncode, {"output": done.stdout[-500:], "error": done.stderr[-500:]}


def scenario_a(args: argparse.Namespace, workdir: Path, database_url: str) -> None:
    from search_index import SearchIndex, SearchQuery

    search_bench.fill(workdir, database_url, args.offers, fresh=True, backend=BACKEND)
    app = search_bench._app(workdir, database_url, BACKEND)
    log = workdir / "worker.log"
    threshold = max(100, args.offers // 4)
    # Kills during a rebuild come in random rounds; the others change fewer offers than
    # half the catalog, so the worker updates the index (with two writer processes).
    rounds = [True] * args.rebuild_kills + [False] * (args.kills - args.rebuild_kills)
    random.Random(args.seed).shuffle(rounds)
    rng = random.Random(args.seed)
    reader = SearchIndex(workdir / "index")
    results: list[dict[str, Any]] = []
    worker = start_worker(workdir, database_url, log, threshold)
    started = time.monotonic()
    for round_no, during_rebuild in enumerate(rounds, 1):
        offset = log.stat().st_size if log.exists() else 0
        offer_id, code = make_changes(app, round_no, during_rebuild, some=max(1, int(args.offers * 0.4)))
        saw_rebuild = False
        if during_rebuild:
            saw_rebuild = wait_for_line(log, offset, REBUILD_LINE, args.catch_up)
            time.sleep(rng.uniform(0.0, args.rebuild_window))
        else:
            time.sleep(rng.uniform(0.0, args.random_window))
        before = descendants(worker.pid)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        left = wait_until(lambda before=before: not any(alive(p) for p in before), args.patience)
        survivors = sorted(p for p in before if alive(p))
        kill_time = time.monotonic()
        worker = start_worker(workdir, database_url, log, threshold)

        def caught(offer_id: int = offer_id, code: str = code) -> bool:
            if pending(app):
                return False
            hits = reader.search(SearchQuery(text=code, by_product=False)).hits
            return [hit.offer_id for hit in hits] == [offer_id]

        caught_up = wait_until(caught, args.catch_up, step=0.5)
        took = time.monotonic() - kill_time
        status, report = index_check(workdir, database_url) if caught_up else (None, {})
        results.append(
            {
                "rebuild": during_rebuild,
                "saw_rebuild": saw_rebuild,
                "processes": len(before),
                "survivors": survivors if not left else [],
                "caught_up": caught_up and status == 0,
                "seconds": took,
                "check": report if status not in (0, None) else None,
            }
        )
        print(
            f"kill {round_no:2d} ({'during a rebuild' if during_rebuild else 'at random':16s}): "
            f"{len(before)} processes below the worker, {len(survivors)} alive after {args.patience:.0f} s; "
            f"index {'caught up' if caught_up else 'DID NOT catch up'} in {took:.1f} s"
            + ("" if status in (0, None) else f"; index check exit {status}: {report}"),
            flush=True,
        )
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)
    reader.close()
    rebuild_rounds = [r for r in results if r["rebuild"]]
    print(
        f"\nscenario A ({database_url.split(':')[0]}, {args.offers} offers, {time.monotonic() - started:.0f} s): "
        f"{sum(r['caught_up'] for r in results)}/{len(results)} kills followed by an index that caught up "
        f"(within {args.catch_up:.0f} s); during a rebuild: {sum(r['caught_up'] for r in rebuild_rounds)}/"
        f"{len(rebuild_rounds)} (the rebuild log line seen before {sum(r['saw_rebuild'] for r in rebuild_rounds)} "
        f"of them); processes that outlived the worker: {sum(len(r['survivors']) for r in results)}"
    )
    times = sorted(r["seconds"] for r in results if r["caught_up"])
    if times:
        print(f"catch-up time after a kill: median {times[len(times) // 2]:.1f} s, max {times[-1]:.1f} s")


# --- scenario B ----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 302 to the seller's store is the answer; never leave loopback


def advance_sequences(app: Any) -> None:
    """On PostgreSQL, move the products' id sequence past the ids ``fill`` wrote explicitly."""
    from sqlalchemy import text

    from marketplace.db import database

    with app.app_context():
        session = database(app).session()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT setval(pg_get_serial_sequence('products', 'id'), max(id)) FROM products"))
            session.commit()
        session.close()


def scenario_b(args: argparse.Namespace, workdir: Path, database_url: str) -> None:
    from sqlalchemy import select

    from marketplace.catalog.models import Offer
    from marketplace.db import database
    from marketplace.suppliers.models import Supplier

    importing = search_bench.SUPPLIER_SLUGS[: args.imports]
    app = prepare_catalog(args, workdir, database_url, importing)
    with app.app_context():
        session = database(app).session()
        # Not the importing suppliers': a full list withdraws those it no longer names (a 404 by design).
        rows = session.execute(
            select(Offer.id, Offer.product_id)
            .join(Supplier, Supplier.id == Offer.supplier_id)
            .where(Supplier.slug.not_in(importing))
        ).all()
        session.close()
    rng = random.Random(args.seed)
    sample = rng.sample(rows, min(300, len(rows)))
    paths = {
        "search": [query.url("/search") for query in search_bench.query_mix(args.offers)],
        "product": [f"/products/{product_id}" for _, product_id in sample],
        "click-out": [f"/go/{offer_id}" for offer_id, _ in sample],
    }
    paths = {kind: paths[kind] for kind in args.pages}
    feed = workdir / "import.yml"
    import_bench.write_feed(feed, args.import_offers, second=False)

    server, base = search_bench.start_server(workdir, database_url, args.workers, BACKEND)
    log = workdir / "worker-b.log"
    worker = start_worker(workdir, database_url, log, threshold=max(100, args.offers // 4))
    opener = urllib.request.build_opener(_NoRedirect)
    counts: dict[str, collections.Counter[str]] = {name: collections.Counter() for name in paths}
    lock = threading.Lock()
    stop = threading.Event()

    def client(slot: int) -> None:
        own = random.Random(slot)
        while not stop.is_set():
            kind = own.choice(tuple(paths))
            try:
                with opener.open(base + own.choice(paths[kind]), timeout=30) as response:
                    response.read()
                    outcome = str(response.status)
            except urllib.error.HTTPError as exc:
                outcome = str(exc.code)  # 3xx land here too, as the redirect is not followed
            except OSError as exc:
                outcome = type(exc).__name__
            with lock:
                counts[kind][outcome] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        time.sleep(2.0)
        # The new list replaces most of each supplier's generated catalog, which the withdraw
        # guard would hold for a confirmation: it is given up front. The imports run at once.
        imports = [start_import(workdir, database_url, slug, feed) for slug in importing]
        outputs = [process.communicate(timeout=args.max_seconds) for process in imports]
        import_seconds = time.monotonic() - started - 2.0
        caught_up = wait_until(lambda: pending(app) == 0, args.catch_up, step=0.5)
        time.sleep(max(2.0, args.min_seconds - (time.monotonic() - started)))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    seconds = time.monotonic() - started
    total = sum(sum(c.values()) for c in counts.values())
    errors = {kind: {k: v for k, v in c.items() if not ("200" <= k < "400")} for kind, c in counts.items()}
    codes = ", ".join(str(process.returncode) for process in imports)
    print(
        f"\nscenario B ({_label(database_url)}, {args.offers} offers, {args.clients} clients, "
        f"gunicorn -w {args.workers}): {len(imports)} imports of {args.import_offers} offers at once, exit {codes}, "
        f"all done in {import_seconds:.0f} s; index caught up: {caught_up}; {total} requests in {seconds:.0f} s, "
        f"{sum(sum(e.values()) for e in errors.values())} errors"
    )
    for process, (out, err) in zip(imports, outputs, strict=True):
        if process.returncode:
            print(f"import output: {out[-300:]} {err[-300:]}")
    for kind, c in counts.items():
        print(f"  {kind:10s} {sum(c.values()):6d} requests, errors: {dict(errors[kind]) or 0}; answers: {dict(c)}")
    RESULTS.append(
        {
            "scenario": "b",
            "engine": BACKEND or "whoosh",
            "imports": len(imports),
            "imports_failed": sum(1 for process in imports if process.returncode),
            "clients": args.clients,
            "seconds": seconds,
            "requests": total,
            "failed": sum(sum(e.values()) for e in errors.values()),
            "failed_searches": sum(errors.get("search", {}).values()),
            "searches": sum(counts.get("search", collections.Counter()).values()),
        }
    )


def _label(database_url: str) -> str:
    return f"{database_url.split(':')[0].split('+')[0]}, search on {BACKEND or 'whoosh'}"


def prepare_catalog(args: argparse.Namespace, workdir: Path, database_url: str, importing: list[str]) -> Any:
    """Fill a fresh catalog; let ``importing`` suppliers list offers on bench/import.py's host; return the app."""
    from sqlalchemy import select

    from marketplace.db import database
    from marketplace.suppliers.models import Supplier

    search_bench.fill(workdir, database_url, args.offers, fresh=True, backend=BACKEND)
    app = search_bench._app(workdir, database_url, BACKEND)
    advance_sequences(app)
    with app.app_context():
        session = database(app).session()
        # bench/import.py's price list links to shop.example: an operator allows that host for
        # the importing suppliers, or every row would be rejected as a foreign link.
        for supplier in session.scalars(select(Supplier).where(Supplier.slug.in_(importing))):
            supplier.extra_offer_hosts = ["shop.example"]
        session.commit()
        session.close()
    return app


def start_import(workdir: Path, database_url: str, slug: str, feed: Path) -> subprocess.Popen[str]:
    """Start ``traderow feeds import`` of ``feed`` for ``slug`` (withdrawals confirmed up front)."""
    return subprocess.Popen(
        [_traderow(), "feeds", "import", slug, str(feed), "--json", "--confirm-withdraw"],
        env=_env(workdir, database_url, LOG_LEVEL="WARNING"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


#: Each scenario's counts, printed together at the end (one line per engine).
RESULTS: list[dict[str, Any]] = []


# --- scenario K ----------------------------------------------------------------------------


def supplier_offers(app: Any, slug: str) -> int:
    """Return how many active offers ``slug`` has in the catalog."""
    from sqlalchemy import func, select

    from marketplace.catalog.models import Offer, OfferStatus
    from marketplace.db import database
    from marketplace.suppliers.models import Supplier

    with app.app_context():
        session = database(app).session()
        try:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Offer)
                    .join(Supplier, Supplier.id == Offer.supplier_id)
                    .where(Supplier.slug == slug, Offer.status == OfferStatus.ACTIVE)
                )
                or 0
            )
        finally:
            session.close()


def consistent(app: Any, workdir: Path, database_url: str, args: argparse.Namespace) -> tuple[bool, Any]:
    """Wait for the worker to drain the index queue, then say whether ``traderow index check`` exits 0."""
    if not wait_until(lambda: pending(app) == 0, args.catch_up, step=0.5):
        return False, {"pending": pending(app)}
    status, report = index_check(workdir, database_url)
    return status == 0, report if status else None


def search_answers(base: str, path: str) -> bool:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except OSError:
        return False


def scenario_k(args: argparse.Namespace, workdir: Path, database_url: str) -> None:
    slug = search_bench.SUPPLIER_SLUGS[0]
    app = prepare_catalog(args, workdir, database_url, [slug])
    lists = (workdir / "list-a.yml", workdir / "list-b.yml")
    import_bench.write_feed(lists[0], args.import_offers, second=False)
    import_bench.write_feed(lists[1], args.import_offers, second=True)
    removed = sum(1 for i in range(args.import_offers) if import_bench.is_removed(i))
    expected = (args.import_offers, args.import_offers - removed)
    env = _env(workdir, database_url, LOG_LEVEL="WARNING")
    worker = start_worker(workdir, database_url, workdir / "worker-k.log", threshold=max(100, args.offers // 4))
    server, base = search_bench.start_server(workdir, database_url, args.workers, BACKEND)
    searches = [query.url("/search") for query in search_bench.query_mix(args.offers)]
    stop = threading.Event()
    load = collections.Counter[str]()

    def searcher(slot: int) -> None:  # requests in flight when a web process is killed
        i = slot
        while not stop.is_set():
            load["ok" if search_answers(base, searches[i % len(searches)]) else "failed"] += 1
            i += 7

    def rebuild() -> subprocess.Popen[bytes]:
        return subprocess.Popen([_traderow(), "index", "rebuild"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip

    threads = [threading.Thread(target=searcher, args=(n,), daemon=True) for n in range(args.searchers)]
    rng = random.Random(args.seed)
    results: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        # How long each target runs undisturbed: a kill lands uniformly within it.
        t0 = time.monotonic()
        first = start_import(workdir, database_url, slug, lists[0])
        first.communicate(timeout=args.max_seconds)
        durations = {"import": time.monotonic() - t0, "web": args.random_window}
        t0 = time.monotonic()
        rebuild().wait(timeout=args.max_seconds)
        durations["rebuild"] = time.monotonic() - t0
        print(f"undisturbed: import {durations['import']:.1f} s (exit {first.returncode}), "
              f"rebuild {durations['rebuild']:.1f} s", flush=True)  # fmt: skip
        listed = 1  # lists[1] next: every import changes prices and withdraws or restores offers
        for round_no in range(1, args.kills + 1):
            target = TARGETS[(round_no - 1) % len(TARGETS)]
            process: subprocess.Popen[Any] | None = None
            if target == "import":
                which = listed % 2
                listed += 1
                process = start_import(workdir, database_url, slug, lists[which])
                victim = process.pid
            elif target == "rebuild":
                process = rebuild()
                victim = process.pid
            time.sleep(rng.uniform(0.0, durations[target]))
            if target == "web":
                workers = sorted(descendants(server.pid))
                victim = rng.choice(workers) if workers else server.pid
            ended_first = process is not None and process.poll() is not None
            before = descendants(victim) | {victim}
            with contextlib.suppress(ProcessLookupError):  # it may have ended on its own
                os.kill(victim, signal.SIGKILL)
            if process is not None:
                process.communicate()
            left = wait_until(lambda before=before: not any(alive(p) for p in before), args.patience)
            survivors = sorted(p for p in before if alive(p)) if not left else []
            after_kill, kill_report = consistent(app, workdir, database_url, args)
            # The restart, as an operator would: the same command again, to the end.
            if target == "import":
                again = start_import(workdir, database_url, slug, lists[which])
                again.communicate(timeout=args.max_seconds)
                restarted = again.returncode == 0
                catalog = supplier_offers(app, slug) == expected[which]
            elif target == "rebuild":
                restarted = rebuild().wait(timeout=args.max_seconds) == 0
                catalog = True
            else:
                path = searches[round_no % len(searches)]
                restarted = wait_until(lambda path=path: search_answers(base, path), args.patience, step=0.5)
                catalog = True
            after_restart, restart_report = consistent(app, workdir, database_url, args)
            results.append(
                {
                    "target": target,
                    "ended_first": ended_first,
                    "after_kill": after_kill,
                    "after_restart": after_restart,
                    "restarted": restarted,
                    "catalog": catalog,
                    "survivors": len(survivors),
                }
            )
            print(
                f"kill {round_no:2d} ({target:7s}{', it had ended' if ended_first else ''}): index check "
                f"{'OK' if after_kill else 'FAILED'} after the kill, {'OK' if after_restart else 'FAILED'} after "
                f"the restart; restart {'OK' if restarted else 'FAILED'}; catalog {'OK' if catalog else 'WRONG'}; "
                f"{len(survivors)} processes outlived it"
                + "".join(
                    f"; {label}: {report}"
                    for label, report in (("after the kill", kill_report), ("after the restart", restart_report))
                    if report
                ),
                flush=True,
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        for process in (worker, server):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    good = [r for r in results if r["after_kill"] and r["after_restart"] and r["restarted"] and r["catalog"]]
    by_target = ", ".join(
        f"{target} {sum(r in good for r in results if r['target'] == target)}/"
        f"{sum(r['target'] == target for r in results)}"
        for target in TARGETS
    )
    print(
        f"\nscenario K ({_label(database_url)}, {args.offers} offers, lists of {args.import_offers}, "
        f"{time.monotonic() - started:.0f} s): {len(good)}/{len(results)} kills left catalog and index consistent "
        f"after the kill and after the restart ({by_target}); {sum(r['ended_first'] for r in results)} targets had "
        f"ended before their kill; processes that outlived a kill: {sum(r['survivors'] for r in results)}; "
        f"searches beside: {load['ok']} answered, {load['failed']} failed (the killed web processes' included)"
    )
    RESULTS.append(
        {
            "scenario": "k",
            "engine": BACKEND or "whoosh",
            "kills": len(results),
            "consistent": len(good),
            "by_target": by_target,
            "survivors": sum(r["survivors"] for r in results),
        }
    )


SCENARIOS = {"a": scenario_a, "b": scenario_b, "k": scenario_k}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="a,b,k", help="a, b and/or k, comma-separated ('both': a,b)")
    parser.add_argument("--backend", choices=(*search_bench.BACKENDS, "both"), default=None,
                        help="the search engine (default: the app's, Whoosh); both: each in turn")  # fmt: skip
    parser.add_argument("--database-url", help="default: SQLite in the work folder")
    parser.add_argument("--offers", type=int, default=24000, help="offers (over 20,000: rebuilds use two writers)")
    parser.add_argument("--kills", type=int, default=6, help="scenario A: kill -9s of the worker")
    parser.add_argument("--rebuild-kills", type=int, default=3, help="scenario A: of them, during a rebuild")
    parser.add_argument("--rebuild-window", type=float, default=15.0, help="kill within this many s of the log line")
    parser.add_argument("--random-window", type=float, default=4.0, help="other kills: within this many s")
    parser.add_argument("--patience", type=float, default=30.0, help="s a killed worker's processes may take to go")
    parser.add_argument("--catch-up", type=float, default=180.0, help="s the index may take to catch up")
    parser.add_argument("--clients", type=int, default=30, help="scenario B: client threads")
    parser.add_argument("--imports", type=int, default=1, help="scenario B: suppliers importing at once")
    parser.add_argument("--pages", default="search,product,click-out", help="scenario B: what the clients ask")
    parser.add_argument("--min-seconds", type=float, default=0.0, help="scenario B: load for at least this long")
    parser.add_argument("--searchers", type=int, default=4, help="scenario K: threads searching throughout")
    parser.add_argument("--workers", type=int, default=2, help="scenario B: gunicorn workers")
    parser.add_argument("--import-offers", type=int, default=5000, help="scenario B: offers in the imported list")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="scenario B: the longest the import may run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (printed)")
    args = parser.parse_args()
    args.rebuild_kills = min(args.rebuild_kills, args.kills)
    scenarios = ["a", "b"] if args.scenario == "both" else [s.strip() for s in args.scenario.split(",") if s.strip()]
    if unknown := set(scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))} (a, b, k)")
    args.pages = [page.strip() for page in args.pages.split(",") if page.strip()]
    if unknown := set(args.pages) - {"search", "product", "click-out"}:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    backends = list(search_bench.BACKENDS) if args.backend == "both" else [args.backend]
    if "postgres" in backends and not (args.database_url or "").startswith("postgresql"):
        parser.error("--backend postgres needs --database-url to a PostgreSQL database")
    if args.imports > 1 and not args.database_url:
        print("note: imports at once on SQLite take turns on its one write lock")

    global BACKEND
    work = Path(tempfile.mkdtemp(prefix="traderow-chaos-"))
    try:
        for backend in backends:
            BACKEND = backend
            for name in scenarios:
                if name == "a" and backend == "postgres":
                    print("\nscenario A: skipped on postgres (the engine is written in the catalog's transaction; "
                          "the worker writes no index there)")  # fmt: skip
                    continue
                workdir = work / f"{backend or 'default'}-{name}"
                workdir.mkdir()
                url = args.database_url or f"sqlite:///{workdir / 'traderow.sqlite'}"
                print(f"\n== scenario {name.upper()} on {backend or 'the default engine'} ==", flush=True)
                SCENARIOS[name](args, workdir, url)
        if RESULTS:
            print("\ncounts for each engine:")
            for result in RESULTS:
                print("  " + ", ".join(f"{key} {round(v) if isinstance(v, float) else v}" for key, v in result.items()))
    finally:
        if args.keep:
            print(f"work folder: {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
