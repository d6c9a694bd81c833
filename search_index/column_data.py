"""Whoosh's sortable columns read whole, per segment, and cached by segment id.

Columns are read per segment and cached by segment id, so after a writer commits only the
new segment's columns are read; ``Snapshot`` concatenates them for the whole index.
"""

from __future__ import annotations

import array
import logging
import sys
from collections.abc import Callable, Collection, Sequence
from typing import Any

from whoosh import columns

logger = logging.getLogger(__name__)

#: The sortable columns read into lists: numbers, or strings converted by a function.
NUMBER_COLUMNS = frozenset(
    (
        "offer_number",
        "product_id",
        "price_minor",
        "stock",
        "price_bucket",
        "created_at",
        "updated_at",
        "title_words",
    )
)
STRING_COLUMNS: dict[str, Callable[[str], Any]] = {
    "supplier": str,
    "brand_key": str,
    "brand_name": str,
    "condition": str,
    "category_chain": lambda value: tuple(int(part) for part in value.split()),
}

#: Variable-length byte columns, read into lists of str.
BYTES_COLUMNS = frozenset(("param_facets",))


class ColumnCache:
    """Column values per segment, shared by the snapshots of one ``SearchIndex``."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str, str], Sequence[Any]] = {}

    def get(self, key: tuple[str, str, str], load: Callable[[], Sequence[Any]]) -> Sequence[Any]:
        values = self._lists.get(key)
        if values is None:
            values = self._lists[key] = load()
        return values

    def keep_only(self, generation: str, segment_ids: Collection[str]) -> None:
        """Forget the columns of segments no longer in use (merged away or rebuilt)."""
        for key in [k for k in self._lists if k[0] != generation or k[1] not in segment_ids]:
            del self._lists[key]


def read_column(reader: Any, name: str) -> Sequence[Any]:
    """Read one segment's column whole.

    Whoosh's column readers decode one value per call (~10 us each, a second for a dozen
    columns of 100k offers); the fixed-width layouts are read here in one slice instead.
    Anything unexpected falls back to Whoosh's own iteration.
    """
    raw = reader.column_reader(name, translate=False)
    count = reader.doc_count_all()
    try:
        if name in NUMBER_COLUMNS and isinstance(raw, columns.NumericColumn.Reader):
            values = _unpack(raw._dbfile.get(raw._basepos, raw._count * raw._fixedlen), raw._typecode)
            values.extend([raw._default] * (count - len(values)))
            return values
        if name in STRING_COLUMNS and isinstance(raw, columns.RefBytesColumn.Reader):
            refs = _unpack(raw._dbfile.get(raw._basepos, count * raw._itemsize), raw._typecode)
            convert = STRING_COLUMNS[name]
            uniques = [convert(value.decode("utf-8")) for value in raw._uniques]
            return list(map(uniques.__getitem__, refs))
        if name in BYTES_COLUMNS and isinstance(raw, columns.VarBytesColumn.Reader):
            lengths = raw._lengths
            blob = raw._dbfile.get(raw._basepos, sum(lengths)) if count else b""
            texts, start = [], 0
            for length in lengths[:count]:
                texts.append(blob[start : start + length].decode("utf-8", "replace"))
                start += length
            texts.extend([""] * (count - len(texts)))
            return texts
    except (AttributeError, ValueError, OverflowError):
        logger.warning("column %s: fast read failed, reading value by value", name, exc_info=True)
    translated = reader.column_reader(name)
    if name in BYTES_COLUMNS:
        return [value.decode("utf-8", "replace") for value in translated]
    if name in STRING_COLUMNS:
        return list(map(STRING_COLUMNS[name], translated))
    return array.array("q", translated)


def _unpack(data: bytes, typecode: str) -> array.array[int]:
    """Decode big-endian fixed-width integers (Whoosh writes columns with struct "!")."""
    values = array.array(typecode, data)
    if values.itemsize > 1 and sys.byteorder == "little":
        values.byteswap()
    return values if values.typecode == "q" else array.array("q", values)
