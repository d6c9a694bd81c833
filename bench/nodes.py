"""One web node against two: the search page's requests/s on PostgreSQL (issue 17, target 3), simulated.

    .venv/bin/python bench/nodes.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_nodes
    .venv/bin/python bench/nodes.py --offers 100000 --seconds 30 --rounds 3 --database-url ...

The target is "two web nodes serve about twice the search requests/s of one, with PostgreSQL on
the same machine". Here there is one machine of two cores, so two machines are simulated:

* **A node is one core.** Each node is a gunicorn of its own (one sync worker: the work is
  CPU-bound, so one worker per core) pinned with ``taskset -c`` to a core of its own (node 1 to
  core 0, node 2 to core 1), with an instance folder of its own, as if on a one-core machine of
  its own. Both nodes read the same PostgreSQL database (catalog and ``search`` schema), with
  ``TRADEROW_SEARCH_BACKEND=postgres``. Whoosh is not measured: its index is a folder that a second
  machine cannot share.
* **The load** is ``bench/search.py``'s search-page mix (the non-browse queries, facets included),
  sent by ``--connections`` threads per node from this process, spread over the nodes the way a
  round-robin balancer would (thread *i* asks node *i mod n*); one node gets the same threads per
  node as each of two.
* **What is not separated:** PostgreSQL's server processes and this load generator are not pinned
  (the server is the machine's own; the bench starts nothing in it) and run on whichever core is
  free. With one node they have the other core nearly to themselves; with two they take their share
  from the two nodes' cores. So the measured ratio (two nodes' requests/s over one node's) is a
  **lower bound** of what two real machines with PostgreSQL elsewhere would give. The bench
  therefore also measures, over each run, the CPU seconds of each part from ``/proc``: the nodes'
  processes, the PostgreSQL backends serving this database (``pg_stat_activity``), this generator,
  and the rest of the machine (other users' work: the machine is shared). From them it prints the
  **requests per node-CPU-second** of each run: if a second node adds work at the same cost per
  request (no shared lock or queue that grows with nodes), that figure stays the same, and the
  ratio two machines would give is 2 x (that figure's ratio), as long as PostgreSQL has the cores
  its measured share asks for.

Runs alternate (one node, two nodes, one node, ...) ``--rounds`` times, so the machine's drift falls
on both alike. It prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

search_bench = importlib.import_module("search")  # bench/search.py: the catalog, the mix, gunicorn
chaos_bench = importlib.import_module("chaos")  # bench/chaos.py: the process tree from /proc

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) ``pid`` has used so far; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime and stime, fields 14 and 15 of stat


def machine_busy() -> tuple[float, float]:
    """Return the machine's busy and total CPU seconds so far (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values) - idle) / TICK, sum(values) / TICK


def backend_pids(app: Any) -> set[int]:
    """Return the PostgreSQL server processes connected to the bench's database (not this query's own)."""
    from sqlalchemy import text

    from marketplace.db import database

    with app.app_context(), database(app).engine.connect() as connection:
        rows = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        )
        return {int(pid) for (pid,) in rows}


def warm(bases: list[str], paths: list[str]) -> None:
    """Send every path to every node once (each node's worker opens its pool and caches)."""

    def get(url: str) -> None:
        urllib.request.urlopen(url, timeout=120).read()  # noqa: S310 - loopback

    with ThreadPoolExecutor(2 * len(bases)) as pool:
        list(pool.map(get, [base + path for base in bases for path in paths]))


def load(bases: list[str], paths: list[str], seconds: float, per_node: int) -> tuple[int, int]:
    """Search from ``per_node`` threads per node for ``seconds``; return requests answered and failed."""
    stop = time.monotonic() + seconds
    threads = per_node * len(bases)
    answered = [0] * threads
    failed = [0] * threads

    def loop(slot: int) -> None:
        base = bases[slot % len(bases)]
        i = slot
        while time.monotonic() < stop:
            try:
                urllib.request.urlopen(base + paths[i % len(paths)], timeout=60).read()  # noqa: S310
                answered[slot] += 1
            except OSError:
                failed[slot] += 1
            i += threads

    workers = [threading.Thread(target=loop, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(answered), sum(failed)


def run(nodes: int, args: argparse.Namespace, url: str, paths: list[str], app: Any) -> dict[str, float]:
    """Start ``nodes`` pinned single-worker nodes, load them, and return requests/s and CPU seconds."""
    servers = []
    try:
        for node in range(nodes):
            folder = args.workdir / f"node-{node + 1}"
            folder.mkdir(parents=True, exist_ok=True)
            servers.append(search_bench.start_server(folder, url, 1, "postgres", cpus=str(node % args.cores)))
        bases = [base for _, base in servers]
        warm(bases, paths)
        pids = {server.pid for server, _ in servers}
        for server, _ in servers:
            pids |= chaos_bench.descendants(server.pid)
        db_before = {pid: cpu_seconds(pid) for pid in backend_pids(app)}
        nodes_before = {pid: cpu_seconds(pid) for pid in pids}
        me_before = time.process_time()
        busy_before, total_before = machine_busy()
        started = time.monotonic()
        answered, failed = load(bases, paths, args.seconds, args.connections)
        elapsed = time.monotonic() - started
        busy, total = machine_busy()
        me = time.process_time() - me_before
        node_cpu = sum(cpu_seconds(pid) - before for pid, before in nodes_before.items())
        db_cpu = sum(cpu_seconds(pid) - db_before.get(pid, 0.0) for pid in backend_pids(app) | set(db_before))
    finally:
        for server, _ in servers:
            server.send_signal(signal.SIGTERM)
        for server, _ in servers:
            server.wait(timeout=60)
    used = busy - busy_before
    return {
        "nodes": nodes,
        "rps": answered / elapsed,
        "failed": failed,
        "seconds": elapsed,
        "node_cpu": node_cpu,
        "db_cpu": db_cpu,
        "generator_cpu": me,
        "other_cpu": max(0.0, used - node_cpu - db_cpu - me),
        "idle_cpu": (total - total_before) - used,
        "per_node_cpu": answered / node_cpu if node_cpu else 0.0,
    }


def show(r: dict[str, float]) -> None:
    print(
        f"{int(r['nodes'])} node{'s' if r['nodes'] > 1 else ' '}: {r['rps']:6.1f} requests/s "
        f"({r['failed']:.0f} failed) "
        f"in {r['seconds']:.0f} s; CPU s: nodes {r['node_cpu']:.1f}, PostgreSQL {r['db_cpu']:.1f}, "
        f"generator {r['generator_cpu']:.1f}, the rest of the machine {r['other_cpu']:.1f}, idle {r['idle_cpu']:.1f}; "
        f"{r['per_node_cpu']:.1f} requests per node-CPU-second",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL: the shared catalog and search schema")
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="rebuild the catalog and the index")
    parser.add_argument("--workdir", type=Path, default=None, help="default: bench/.data/nodes-<offers>")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load run")
    parser.add_argument("--connections", type=int, default=3, help="client threads per node")
    parser.add_argument("--rounds", type=int, default=2, help="one-node and two-node runs, alternating")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be PostgreSQL: both nodes share its search schema")
    args.cores = os.cpu_count() or 1
    args.workdir = (args.workdir or BENCH / ".data" / f"nodes-{args.offers}").resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"bench/nodes.py: {args.offers} offers, {args.cores} cores, load average "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}")  # fmt: skip
    if args.cores < 2:
        sys.exit("two cores are needed: one per simulated node")
    search_bench.fill(args.workdir / "catalog", args.database_url, args.offers, args.fresh, "postgres")
    app = search_bench._app(args.workdir / "catalog", args.database_url, "postgres")
    paths = [query.url("/search") for query in search_bench.query_mix(args.offers) if query.kind != "browse"]
    results: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for _round in range(args.rounds):
        for nodes in (1, 2):
            results[nodes].append(run(nodes, args, args.database_url, paths, app))
            show(results[nodes][-1])
    one = statistics.median(r["rps"] for r in results[1])
    two = statistics.median(r["rps"] for r in results[2])
    per_one = statistics.median(r["per_node_cpu"] for r in results[1])
    per_two = statistics.median(r["per_node_cpu"] for r in results[2])
    db_share = statistics.median(r["db_cpu"] / (r["db_cpu"] + r["node_cpu"]) for r in results[2])
    print(
        f"\nmedians of {args.rounds} rounds: one node {one:.1f} requests/s, two nodes {two:.1f}: "
        f"x{two / one:.2f} measured (a lower bound: PostgreSQL and the generator share the nodes' two cores)\n"
        f"requests per node-CPU-second: one node {per_one:.1f}, two nodes {per_two:.1f} (x{per_two / per_one:.2f}); "
        f"on machines of their own two nodes would give about x{2 * per_two / per_one:.2f}, with PostgreSQL "
        f"needing {db_share:.0%} of the CPU the nodes and it use together"
    )


if __name__ == "__main__":
    main()
