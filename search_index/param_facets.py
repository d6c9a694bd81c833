"""Param facets over one searcher: which of a category's params to show, their counts, their filters.

The ``param_facets`` column (``search_index.schema.param_facets_value``) is read once per
searcher into flat numpy arrays, one entry per (offer, param), grouped by facet key: the
offer's docnum, the value's code and the value as a number (NaN for text). A filter on a
facet is then a mask made from one contiguous slice, and a count one ``bincount``.

Which facets a category shows is computed, not listed: among the params its offers (the
text's matches in it) carry, those with more than one value, that are not near-unique like
an article (text values nearly as many as the rows stating them), ranked by how many rows
state them; at most :data:`MAX_PARAM_FACETS`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from search_index.docnums import Docs, Ints, Mask
from search_index.query import ParamFacet, ParamValue
from search_index.schema import PARAM_SEPARATOR, PART_SEPARATOR

__all__ = ["MAX_PARAM_FACETS", "ParamTable"]

#: The most param facets one category shows.
MAX_PARAM_FACETS = 12
#: A text facet with more distinct values than this share of the rows stating it is an
#: identifier (an article, a model), not something to choose by.
NEAR_UNIQUE_SHARE = 0.7
#: ...unless it has this few values: two rows with two colours are no identifier.
NEAR_UNIQUE_MIN_ROWS = 8
#: A facet must be stated by at least this share of the category's rows.
MIN_COVERAGE_SHARE = 0.05
#: Values of a text facet returned, most frequent first (a chosen one is always among them).
MAX_VALUES = 30


@dataclass(frozen=True, slots=True)
class _Facet:
    key: str
    name: str
    unit: str
    #: Where the facet's entries sit in the table's arrays.
    start: int
    stop: int


class ParamTable:
    """Every (offer, param) of one searcher, grouped by facet key; see the module docstring."""

    def __init__(self, column: Sequence[str], size: int) -> None:
        entries: list[tuple[str, int, str, bool]] = []
        names: dict[str, Counter[str]] = {}
        units: dict[str, Counter[str]] = {}
        labels: dict[tuple[str, str], Counter[str]] = {}
        for docnum, raw in enumerate(column):
            if not raw:
                continue
            for param in raw.split(PARAM_SEPARATOR):
                parts = param.split(PART_SEPARATOR)
                if len(parts) != 6:
                    continue
                key, name, unit, value, label, numeric = parts
                entries.append((key, docnum, value, bool(numeric)))
                names.setdefault(key, Counter())[name] += 1
                units.setdefault(key, Counter())[unit] += 1
                labels.setdefault((key, value), Counter())[label] += 1
        entries.sort(key=lambda entry: entry[0])
        self.size = size
        self.docs: Ints = np.fromiter((e[1] for e in entries), np.int64, len(entries))
        value_codes: dict[tuple[str, str], int] = {}
        self.codes: Ints = np.fromiter(
            (value_codes.setdefault((e[0], e[2]), len(value_codes)) for e in entries), np.int64, len(entries)
        )
        self.numbers = np.fromiter((_as_number(e[2]) if e[3] else np.nan for e in entries), np.float64, len(entries))
        #: Value code -> (value key, label most offers use).
        self.values: list[tuple[str, str]] = [
            (value, labels[(key, value)].most_common(1)[0][0]) for key, value in value_codes
        ]
        self.value_codes = value_codes
        self.facets: dict[str, _Facet] = {}
        start = 0
        for stop in range(1, len(entries) + 1):
            if stop == len(entries) or entries[stop][0] != entries[start][0]:
                key = entries[start][0]
                unit = units[key].most_common(1)[0][0]
                self.facets[key] = _Facet(key, names[key].most_common(1)[0][0], unit, start, stop)
                start = stop

    def having(self, key: str, values: Sequence[str]) -> Mask:
        """Return the mask of the docnums whose facet ``key`` has one of ``values``."""
        mask = np.zeros(self.size, dtype=np.bool_)
        facet = self.facets.get(key)
        if facet is None:
            return mask
        codes = [self.value_codes[(key, v)] for v in values if (key, v) in self.value_codes]
        part = slice(facet.start, facet.stop)
        mask[self.docs[part][np.isin(self.codes[part], codes)]] = True
        return mask

    def within(self, key: str, low: float | None, high: float | None) -> Mask:
        """Return the mask of the docnums whose facet ``key`` is a number from ``low`` to ``high``."""
        mask = np.zeros(self.size, dtype=np.bool_)
        facet = self.facets.get(key)
        if facet is None:
            return mask
        numbers = self.numbers[facet.start : facet.stop]
        keep = ~np.isnan(numbers)
        if low is not None:
            keep &= numbers >= low
        if high is not None:
            keep &= numbers <= high
        mask[self.docs[facet.start : facet.stop][keep]] = True
        return mask

    def choose(self, docs: Docs, products: Ints | None) -> list[tuple[str, int, bool]]:
        """Return the facets worth showing for ``docs``, best first, as (key, coverage, numeric).

        ``products`` (docnum -> dense product number) counts rows as products, else as offers.
        """
        total = len(docs) if products is None else len(np.unique(products[docs.indices]))
        if not total or not len(self.docs):
            return []
        chosen: list[tuple[int, str, bool]] = []
        in_docs = docs.mask[self.docs]
        for key, facet in self.facets.items():
            part = slice(facet.start, facet.stop)
            keep = in_docs[part]
            if not keep.any():
                continue
            entry_docs = self.docs[part][keep]
            rows = entry_docs if products is None else products[entry_docs]
            coverage = len(np.unique(rows))
            if coverage < max(2, MIN_COVERAGE_SHARE * total):
                continue
            codes = self.codes[part][keep]
            distinct = len(np.unique(codes))
            if distinct < 2:
                continue
            numeric = bool(not np.isnan(self.numbers[part][keep]).any())
            if not numeric and coverage >= NEAR_UNIQUE_MIN_ROWS and distinct > NEAR_UNIQUE_SHARE * coverage:
                continue
            chosen.append((coverage, key, numeric))
        chosen.sort(key=lambda item: (-item[0], item[1]))
        return [(key, coverage, numeric) for coverage, key, numeric in chosen[:MAX_PARAM_FACETS]]

    def facet(
        self,
        key: str,
        coverage: int,
        numeric: bool,
        docs: Docs,
        products: Ints | None,
        chosen: Sequence[str] = (),
    ) -> ParamFacet:
        """Return one facet counted over ``docs`` (the results of every filter but its own)."""
        meta = self.facets[key]
        part = slice(meta.start, meta.stop)
        keep = docs.mask[self.docs[part]]
        if numeric:
            numbers = self.numbers[part][keep]
            numbers = numbers[~np.isnan(numbers)]
            low = float(numbers.min()) if len(numbers) else None
            high = float(numbers.max()) if len(numbers) else None
            return ParamFacet(key, meta.name, meta.unit, True, coverage, low=low, high=high)
        codes = self.codes[part][keep]
        if products is not None:
            width = len(self.values)
            pairs = np.unique(products[self.docs[part][keep]] * width + codes)
            codes = pairs % width
        counts = np.bincount(codes, minlength=len(self.values)) if len(codes) else np.zeros(0, np.int64)
        found = [(int(counts[code]), code) for code in np.flatnonzero(counts)]
        found.sort(key=lambda item: (-item[0], self.values[item[1]][1]))
        values = [ParamValue(*self.values[code], n) for n, code in found]
        shown = values[:MAX_VALUES] + [v for v in values[MAX_VALUES:] if v.value in chosen]
        known = {v.value for v in shown}
        for value in chosen:
            if value not in known and (key, value) in self.value_codes:
                shown.append(ParamValue(*self.values[self.value_codes[(key, value)]], 0))
        return ParamFacet(key, meta.name, meta.unit, False, coverage, values=tuple(shown))


def facets_for(
    table: ParamTable,
    chooser: Docs,
    over: Callable[[str], Docs],
    products: Ints | None,
    chosen: dict[str, tuple[str, ...]],
) -> tuple[ParamFacet, ...]:
    """Return the facets ``chooser`` (the category's matches) calls for, each counted ``over(its filter name)``."""
    facets = []
    for key, coverage, numeric in table.choose(chooser, products):
        facets.append(table.facet(key, coverage, numeric, over(filter_name(key)), products, chosen.get(key, ())))
    return tuple(facets)


def filter_name(key: str) -> str:
    """Return the name of facet ``key``'s filter among a query's filter masks."""
    return f"param:{key}"


def _as_number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return float("nan")
