"""One fix to Whoosh's segment reader, applied when ``search_index`` is imported.

Whoosh asks each posting's document for its field length while it writes a segment
(``add_postings``). For fields that keep no lengths (IDs, numbers, keywords: most of our
schema) ``W3PerDocReader.has_column`` answers "no" by asking the file system every time:
268k ``stat`` calls for 5,000 documents, about a sixth of ``SearchIndex.apply`` for them
(bench/import.py's re-import). A segment's files never change once written, so a
reader may remember the answer.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec import whoosh3

_uncached_has_column = whoosh3.W3PerDocReader.has_column


def _has_column(self: Any, fieldname: str) -> bool:
    cache: dict[str, bool] = self.__dict__.setdefault("_traderow_has_column", {})
    found = cache.get(fieldname)
    if found is None:
        found = cache[fieldname] = bool(_uncached_has_column(self, fieldname))
    return found


def install() -> None:
    """Make every ``W3PerDocReader`` remember which column files its segment has."""
    whoosh3.W3PerDocReader.has_column = _has_column
