"""A writer killed mid-write must not freeze the index: its children go, its lock is free or taken over.

Every test runs real processes: a writer in a Python subprocess, killed with SIGKILL.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search_index import IndexLockedError, OfferDocument, SearchIndex, SearchQuery
from tests.support.search import make_offer

ROOT = Path(__file__).resolve().parents[3]
#: A bound on waiting for the kernel and the processes, not a speed assertion.
PATIENCE = 30.0

#: About the Whoosh engine's own files and locks.
pytestmark = pytest.mark.usefixtures("whoosh_only")


def _gone(pid: int) -> bool:
    """Say whether ``pid`` has exited (a zombie waiting for a reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat[stat.rfind(")") + 2] in "ZX"


def _wait_until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def writer_script(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Start a Python subprocess running ``code`` (with ``root`` and ``make_offer`` defined)."""
    started: list[subprocess.Popen[str]] = []

    def start(code: str) -> subprocess.Popen[str]:
        prelude = textwrap.dedent(
            f"""
            import os, sys, time, multiprocessing
            from pathlib import Path
            from search_index import SearchIndex
            from tests.support.search import make_offer
            root = Path({str(tmp_path / "index")!r})
            """
        )
        process = subprocess.Popen(
            [sys.executable, "-c", prelude + textwrap.dedent(code)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout:
            process.stdout.close()


REBUILD_THEN_HANG = """
def documents():
    for n in range(1, 2001):
        yield make_offer(n, f"Chainsaw model {n}")
    # Both writer processes have batches by now; hang holding the lock, as a worker
    # killed in the middle of a rebuild does.
    pids = [child.pid for child in multiprocessing.active_children()]
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(3600)
    yield make_offer(9999, "never")

if __name__ == "__main__":
    SearchIndex(root, multiprocess_threshold=100).rebuild(documents())
"""


def test_a_writer_killed_during_a_rebuild_leaves_no_process_and_no_lock(
    writer_script: Callable[[str], subprocess.Popen[str]], make_index: Callable[..., SearchIndex]
) -> None:
    writer = writer_script(REBUILD_THEN_HANG)
    assert writer.stdout is not None
    children = [int(pid) for pid in writer.stdout.readline().split()]
    assert len(children) >= 2, "the rebuild should have started two writer processes"
    assert not any(_gone(pid) for pid in children)

    writer.send_signal(signal.SIGKILL)
    writer.wait()

    assert _wait_until(lambda: all(_gone(pid) for pid in children)), f"writers outlived their caller: {children}"
    index = make_index(lock_timeout=PATIENCE)
    assert not index.lock_holder().held
    index.apply([make_offer(1, "Chainsaw GX-5")])
    assert [hit.offer_id for hit in index.search(SearchQuery(text="GX-5")).hits] == [1]


HOLD_THEN_FORK_AND_DIE = """
if __name__ == "__main__":
    index = SearchIndex(root)
    with index.write_lock():
        if os.fork() == 0:
            # A stray child holding a copy of the lock's descriptor, like a writer's
            # orphaned children did before they came from the fork server.
            print(os.getpid(), flush=True)
            time.sleep(3600)
            os._exit(0)
        time.sleep(3600)
"""


def test_a_lock_held_by_an_orphan_of_a_dead_holder_is_taken_over(
    writer_script: Callable[[str], subprocess.Popen[str]], make_index: Callable[..., SearchIndex]
) -> None:
    holder = writer_script(HOLD_THEN_FORK_AND_DIE)
    assert holder.stdout is not None
    orphan = int(holder.stdout.readline())
    try:
        # While the recorded holder lives, nobody takes its lock.
        waiting = make_index(lock_timeout=2.0)
        state = waiting.lock_holder()
        assert state.held and state.alive and state.pid == holder.pid and not state.stale
        with pytest.raises(IndexLockedError):
            waiting.apply([make_offer(1, "Chainsaw GX-5")])

        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert not _gone(orphan)
        state = waiting.lock_holder()
        assert state.held and state.stale and state.pid == holder.pid

        index = make_index(lock_timeout=PATIENCE)
        index.apply([make_offer(1, "Chainsaw GX-5")])
        assert [hit.offer_id for hit in index.search(SearchQuery(text="GX-5")).hits] == [1]
        assert not index.lock_holder().held
    finally:
        os.kill(orphan, signal.SIGKILL)


def test_a_rebuild_that_fails_midway_stops_its_writer_processes_and_frees_the_lock(
    make_index: Callable[..., SearchIndex],
) -> None:
    def documents() -> Iterator[OfferDocument]:
        for n in range(1, 1001):
            yield make_offer(n, f"Chainsaw model {n}")
        raise RuntimeError("the database went away")

    index = make_index(multiprocess_threshold=100, lock_timeout=PATIENCE)
    before = set(multiprocessing.active_children())
    with pytest.raises(RuntimeError, match="went away"):
        index.rebuild(documents())

    # MpWriter.cancel() only set a flag on its own copy of each process object: the
    # writers waited for ever on their job queue, holding a copy of the lock.
    assert set(multiprocessing.active_children()) <= before
    assert not index.lock_holder().held
    index.apply([make_offer(1, "Chainsaw GX-5")])
    assert [hit.offer_id for hit in index.search(SearchQuery(text="GX-5")).hits] == [1]
