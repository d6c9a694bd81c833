"""The histograms every process records into, in prometheus_client's multiprocess mode.

prometheus_client decides when it is first imported whether values live in this process's
memory or in files under ``PROMETHEUS_MULTIPROC_DIR``; so it is imported here only after
:func:`use_directory` has set that variable, and the directory is chosen once per process:
the variable when a start script set it, else the first app's ``TRADEROW_METRICS_DIR``.
Code that runs without an app (a bench calling a service) records nothing.
"""

from __future__ import annotations

import functools
import os
import socket
from dataclasses import dataclass
from typing import Any

ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Seconds; a search is expected in tens of milliseconds, a slow one is seconds.
SEARCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Seconds; a small price list imports in seconds, a million offers in minutes.
IMPORT_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 3600.0, 7200.0)

_chosen: list[str] = []
#: Fixed at start; a forked child keeps it and differs by its pid. No underscore: the
#: collector splits file names on it.
_HOST = socket.gethostname().replace("_", "-")


def _process_id() -> str:
    return f"{_HOST}-{os.getpid()}"


def use_directory(path: str) -> str:
    """Make ``path`` (or ``PROMETHEUS_MULTIPROC_DIR`` if set) this process's metrics directory; return it."""
    if not _chosen:
        directory = os.environ.get(ENV) or path
        os.makedirs(directory, exist_ok=True)
        # Children (the worker `traderow run` starts, parsers) inherit it and write beside us.
        os.environ[ENV] = directory
        _chosen.append(directory)
    return _chosen[0]


def directory() -> str | None:
    """Return this process's metrics directory, or ``None`` before any app chose one."""
    return _chosen[0] if _chosen else None


@dataclass(frozen=True)
class Instruments:
    """This process's histograms (prometheus_client objects)."""

    requests: Any
    searches: Any
    imports: Any


@functools.cache
def _instruments() -> Instruments:
    from prometheus_client import Histogram, values

    # Files are named by process: by host and pid, not pid alone, because containers that
    # share the directory (web and worker on one node) all number their processes from 1.
    # Set before any value exists; this also covers a prometheus_client imported before the
    # directory was chosen, which would otherwise keep its counts in memory.
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_id)  # type: ignore[no-untyped-call]
    # registry=None: /metrics reads the files through a registry of its own (collect.py).
    return Instruments(
        requests=Histogram(
            "traderow_http_request_duration_seconds",
            "Time to answer a request, by route (the URL rule), method and status class.",
            ["route", "method", "status"],
            registry=None,
        ),
        searches=Histogram(
            "traderow_search_duration_seconds",
            "Time of a catalog search (engine query and loading the hits), by engine.",
            ["engine"],
            buckets=SEARCH_BUCKETS,
            registry=None,
        ),
        imports=Histogram(
            "traderow_import_duration_seconds",
            "Time to apply one price list, by how it ended (succeeded, failed, held) and whether it was a dry run.",
            ["status", "dry_run"],
            buckets=IMPORT_BUCKETS,
            registry=None,
        ),
    )


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    """Record one answered request."""
    if _chosen:
        _instruments().requests.labels(route=route, method=method, status=f"{status // 100}xx").observe(seconds)


def observe_search(engine: str, seconds: float) -> None:
    """Record one catalog search on ``engine``."""
    if _chosen:
        _instruments().searches.labels(engine=engine).observe(seconds)


def observe_import(status: str, *, dry_run: bool, seconds: float) -> None:
    """Record one import run's duration."""
    if _chosen:
        _instruments().imports.labels(status=status, dry_run=str(dry_run).lower()).observe(seconds)
