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
#: A facet is a range of numbers when at least this share of the rows stating it state a number
#: (rezina13's years include one "22/23"); the others are left out of its range.
NUMERIC_SHARE = 0.9
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
        # Each distinct param string ("season, Сезон, , winter, Зимние, ") is split once; the
        # per-offer work is a dictionary lookup, the rest is numpy over the param numbers.
        param_ids: dict[str, int] = {}
        docs: list[int] = []
        pids: list[int] = []
        for docnum, raw in enumerate(column):
            if raw:
                for param in raw.split(PARAM_SEPARATOR):
                    docs.append(docnum)
                    pids.append(param_ids.setdefault(param, len(param_ids)))
        uses = np.bincount(np.array(pids, dtype=np.int64), minlength=len(param_ids))
        key_codes: dict[str, int] = {}
        value_codes: dict[tuple[str, str], int] = {}
        pid_key, pid_code, pid_number = [], [], []
        names: Counter[tuple[str, str]] = Counter()
        units: Counter[tuple[str, str]] = Counter()
        labels: Counter[tuple[int, str]] = Counter()
        for pid, param in enumerate(param_ids):
            key, name, unit, value, label, numeric = _split(param)
            code = value_codes.setdefault((key, value), len(value_codes))
            pid_key.append(key_codes.setdefault(key, len(key_codes)))
            pid_code.append(code)
            pid_number.append(_as_number(value) if numeric else np.nan)
            count = int(uses[pid])
            names[(key, name)] += count
            units[(key, unit)] += count
            labels[(code, label)] += count
        entry_pids = np.array(pids, dtype=np.int64)
        entry_keys = np.array(pid_key, dtype=np.int64)[entry_pids] if pids else np.zeros(0, np.int64)
        order = np.argsort(entry_keys, kind="stable")
        entry_pids = entry_pids[order]
        self.size = size
        self.docs: Ints = np.array(docs, dtype=np.int64)[order]
        self.codes: Ints = np.array(pid_code, dtype=np.int64)[entry_pids] if pids else np.zeros(0, np.int64)
        self.numbers = np.array(pid_number, dtype=np.float64)[entry_pids] if pids else np.zeros(0, np.float64)
        best_label: dict[int, str] = {}
        for (code, label), _n in labels.most_common():
            best_label.setdefault(code, label)
        #: Value code -> (value key, label most offers use).
        self.values: list[tuple[str, str]] = [(value, best_label[code]) for (_key, value), code in value_codes.items()]
        self.value_codes = value_codes
        best_name: dict[str, str] = {}
        for (key, name), _n in names.most_common():
            best_name.setdefault(key, name)
        best_unit: dict[str, str] = {}
        for (key, unit), _n in units.most_common():
            best_unit.setdefault(key, unit)
        bounds = np.searchsorted(entry_keys[order], np.arange(len(key_codes) + 1))
        self.facets: dict[str, _Facet] = {
            key: _Facet(key, best_name[key], best_unit[key], int(bounds[code]), int(bounds[code + 1]))
            for key, code in key_codes.items()
            if key
        }

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

    def entries(self, docs: Docs) -> Ints:
        """Return the positions of the entries (offer, param) of ``docs``, grouped by facet as the table is."""
        return np.flatnonzero(docs.mask[self.docs])

    def _part(self, entries: Ints, facet: _Facet) -> Ints:
        """Return the positions among ``entries`` (sorted) that belong to ``facet``."""
        low, high = np.searchsorted(entries, (facet.start, facet.stop))
        return entries[low:high]

    def choose(self, docs: Docs, products: Ints | None, entries: Ints) -> list[tuple[str, int, bool]]:
        """Return the facets worth showing for ``docs``, best first, as (key, coverage, numeric).

        ``entries`` are ``docs``'s (``entries()``); ``products`` (docnum -> dense product number)
        counts rows as products, else as offers.
        """
        total = len(docs) if products is None else _distinct(products[docs.indices])
        if not total or not len(entries):
            return []
        chosen: list[tuple[int, str, bool]] = []
        for key, facet in self.facets.items():
            part = self._part(entries, facet)
            if not len(part):
                continue
            entry_docs = self.docs[part]
            rows = entry_docs if products is None else products[entry_docs]
            coverage = _distinct(rows)
            if coverage < max(2, MIN_COVERAGE_SHARE * total):
                continue
            codes = self.codes[part]
            distinct = _distinct(codes)
            if distinct < 2:
                continue
            numeric = bool(np.count_nonzero(~np.isnan(self.numbers[part])) >= NUMERIC_SHARE * len(codes))
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
        entries: Ints,
        chosen: Sequence[str] = (),
    ) -> ParamFacet:
        """Return one facet counted over ``docs`` (the results of every filter but its own).

        ``entries`` are those of a set holding ``docs`` (the category's matches), so only they are looked at.
        """
        meta = self.facets[key]
        part = self._part(entries, meta)
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
            pairs = _unique(products[self.docs[part][keep]] * width + codes)
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
    """Return the facets ``chooser`` (the category's matches) calls for, each counted ``over(its filter name)``.

    What a facet counts over is always within ``chooser`` (the category stays among the other
    filters), so the table's entries are narrowed to the chooser's once.
    """
    entries = table.entries(chooser)
    facets = []
    for key, coverage, numeric in table.choose(chooser, products, entries):
        docs = over(filter_name(key))
        facets.append(table.facet(key, coverage, numeric, docs, products, entries, chosen.get(key, ())))
    return tuple(facets)


def filter_name(key: str) -> str:
    """Return the name of facet ``key``'s filter among a query's filter masks."""
    return f"param:{key}"


def _unique(values: Ints) -> Ints:
    """Return the distinct values, sorted (by sorting: numpy's hashing ``unique`` is slower on these small arrays)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _distinct(values: Ints) -> int:
    return len(_unique(values))


def _split(param: str) -> tuple[str, str, str, str, str, bool]:
    """Return one param of the column as (key, name, unit, value, label, numeric); key "" if malformed."""
    parts = param.split(PART_SEPARATOR)
    if len(parts) != 6:
        return ("", "", "", "", "", False)
    return parts[0], parts[1], parts[2], parts[3], parts[4], bool(parts[5])


def _as_number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return float("nan")
