"""Parse a feed file in a process of its own, so that reading it overlaps with writing its rows.

The import of a large price list spends about as long parsing as writing to the
database, each on one core. With the parser in a child process the two run side by side
(on two cores the first import of 100k offers took 26.9 s instead of 33.7 s;
docs/benchmarks.md). The items come back in file order, in batches, with the same
``FeedError`` at the same place as ``parse_feed`` would raise it.

The child is forked from multiprocessing's fork server, a fresh interpreter started once
per caller process that imports this package once: the child is never a copy of the
caller's database connections or threads (as with "fork"), and starts in milliseconds.
It is started without the caller's main module, and exits when its caller dies
(``child_processes``). Still, as with any multiprocessing start method but "fork", a
script that imports feeds should keep its work under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import traceback
from collections.abc import Callable, Container, Iterator, Mapping
from typing import Any

from child_processes import exit_with_caller, forkserver_context, without_main

from .parse import parse_feed
from .preview import TablePreview, preview_table
from .rows import FeedError, FeedItem

__all__ = [
    "ParserProcessError",
    "can_parse_in_child",
    "parse_feed_in_child",
    "preview_table_in_child",
    "start_parser_server",
]

logger = logging.getLogger(__name__)

#: Items per message: large enough that pickling is cheap per item, small enough to stream.
BATCH = 500
#: Messages the child may run ahead of the caller: a bound on the memory between the two.
AHEAD = 16
#: How often the caller checks that a silent child is still alive, in seconds.
POLL_SECONDS = 0.5

_ITEMS, _ASK, _FAILED, _DONE = "items", "known?", "failed", "done"


class ParserProcessError(RuntimeError):
    """The parser process failed on something other than the feed (a bug of ours, or it was killed)."""


def start_parser_server() -> None:
    """Start the fork server and wait until it is ready, so that the first large import does not wait for it.

    A long-running worker calls this when it starts; otherwise the first parser started
    starts the server.
    """
    ready = _context().Process(target=_ready, name="feed-parser-warm-up", daemon=True)
    with without_main():
        ready.start()  # returns once the server has imported what it preloads
    ready.join()


def _ready() -> None:
    """Do nothing: forking it shows that the fork server is up."""


def _context() -> Any:
    # The parser's modules are then imported once, by the fork server.
    return forkserver_context(preload=__name__)


def can_parse_in_child() -> bool:
    """Say whether this process may start one (a daemonic process may not have children)."""
    return not multiprocessing.current_process().daemon


def parse_feed_in_child(
    path: str | os.PathLike[str],
    *,
    mapping: Mapping[str, str] | None = None,
    partial: bool | None = None,
    known: Callable[[], Container[bytes] | None] | None = None,
    price_type: str | None = None,
) -> Iterator[FeedItem]:
    """Yield what ``parse_feed(path, ...)`` yields, parsing in a child process.

    ``known`` is called here, in the caller's process, when the parser asks for it (see
    ``parse_feed``); what it returns is sent to the child, so it must pickle (``HeldRows``
    does). Closing the iterator early stops the child.
    """
    context = _context()
    messages = context.Queue(maxsize=AHEAD)
    replies = context.Queue(maxsize=1)
    process = context.Process(
        target=_parse_into,
        args=(
            os.fspath(path),
            dict(mapping) if mapping else None,
            partial,
            known is not None,
            messages,
            replies,
            price_type,
        ),
        name="feed-parser",
        daemon=True,  # never outlives the caller
    )
    with without_main():
        process.start()
    finished = False
    try:
        while True:
            kind, payload = _next_message(messages, process)
            if kind == _ITEMS:
                yield from payload
            elif kind == _ASK:
                assert known is not None
                replies.put(known())
            else:
                finished = True
                if kind == _FAILED:
                    raise payload
                return
    finally:
        process.join(timeout=5 if finished else 0)
        if process.is_alive():
            process.terminate()  # the caller stopped reading (an error of its own, or it had enough)
            process.join()
        for channel in (messages, replies):
            channel.cancel_join_thread()
            channel.close()


def _next_message(messages: Any, process: Any) -> tuple[str, Any]:
    while True:
        try:
            message: tuple[str, Any] = messages.get(timeout=POLL_SECONDS)
            return message
        except queue.Empty:
            if process.is_alive():
                continue
        # Gone: what it put just before exiting may still be in the pipe.
        try:
            message = messages.get(timeout=POLL_SECONDS)
            return message
        except queue.Empty:
            reason = f"the parser process stopped unexpectedly (exit code {process.exitcode})"
            raise ParserProcessError(reason) from None


def _parse_into(
    path: str,
    mapping: dict[str, str] | None,
    partial: bool | None,
    asks: bool,
    messages: Any,
    replies: Any,
    price_type: str | None = None,
) -> None:
    """The child: parse ``path`` and put its items on ``messages`` in batches, then DONE or FAILED."""
    exit_with_caller()
    # Take what this process inherited from the fork server (lxml, openpyxl, xlrd and the
    # rest of this package) out of the collector's sight: it walked them again and again
    # while the parse allocated (100k-offer re-import: 6.8-7.0 s, then 5.7-6.2 s).
    gc.freeze()
    batch: list[FeedItem] = []

    def known() -> Container[bytes] | None:
        # Everything before this row must reach the caller first: its answer depends on it.
        flush()
        messages.put((_ASK, None))
        held: Container[bytes] | None = replies.get()
        return held

    def flush() -> None:
        nonlocal batch
        if batch:
            messages.put((_ITEMS, batch))
            batch = []

    try:
        for item in parse_feed(
            path, mapping=mapping, partial=partial, known=known if asks else None, price_type=price_type
        ):
            batch.append(item)
            if len(batch) >= BATCH:
                flush()
        flush()
        messages.put((_DONE, None))
    except FeedError as exc:
        flush()
        messages.put((_FAILED, exc))
    except BaseException:
        flush()
        messages.put((_FAILED, ParserProcessError(f"the parser process failed:\n{traceback.format_exc()}")))


def preview_table_in_child(path: str | os.PathLike[str], *, deadline: float) -> TablePreview:
    """Return ``preview_table(path)``, read in a parser process that is stopped after ``deadline`` seconds.

    A workbook can take far more memory and time to open than its size suggests (millions of
    shared strings); here that happens in a process of the same kind as an import's parser,
    whose death leaves the caller whole. Raise ``FeedError`` as ``preview_table`` does, and
    ``ParserProcessError`` when the process dies or runs out of time.
    """
    context = _context()
    messages = context.Queue(maxsize=1)
    process = context.Process(target=_preview_into, args=(os.fspath(path), messages), name="feed-preview", daemon=True)
    with without_main():
        process.start()
    try:
        kind, payload = messages.get(timeout=deadline)
    except queue.Empty:
        if process.is_alive():
            raise ParserProcessError(f"reading the file took longer than {deadline:g} seconds") from None
        raise ParserProcessError(f"the parser process stopped unexpectedly (exit code {process.exitcode})") from None
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
        messages.cancel_join_thread()
        messages.close()
    if kind == _FAILED:
        raise payload
    result: TablePreview = payload
    return result


def _preview_into(path: str, messages: Any) -> None:
    """The child: put ``preview_table(path)`` (or its failure) on ``messages``."""
    exit_with_caller()
    try:
        messages.put((_DONE, preview_table(path)))
    except FeedError as exc:
        messages.put((_FAILED, exc))
    except BaseException:
        messages.put((_FAILED, ParserProcessError(f"the parser process failed:\n{traceback.format_exc()}")))
