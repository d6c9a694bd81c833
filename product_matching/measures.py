"""Measures a title states (sizes, volumes, capacities), and when two titles' measures conflict."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# --- Conflicting measures ------------------------------------------------------------------
#
# Two listings of one product may word it differently, but they do not disagree about its size:
# a 28 cm pan is never a 26 cm pan, a 185/65 R15 tyre never a 185/65 R14 one, a 32GB card never
# a 64GB one. Sizes are exactly where the siblings of a product line differ while their titles
# agree on everything else (brand, line, model name), so text similarity alone pulls a product
# without a twin onto its nearest sibling. The veto reads the measures a title states and keeps
# two records apart when both state a value of the same kind and no value agrees.
#
# Only values that both titles state are compared: a title that leaves a size out says nothing
# against one that states it (buyers' listings are terse, sellers' verbose).

#: What a title states, by kind of measure: each value a tuple (a size "30x40" has two numbers).
Measures = dict[str, frozenset[tuple[float | str, ...]]]

_NUMBER = r"\d+(?:[.,]\d+)?"
#: Not glued to a word or another number before it: "W636", "SF-688"'s "688" is fine, "A54" is not.
_START = r"(?<![^\W\d_])(?<![\d.,])"
#: Not followed by a letter or digit: "28 см" yes, "5 мультитулів" and "m2" no.
_END = r"(?![^\W_])"


@dataclass(frozen=True)
class MeasureKind:
    """One kind of measure: a regex over a title and the units it reads, each with its factor.

    ``pattern`` has a group ``n`` (one number, or several joined by "x" for dimensions, or a
    range "18-105") and a group ``u`` (the unit). The value is the numbers times the unit's
    factor, so that "1,6 кг" and "1600 g" meet; units of different systems (cm and inches) are
    different kinds, since rounding makes them hard to compare honestly.
    """

    name: str
    pattern: re.Pattern[str]
    #: ``(regex, factor)`` for each unit spelling, tried in order against the matched unit.
    units: tuple[tuple[str, float], ...]


def _kind(name: str, units: tuple[tuple[str, float], ...], numbers: str = _NUMBER) -> MeasureKind:
    alternatives = "|".join(unit for unit, _ in units)
    pattern = re.compile(rf"{_START}(?P<n>{numbers})\s*-?\s*(?P<u>{alternatives}){_END}", re.IGNORECASE)
    return MeasureKind(name, pattern, units)


#: Dimensions "30x40", "30 x 40 x 5" and ranges "18-105" count as one value.
_DIMENSIONS = rf"{_NUMBER}(?:\s*[x×х*]\s*{_NUMBER}){{0,2}}|{_NUMBER}\s*[-–]\s*{_NUMBER}"

#: Tyre section (ISO metric and LT flotation): "185/65", "31/10,5" or "31x10.50" before a rim.
_TYRE_SECTION = re.compile(
    rf"{_START}(?:(?P<width>\d{{3}})\s*/\s*(?P<profile>\d{{2}})(?![\d.,])"
    rf"|(?P<fwidth>\d{{2}})\s*[x×х/]\s*(?P<fprofile>\d{{1,2}}[.,]\d{{1,2}})(?=\s*z?[rр]\s?\d))",
    re.IGNORECASE,
)
#: Rim diameter, "C" for light-truck tyres, and the load and speed index after it: "R15 88T",
#: "R15C 104/102R", "ZR17 93W". Read before the units below, which "88V" (no voltage) and "93W"
#: (no power) would otherwise look like.
_TYRE_RIM = re.compile(
    rf"(?<![^\W\d_])z?[rр]\s?(?P<rim>\d{{2}}(?:[.,]5)?[cс]?){_END}"
    rf"(?:\s+(?P<service>\d{{2,3}}(?:/\d{{2,3}})?[a-z]){_END})?",
    re.IGNORECASE,
)

#: The kinds of measure the veto compares, read in this order; a span read by one is not read
#: again. Units are matched case-insensitively, Latin and Cyrillic alike.
MEASURE_KINDS: tuple[MeasureKind, ...] = (
    # Pieces and items where a title counts them: "12 предметів", "5 pcs", "3 штуки", "6-pack".
    _kind("pieces", (
        (r"pcs?|pieces?|pce|pk|pack|шт\.?|штук\w*|предмет\w*", 1.0),
    )),
    # Length, metric: "28 см", "2,5 m", "30x40 cm", "18-105mm".
    _kind("length", (
        (r"mm|мм", 1.0),
        (r"cm|см", 10.0),
        (r"m|м", 1000.0),
    ), _DIMENSIONS),
    # Inches and feet: screen sizes and other imperial lengths: 32", 55-inch, 10 дюймів, 15 in, 6 ft.
    _kind("inches", (
        (r"\"|''|inch(?:es)?|дюйм\w*|in\.|in(?=\s*(?:$|[,;)/|]))", 1.0),
        (r"ft\.?|feet|foot|фут\w*", 12.0),
    ), _DIMENSIONS),
    # US volume, read before ounces of weight: "12 fl oz", "1 gallon".
    _kind("fluid ounces", (
        (r"fl\.?\s?oz\.?|fluid\s+ounces?", 1.0),
        (r"gal(?:lons?)?", 128.0),
    )),
    # Imperial weight: "16 oz", "2 lb", "5 lbs".
    _kind("ounces", (
        (r"oz\.?|ounces?|унц\w*", 1.0),
        (r"lbs?\.?|pounds?|фунт\w*", 16.0),
    )),
    # Volume: "1,5 л", "500 ml", "2 літри".
    _kind("volume", (
        (r"ml|мл", 1.0),
        (r"l|л|lit(?:er|re)s?|літр\w*|литр\w*", 1000.0),
    )),
    # Weight: "1,6 кг", "500 g", "250 гр".
    _kind("weight", (
        (r"mg|мг", 0.001),
        (r"g|gr|grams?|г|гр|грам\w*", 1.0),
        (r"kg|кг", 1000.0),
    )),
    # Electric power: "1000W", "2 кВт".
    _kind("power", (
        (r"w|вт", 1.0),
        (r"kw|квт", 1000.0),
    )),
    # Voltage: "12V", "220 В". The Cyrillic letter is also the preposition "в" ("2 в 1"), so only
    # a capital В or a small one glued to its number counts.
    _kind("voltage", (
        (r"v|(?-i:В)|(?<=\d)в", 1.0),
    )),
    # Battery charge: "2000 mAh", "7 Ач".
    _kind("charge", (
        (r"mah|мач|маг|мa·?ч", 1.0),
        (r"ah|ач|аг", 1000.0),
    )),
    # Storage and memory: "32GB", "1 ТБ" (decimal units; only agreement matters, not bytes).
    _kind("storage", (
        (r"kb|кб", 0.001),
        (r"mb|мб", 1.0),
        (r"gb|гб", 1000.0),
        (r"tb|тб", 1000000.0),
    )),
)  # fmt: skip


_REPEATED_UNIT = re.compile(r"(\d)\s*([^\W\d_]{1,3})\s*([-–x×х*]\s*)(?=\d+(?:[.,]\d+)?\s*\2(?![^\W_]))", re.IGNORECASE)


def _number(text: str) -> float:
    """Return "1,6" or "1.6" as 1.6, and "1,000" (a thousands separator) as 1000."""
    whole, _, fraction = text.replace(",", ".").partition(".")
    if "," in text and len(fraction) == 3 and whole.strip("0"):
        return float(whole + fraction)
    return float(text.replace(",", "."))


def _value(numbers: str, factor: float) -> tuple[float, ...]:
    parts = re.split(r"\s*[x×х*\-–]\s*", numbers.strip(), flags=re.IGNORECASE)
    values = [round(_number(p) * factor, 6) for p in parts if p]
    # "40x30" and "30x40" name one size; a range "18-105" keeps its order all the same.
    return tuple(sorted(values))


def extract_measures(text: str | None) -> Measures:
    """Return the measures a title states, by kind (:data:`MEASURE_KINDS`, plus tyre sizes).

    Tyre sizes give three kinds: ``tyre`` (width and profile), ``rim`` (diameter, with "C" for
    light-truck tyres) and ``tyre service`` (load and speed index).
    """
    if not text:
        return {}
    title = unicodedata.normalize("NFKC", text)
    if not any(ch.isdigit() for ch in title):
        return {}  # every measure starts with a number ("½" is one after NFKC: "1⁄2")
    # Inch marks as typed: ″, ” and “ after a number (NFKC spells ″ as two primes).
    title = re.sub(r"(?<=\d)\s*(?:″|′′|”|“)", '"', title)
    # A unit written on both ends of a size or range counts once: "17mm - 85mm" is "17-85mm".
    title = _REPEATED_UNIT.sub(r"\1\3", title)
    found: dict[str, set[tuple[float | str, ...]]] = {}
    masked = list(title)
    changed = False

    def mask(start: int, end: int) -> None:
        nonlocal changed
        masked[start:end] = " " * (end - start)
        changed = True

    def masked_text() -> str:
        # Each kind reads the title with the measures found so far blanked out; most titles
        # state one measure or none, so the text is rebuilt only after a mask.
        nonlocal changed, title
        if changed:
            title, changed = "".join(masked), False
        return title

    for match in _TYRE_SECTION.finditer(title):
        width = match.group("width") or match.group("fwidth")
        profile = match.group("profile") or match.group("fprofile")
        found.setdefault("tyre", set()).add((_number(width), _number(profile)))
        mask(*match.span())
    for match in _TYRE_RIM.finditer(masked_text()):
        rim = match.group("rim").casefold().replace(",", ".").replace("с", "c")
        found.setdefault("rim", set()).add((rim,))
        if match.group("service"):
            found.setdefault("tyre service", set()).add((match.group("service").casefold(),))
        mask(*match.span())
    for kind in MEASURE_KINDS:
        for match in kind.pattern.finditer(masked_text()):
            unit = match.group("u")
            factor = next(f for spelling, f in kind.units if re.fullmatch(spelling, unit, re.IGNORECASE))
            value = _value(match.group("n"), factor)
            if kind.name == "weight" and unit.casefold() == "г" and len(value) == 1 and 1900 <= value[0] <= 2100:
                continue  # "2019 г." is a year
            found.setdefault(kind.name, set()).add(value)
            mask(*match.span())
    return {kind: frozenset(values) for kind, values in found.items()}


def measures_conflict(a: Measures, b: Measures) -> bool:
    """Tell whether two titles' measures rule out one product: some kind both state, no value shared."""
    return any(not a[kind] & b[kind] for kind in a.keys() & b.keys())
