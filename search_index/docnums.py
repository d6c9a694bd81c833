"""Sets of docnums as numpy arrays and masks, and the masks of a query's filters.

Filters and row totals work on numpy arrays over docnums: a filter is a boolean mask
computed from a column (well under a millisecond at 100k offers, so nothing is cached).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: A query's matched docnums: a text's matches or every live offer as is, or a filtered copy.
DocSet = set[int] | frozenset[int]
#: True at the docnums that pass (a filter), or that a set holds.
Mask = np.ndarray[Any, np.dtype[np.bool_]]
Ints = np.ndarray[Any, np.dtype[np.signedinteger[Any]]]


@dataclass(frozen=True, slots=True)
class Filters:
    """The masks of one query's filters, by facet name (None: not filtered)."""

    masks: Mapping[str, Mask | None]
    #: Docnums passing every filter (deleted ones too); None when nothing filters.
    allowed: Mask | None

    def without(self, name: str) -> Mask | None:
        """Return the docnums passing every filter except ``name``'s (None: nothing else filters)."""
        return all_of([mask for key, mask in self.masks.items() if key != name and mask is not None])


def all_of(masks: Sequence[Mask]) -> Mask | None:
    if not masks:
        return None
    return masks[0] if len(masks) == 1 else np.logical_and.reduce(masks)


class Docs:
    """Hold one set of docnums as an index array and as a mask, each made on first use."""

    __slots__ = ("_indices", "_mask", "_size")

    def __init__(self, size: int, indices: Ints | None = None, mask: Mask | None = None) -> None:
        self._size, self._indices, self._mask = size, indices, mask

    @property
    def indices(self) -> Ints:
        if self._indices is None:
            assert self._mask is not None
            self._indices = np.flatnonzero(self._mask)
        return self._indices

    @property
    def mask(self) -> Mask:
        if self._mask is None:
            self._mask = np.zeros(self._size, dtype=np.bool_)
            self._mask[self.indices] = True
        return self._mask

    def __len__(self) -> int:
        return len(self.indices)


def as_indices(docs: Collection[int]) -> Ints:
    """Return docnums as a numpy array."""
    return np.fromiter(docs, dtype=np.int64, count=len(docs))


def any_allowed(matches: frozenset[int], allowed: Mask | None) -> bool:
    if not matches:
        return False
    return allowed is None or bool(allowed[as_indices(matches)].any())
