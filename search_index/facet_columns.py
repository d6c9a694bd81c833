"""Columns coded for filtering and counting facets, and the price buckets' labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from search_index.docnums import Docs, Ints, Mask
from search_index.schema import PRICE_EDGES_MINOR

#: Results at least 1/SCAN_SHARE of the index are ordered by walking a precomputed order,
#: which stops after one page, and counted by walking sorted pairs; smaller ones are cheaper to sort.
SCAN_SHARE = 8


def price_bucket_label(bucket: int) -> str:
    """Return a price bucket as "low-high", inclusive, in minor units ("low-" for the last one)."""
    low = PRICE_EDGES_MINOR[bucket - 1] + 1 if bucket > 0 else 0
    high = PRICE_EDGES_MINOR[bucket] if bucket < len(PRICE_EDGES_MINOR) else None
    return f"{low}-{'' if high is None else high}"


@dataclass(frozen=True, slots=True)
class FacetColumn:
    """One column coded for filtering and counting: each distinct value is a small integer."""

    #: The distinct values, by code.
    values: tuple[Any, ...]
    #: Value -> code.
    index: Mapping[Any, int]
    #: Docnum -> the code of its value.
    codes: Ints
    #: Docnum -> its product (a dense 0..products-1 number).
    products: Ints
    #: Docnums sorted by (product, code), and their product * len(values) + code in that order.
    by_pair: Ints
    sorted_pairs: Ints

    def having(self, values: Iterable[Any]) -> Mask:
        """Return the mask of the docnums whose value is one of ``values``."""
        return np.isin(self.codes, [self.index[value] for value in values if value in self.index])

    def count(self, docs: Docs, by_product: bool) -> dict[Any, int]:
        """Return value -> how many of ``docs`` have it: offers, or distinct products."""
        width = len(self.values)
        if not by_product:
            found = self.codes[docs.indices]
        elif len(docs) * SCAN_SHARE < len(self.codes):
            indices = docs.indices
            found = np.unique(self.products[indices] * width + self.codes[indices]) % width
        else:  # many docs: their pairs in sorted order, each distinct pair once, without sorting
            pairs = self.sorted_pairs[docs.mask[self.by_pair]]
            if len(pairs):
                pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
            found = pairs % width
        counts = np.bincount(found, minlength=width)
        return {self.values[code]: int(counts[code]) for code in np.flatnonzero(counts)}
