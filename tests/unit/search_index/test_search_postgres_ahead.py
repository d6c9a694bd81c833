"""Rows made one batch ahead in a helper process (``search_index.postgres.ahead``), no database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from search_index import OfferDocument
from search_index.postgres import ahead
from search_index.postgres.rows import document_row


def _docs(start: int, count: int) -> list[OfferDocument]:
    return [OfferDocument(i, i, "acme", f"Сковорода Tefal {i} см", brand="Tefal") for i in range(start, start + count)]


def _helper_pid(_docs: object) -> ahead.MadeRows:
    """Say in which process a batch was made (``make_rows``'s stand-in, run in the helper)."""
    return ahead.MadeRows([({"pid": os.getpid()}, set())], [])


def test_several_batches_come_back_in_order_with_what_came_with_them_made_as_here() -> None:
    batches = [(_docs(1, 3), "first"), (_docs(4, 2), "second"), (_docs(6, 4), "third")]
    bad = OfferDocument(99, 99, "acme", "")  # an empty title: invalid
    batches[1][0].append(bad)

    made = list(ahead.made_batches(iter(batches)))

    assert [came for _rows, came in made] == ["first", "second", "third"]
    for (rows, came), (docs, _) in zip(made, batches, strict=True):
        valid = [doc for doc in docs if doc is not bad]
        assert rows.rows == [document_row(doc) for doc in valid], came
    assert made[0][0].invalid == made[2][0].invalid == []
    assert len(made[1][0].invalid) == 1 and "title is empty" in made[1][0].invalid[0]


def test_one_batch_is_made_here_and_several_in_a_helper_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead, "make_rows", _helper_pid)

    (alone,) = ahead.made_batches([(_docs(1, 1), None)])
    several = list(ahead.made_batches([(_docs(1, 1), None), (_docs(2, 1), None)]))

    assert alone[0].rows[0][0]["pid"] == os.getpid()
    helpers = {rows.rows[0][0]["pid"] for rows, _ in several}
    assert len(helpers) == 1 and os.getpid() not in helpers


def test_closing_early_stops_reading_the_batches() -> None:
    read: list[int] = []

    def batches() -> Iterator[tuple[list[OfferDocument], int]]:
        for number in range(10):
            read.append(number)
            yield _docs(number * 10 + 1, 2), number

    made = ahead.made_batches(batches())
    first = next(made)
    made.close()

    assert first[1] == 0 and read == [0, 1]


def test_batched_cuts_documents_into_batches_of_the_size_asked() -> None:
    sizes = [len(docs) for docs, _ in ahead.batched(_docs(1, 7), size=3)]
    assert sizes == [3, 3, 1]
