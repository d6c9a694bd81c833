"""search_index.codec: a segment reader remembers which column files its segment has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import fields, index

import search_index  # noqa: F401  (installs the fix)


def test_a_segment_reader_asks_the_file_system_once_per_column(tmp_path: Path) -> None:
    schema = fields.Schema(key=fields.ID(stored=True), body=fields.TEXT)
    ix = index.create_in(str(tmp_path), schema)
    with ix.writer(compound=False) as writer:  # as while a segment is written: plain files
        writer.add_document(key="a", body="one two")
    (segment,) = ix._segments()
    asked: list[str] = []
    storage: Any = ix.storage

    class CountingStorage(type(storage)):  # type: ignore[misc]
        def file_exists(self, name: str) -> bool:
            asked.append(name)
            return super().file_exists(name)

    storage.__class__ = CountingStorage
    reader = segment.codec().per_document_reader(storage, segment)

    # "body" keeps lengths (a column file); "key", an ID, keeps none.
    answers = [reader.has_column(name) for name in ("_body_len", "_key_len") * 3]

    assert answers == [True, False] * 3
    assert len(asked) == 2
