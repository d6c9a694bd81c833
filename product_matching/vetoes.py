"""What an offer states that another offer of the same product cannot contradict, and when two do.

Text similarity is evidence for a merge; these are evidence against it, and any one of them
vetoes the merge however similar the titles are (precision first: a wrong merge shows buyers
someone else's price). Each veto needs both offers to state the thing: an offer that leaves
a size or a brand out says nothing against one that states it.

- measures: sizes, capacities, volumes (:mod:`product_matching.measures`);
- brands: the brand field, or a brand the title states (:mod:`product_matching.brands`).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from product_matching.brands import offers_brands_conflict, stated_brands
from product_matching.measures import Measures, extract_measures, measures_conflict
from product_matching.records import MatchText


@dataclass(frozen=True)
class Kinds:
    """Which kinds of evidence veto a merge (all by default)."""

    measures: bool = True
    brands: bool = True


@dataclass(frozen=True)
class Stated:
    """What one offer states that the vetoes compare."""

    title: str
    measures: Measures
    brands: tuple[str, ...]


def stated(record: MatchText, known_brands: Set[str] = frozenset(), kinds: Kinds = Kinds()) -> Stated:
    """Return what ``record`` states, of the ``kinds`` that veto."""
    return Stated(
        title=record.title,
        measures=extract_measures(record.title) if kinds.measures else {},
        brands=stated_brands(record, known_brands) if kinds.brands else (),
    )


def conflicts(a: Stated, b: Stated) -> bool:
    """Tell whether two offers state something that rules out one product."""
    return measures_conflict(a.measures, b.measures) or offers_brands_conflict(a.brands, a.title, b.brands, b.title)
