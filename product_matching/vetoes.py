"""What an offer states that another offer of the same product cannot contradict, and when two do.

Text similarity is evidence for a merge; these are evidence against it, and any one of them
vetoes the merge however similar the titles are (precision first: a wrong merge shows buyers
someone else's price). Each veto needs both offers to state the thing: an offer that leaves
a size, a colour or a brand out says nothing against one that states it.

- measures: sizes, capacities, volumes (:mod:`product_matching.measures`);
- brands: the brand field, or a brand the title states (:mod:`product_matching.brands`);
- colours: in the title or a colour param (:mod:`product_matching.colours`).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from product_matching.brands import offers_brands_conflict, stated_brands
from product_matching.colours import colours_conflict, stated_colours
from product_matching.measures import Measures, extract_measures, measures_conflict
from product_matching.records import MatchText

#: Params whose value is the product's colour, by folded name.
COLOUR_PARAMS = frozenset({"color", "colour", "колір", "цвет", "колір товару", "цвет товара"})


@dataclass(frozen=True)
class Kinds:
    """Which kinds of evidence veto a merge (all by default)."""

    measures: bool = True
    brands: bool = True
    colours: bool = True


@dataclass(frozen=True)
class Stated:
    """What one offer states that the vetoes compare."""

    title: str
    measures: Measures
    brands: tuple[str, ...]
    colours: frozenset[str]


def _params(record: MatchText, names: Set[str]) -> list[str]:
    return [value for name, value in record.params if " ".join(name.casefold().split()) in names]


def stated(record: MatchText, known_brands: Set[str] = frozenset(), kinds: Kinds = Kinds()) -> Stated:
    """Return what ``record`` states, of the ``kinds`` that veto."""
    return Stated(
        title=record.title,
        measures=extract_measures(record.title) if kinds.measures else {},
        brands=stated_brands(record, known_brands) if kinds.brands else (),
        colours=stated_colours([record.title, *_params(record, COLOUR_PARAMS)], record.brand)
        if kinds.colours
        else frozenset(),
    )


def conflicts(a: Stated, b: Stated) -> bool:
    """Tell whether two offers state something that rules out one product."""
    return (
        measures_conflict(a.measures, b.measures)
        or colours_conflict(a.colours, b.colours)
        or offers_brands_conflict(a.brands, a.title, b.brands, b.title)
    )
