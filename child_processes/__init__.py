"""Start helper processes that inherit nothing from their caller and die with it.

Two libraries run work in processes of their own: the feed parser
(``supplier_feeds.child``) and the index's writer processes (``search_index.writers``).
Both take them from multiprocessing's fork server, a fresh interpreter started once per
caller process: a child is never a copy of the caller's open files (the index's
``WRITE.lock``, database connections) or threads, as it is with "fork". A forked copy
of a descriptor that holds an ``flock`` keeps the lock held for as long as the copy lives,
which is how an index writer's orphaned children once froze the index for good.

Whatever kills the caller (``kill -9``, the OOM killer, a plain SIGTERM), each child
exits with it: ``exit_with_caller()`` asks Linux for a signal when the fork server, its
parent, goes (the fork server itself exits when its caller does), and watches the
caller's own end of a pipe as well, which works everywhere. Like this package, it imports
neither Flask nor ``marketplace``.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["exit_with_caller", "forkserver_context", "without_main"]

# Modules the fork server imports once when it starts, for every child forked from it.
_preload: list[str] = []
#: prctl(2) option: the signal the kernel sends this process when its parent exits.
_PR_SET_PDEATHSIG = 1


def forkserver_context(preload: str | None = None) -> Any:
    """Return multiprocessing's fork-server context, asking it to preload ``preload``.

    The preload list is read only when the fork server starts (once per process), so a
    module named after that is imported by each child instead, at its start.
    """
    context = multiprocessing.get_context("forkserver")
    if preload and preload not in _preload:
        _preload.append(preload)
    context.set_forkserver_preload(list(_preload))
    return context


@contextmanager
def without_main() -> Iterator[None]:
    """Hide the caller's main module from the processes started meanwhile.

    multiprocessing runs the caller's main script again in every process it starts, so that
    objects pickled from it can be found there; a fork server does not spare it (Python 3.11
    never preloads it: ``forkserver.ensure_running`` looks for a "main_path" that
    ``spawn.get_preparation_data`` does not give). Our children are sent nothing from the
    main module, and importing it again cost each parser 0.9 s under ``traderow``, 1.5 s
    under the bench.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def exit_with_caller() -> None:
    """Make this child exit as soon as the process that started it dies; call it first thing.

    A caller killed outright cannot stop its children, which would otherwise wait for ever
    on a queue nobody writes to, holding whatever they hold.
    """
    caller = multiprocessing.parent_process()
    if caller is None:
        return
    _die_with_parent()

    def watch() -> None:
        multiprocessing.connection.wait([caller.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="caller-watch", daemon=True).start()


def _die_with_parent() -> None:
    """On Linux, have the kernel SIGKILL this process when its parent (the fork server) exits.

    The kernel's signal needs no thread of ours to be scheduled; the pipe watch above covers
    other systems, and a caller that dies while its fork server lives on (the server exits
    as soon as its caller is gone, so only for a moment).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)
