"""What an offer states that another offer of the same product cannot contradict, and when two do.

Text similarity is evidence for a merge; these are evidence against it, and any one of them
vetoes the merge however similar the titles are (precision first: a wrong merge shows buyers
someone else's price). Each veto needs both offers to state the thing: an offer that leaves
a size, a code, a colour or a brand out says nothing against one that states it.

- measures: sizes, capacities, volumes (:mod:`product_matching.measures`);
- brands: the brand field, or a brand the title states (:mod:`product_matching.brands`);
- model and part numbers: in the title, the MPN or vendorCode, or a model param (:mod:`product_matching.codes`);
- colours: in the title or a colour param (:mod:`product_matching.colours`).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from product_matching.brands import offers_brands_conflict, stated_brands
from product_matching.codes import codes_conflict, extract_codes, is_code, normalize_code
from product_matching.colours import colours_conflict, stated_colours
from product_matching.measures import Measures, extract_measures, measures_conflict
from product_matching.records import MatchText

#: Params whose value is the maker's model or part number, by folded name (en, uk, ru). A shop's
#: own "артикул" is not among them: two shops number their stock differently.
MODEL_PARAMS = frozenset(
    {"model", "модель", "mpn", "part number", "код виробника", "код производителя", "partnumber", "артикул виробника"}
)
#: Params whose value is the product's colour, by folded name.
COLOUR_PARAMS = frozenset({"color", "colour", "колір", "цвет", "колір товару", "цвет товара"})


@dataclass(frozen=True)
class Kinds:
    """Which kinds of evidence veto a merge (all by default)."""

    measures: bool = True
    brands: bool = True
    codes: bool = True
    colours: bool = True


@dataclass(frozen=True)
class Stated:
    """What one offer states that the vetoes compare."""

    title: str
    measures: Measures
    brands: tuple[str, ...]
    codes: frozenset[str]
    colours: frozenset[str]


def _params(record: MatchText, names: Set[str]) -> list[str]:
    return [value for name, value in record.params if " ".join(name.casefold().split()) in names]


def stated_codes(record: MatchText) -> frozenset[str]:
    """Return the model and part numbers ``record`` states: its title's codes, its code fields and model params.

    Not its description's, which may list the models a part fits.
    """
    codes = set(extract_codes(record.title, joined=False))
    for value in (*record.model_codes, *_params(record, MODEL_PARAMS)):
        code = normalize_code(value)
        if is_code(code):
            codes.add(code)
    return frozenset(codes)


def stated(record: MatchText, known_brands: Set[str] = frozenset(), kinds: Kinds = Kinds()) -> Stated:
    """Return what ``record`` states, of the ``kinds`` that veto."""
    return Stated(
        title=record.title,
        measures=extract_measures(record.title) if kinds.measures else {},
        brands=stated_brands(record, known_brands) if kinds.brands else (),
        codes=stated_codes(record) if kinds.codes else frozenset(),
        colours=stated_colours([record.title, *_params(record, COLOUR_PARAMS)], record.brand)
        if kinds.colours
        else frozenset(),
    )


class Facts:
    """What records state, each record read once per matching run.

    A run reads one offer's facts several times: for each candidate pair it is in, and again when
    its group is loaded to check a join against the group's other members. Extracting measures,
    codes and colours is regex work; the records are frozen values, so each is read once.
    """

    def __init__(self, known_brands: Set[str] = frozenset(), kinds: Kinds = Kinds()) -> None:
        self._known_brands = known_brands
        self._kinds = kinds
        self._stated: dict[MatchText, Stated] = {}

    def of(self, record: MatchText) -> Stated:
        """Return what ``record`` states (:func:`stated`)."""
        found = self._stated.get(record)
        if found is None:
            found = self._stated[record] = stated(record, self._known_brands, self._kinds)
        return found


def conflicts(a: Stated, b: Stated) -> bool:
    """Tell whether two offers state something that rules out one product."""
    return (
        measures_conflict(a.measures, b.measures)
        or codes_conflict(a.codes, b.codes)
        or colours_conflict(a.colours, b.colours)
        or offers_brands_conflict(a.brands, a.title, b.brands, b.title)
    )
