"""The rows of many batches of documents, each made in a helper process while the caller writes the one before.

Making a document's row (``rows.document_row``: the analysis of its text, its codes, the
``tsvector``) is pure Python and costs more than writing it: for 5,000 documents about 0.8 s
to make, 0.5 s to write, and 0.4 s for the caller to read them from its catalog. A first
import of 1,000,000 offers writes 200 such batches when it commits, one after another on one
core. Here the helper makes the rows of batch *k* while the caller reads batch *k + 1* and
writes batch *k - 1*, so a machine's second core does the analysis.

The helper comes from the fork server (``child_processes``): it holds none of the caller's
connections and exits when the caller dies. Starting it costs a few tenths of a second, so
callers use it only when there is more than one batch; a daemonic process, which may have no
children, makes the rows itself.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple, TypeVar

from child_processes import exit_with_caller, forkserver_context, without_main
from search_index.documents import OfferDocument
from search_index.postgres.rows import document_row
from search_index.schema import InvalidDocumentError

__all__ = ["BATCH", "MadeRows", "batched", "made_batches", "make_rows"]

T = TypeVar("T")

#: Documents per batch for a caller that has them one by one (a rebuild).
BATCH = 5_000


class MadeRows(NamedTuple):
    """The rows of one batch: each valid document's row and spelling words, and why the others were not."""

    rows: list[tuple[dict[str, Any], set[str]]]
    invalid: list[str]


def make_rows(docs: Sequence[OfferDocument]) -> MadeRows:
    """Return the rows of ``docs``; an invalid document is left out and said why (the caller logs it)."""
    made = MadeRows([], [])
    for doc in docs:
        try:
            made.rows.append(document_row(doc))
        except InvalidDocumentError as exc:
            made.invalid.append(str(exc))
    return made


def can_make_ahead() -> bool:
    """Say whether this process may start the helper (a daemonic process may not have children)."""
    return not multiprocessing.current_process().daemon


def batched(docs: Iterable[OfferDocument], size: int = BATCH) -> Iterator[tuple[list[OfferDocument], None]]:
    """Cut ``docs`` into batches of ``size`` for :func:`made_batches`, with nothing coming with them."""
    iterator = iter(docs)
    while batch := list(itertools.islice(iterator, size)):
        yield batch, None


def made_batches(batches: Iterable[tuple[Sequence[OfferDocument], T]]) -> Generator[tuple[MadeRows, T], None, None]:
    """Yield each batch's rows with what came with it, in order: ahead in a helper process when there are several.

    One batch alone is made here, as is every batch of a process that may not start the helper.
    """
    iterator = iter(batches)
    first = list(itertools.islice(iterator, 2))
    if len(first) < 2 or not can_make_ahead():
        for docs, extra in itertools.chain(first, iterator):
            yield make_rows(docs), extra
        return
    yield from _rows_ahead(itertools.chain(first, iterator))


def _rows_ahead(batches: Iterable[tuple[Sequence[OfferDocument], T]]) -> Iterator[tuple[MadeRows, T]]:
    """Yield each batch's rows with what came with it, in order, made one batch ahead in a helper process.

    ``batches`` is read lazily, in the caller's process: taking the next batch (reading it
    from a database, say) overlaps the helper's work on the one before. Closing the iterator
    early waits for the batch in the helper, at most one, and stops the helper.
    """
    context = forkserver_context(preload=__name__)
    with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=exit_with_caller) as helper:
        pending: deque[tuple[Future[MadeRows], T]] = deque()
        for docs, extra in batches:
            # The first submit starts the helper, which must not import the caller's main script.
            with without_main():
                pending.append((helper.submit(make_rows, docs), extra))
            if len(pending) > 1:
                future, came = pending.popleft()
                yield future.result(), came
        while pending:
            future, came = pending.popleft()
            yield future.result(), came
