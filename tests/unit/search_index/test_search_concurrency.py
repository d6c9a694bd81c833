"""Readers and writers at the same time: threads, instances and processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from search_index import IndexLockedError, OfferDocument, SearchIndex, SearchQuery
from tests.support.search import found, make_offer

QUERIES = [
    SearchQuery(text="котел"),
    SearchQuery(text="котел 7", sort="price_asc", max_price_minor=5_000),
    SearchQuery(suppliers=("s1", "s2"), in_stock=True, page=2, per_page=5),
    SearchQuery(text="котел kettle", category_id=3),
]


def batch(number: int, size: int = 10) -> list[OfferDocument]:
    return [
        make_offer(
            number * size + n + 1,
            f"Котел {number} kettle",
            supplier=f"s{n % 3}",
            price_minor=number * 100 + n,
            category_ids=(n % 4,),
            in_stock=n % 2 == 0,
        )
        for n in range(size)
    ]


def read_until(index: SearchIndex, stop: threading.Event) -> int:
    """Search in a loop until ``stop`` is set; return how many searches ran."""
    searches = 0
    while not stop.is_set():
        for query in QUERIES:
            results = index.search(query)
            assert results.total >= len(results.hits)
            searches += 1
        index.doc_count()
        # Requests are not back to back; without a pause the reader starves the writer
        # of the interpreter lock and the test only measures that.
        time.sleep(0.002)
    return searches


@contextmanager
def reading(*indexes: SearchIndex) -> Iterator[None]:
    """Run one searching thread per index for the duration of the block.

    Exceptions raised in a reader thread are re-raised here by ``Future.result()``.
    """
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=len(indexes)) as pool:
        futures = [pool.submit(read_until, index, stop) for index in indexes]
        try:
            yield
        finally:
            stop.set()
        for future in futures:
            assert future.result() > 0


def test_search_in_a_thread_while_another_thread_applies_50_batches(
    make_index: Callable[..., SearchIndex],
) -> None:
    writer, reader = make_index(), make_index()
    writer.ensure()
    with reading(reader):
        for number in range(50):
            writer.apply(batch(number), removals=[number * 10] if number else [])
    assert reader.doc_count() == 50 * 10 - 49
    # Offers with even n are in stock; every removed id had n == 9.
    assert reader.search(SearchQuery(text="котел", in_stock=True)).total == 250


def test_threads_sharing_one_instance(index: SearchIndex) -> None:
    index.index(batch(0))
    with reading(index, index, index):
        for number in range(1, 15):
            index.index(batch(number))
    assert index.doc_count() == 150


def test_search_while_another_instance_rebuilds_repeatedly(
    make_index: Callable[..., SearchIndex],
) -> None:
    writer, reader = make_index(), make_index()
    writer.index(batch(0))
    with reading(reader):
        for number in range(1, 13):
            writer.rebuild(batch(number))
    assert reader.offer_ids() == {offer.offer_id for offer in batch(12)}


def test_concurrent_writers_wait_for_each_other(
    make_index: Callable[..., SearchIndex],
) -> None:
    def write(first: int) -> None:
        index = make_index()
        for number in range(first, first + 10):
            index.apply(batch(number))

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(write, first) for first in (0, 100)]:
            future.result()
    assert make_index().doc_count() == 200


def test_a_writer_gives_up_after_the_lock_timeout(
    make_index: Callable[..., SearchIndex],
) -> None:
    started = threading.Event()

    def slow_docs() -> Iterator[OfferDocument]:
        started.set()
        time.sleep(1.0)
        yield make_offer(1, "kettle")

    with ThreadPoolExecutor(max_workers=1) as pool:
        rebuild = pool.submit(make_index().rebuild, slow_docs())
        assert started.wait(5)
        with pytest.raises(IndexLockedError):
            make_index(lock_timeout=0.2).index([make_offer(2, "kettle")])
        assert make_index(lock_timeout=10).index([make_offer(3, "kettle")]) == 1
        assert rebuild.result() == 1
    # The patient write waited for the rebuild and went into the new generation.
    assert found(make_index(), "kettle") == {1, 3}


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from search_index import OfferDocument, SearchIndex

    index = SearchIndex(sys.argv[1])
    for number in range(40):
        docs = [
            OfferDocument(number * 10 + n, 1, "s", f"Котел {number}", price_minor=n)
            for n in range(10)
        ]
        index.apply(docs, removals=[number * 10 - 1] if number else [])
        if number % 10 == 9:
            index.rebuild(docs)
    """
)


@pytest.mark.slow
@pytest.mark.usefixtures("whoosh_only")
def test_search_while_another_process_writes(make_index: Callable[..., SearchIndex], tmp_path: Path) -> None:
    root = tmp_path / "index"
    reader = make_index(root)
    reader.ensure()
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(root)],
        cwd=Path(__file__).resolve().parents[3],
        stderr=subprocess.PIPE,
        text=True,
    )
    searches = 0
    while child.poll() is None:
        for query in QUERIES:
            reader.search(query)
            searches += 1
        time.sleep(0.002)
    _, stderr = child.communicate()
    assert child.returncode == 0, stderr
    assert searches > 0
    assert reader.offer_ids() == set(range(390, 400))
