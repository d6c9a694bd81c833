"""Colours a listing states, and when two listings' colours conflict."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# --- Conflicting colours ----------------------------------------------------------------------
#
# A black kettle and a red one of the same model are two products with two prices, and their
# titles agree on everything but one word, so text similarity alone joins them. Two offers that
# both state a colour, and share none, are kept apart; an offer that states none says nothing.
#
# Only plain colour words count, in English, Ukrainian and Russian, each mapped to one name
# ("grey" and "gray", "чорний" and "черный" are one colour). Shades a shop invents ("midnight",
# "graphite") are left out: they cannot be compared honestly. A colour word inside the brand
# ("Black+Decker") is the brand's, not the product's.

#: Adjective endings of Ukrainian and Russian colour words: "чорн" + "ий", "черн" + "ая", ...
_ENDINGS = r"(?:ий|ій|ый|ой|а|я|е|є|і|и|ого|ому|им|ім|ых|их|ую|юю|ая|яя|ое|ее|ые|ие|ього)"

#: Each colour with its spellings: English words, and Ukrainian and Russian stems.
COLOURS: dict[str, tuple[str, ...]] = {
    "black": ("black", f"чорн{_ENDINGS}", f"черн{_ENDINGS}"),
    "white": ("white", f"біл{_ENDINGS}", f"бел{_ENDINGS}"),
    "red": ("red", f"червон{_ENDINGS}", f"красн{_ENDINGS}"),
    "blue": ("blue", f"син{_ENDINGS}", f"блакитн{_ENDINGS}", f"голуб{_ENDINGS}"),
    "green": ("green", f"зелен{_ENDINGS}", f"зелён{_ENDINGS}"),
    "grey": ("grey", "gray", f"сір{_ENDINGS}", f"сер{_ENDINGS}"),
    "silver": ("silver", f"срібн{_ENDINGS}", f"срібляст{_ENDINGS}", f"серебрист{_ENDINGS}", f"серебрян{_ENDINGS}"),
    "pink": ("pink", f"рожев{_ENDINGS}", f"розов{_ENDINGS}"),
    "yellow": ("yellow", f"жовт{_ENDINGS}", f"желт{_ENDINGS}", f"жёлт{_ENDINGS}"),
    "orange": ("orange", f"помаранчев{_ENDINGS}", f"оранжев{_ENDINGS}"),
    "purple": ("purple", "violet", f"фіолетов{_ENDINGS}", f"фиолетов{_ENDINGS}"),
    "brown": ("brown", f"коричнев{_ENDINGS}"),
    "gold": ("gold", "golden", f"золот{_ENDINGS}", f"золотист{_ENDINGS}"),
    "beige": ("beige", f"бежев{_ENDINGS}"),
}

_WORD = re.compile(r"[^\W\d_]+")
_SPELLINGS = [(colour, re.compile("|".join(spellings))) for colour, spellings in COLOURS.items()]


def _colour_of(word: str) -> str | None:
    for colour, pattern in _SPELLINGS:
        if pattern.fullmatch(word):
            return colour
    return None


def stated_colours(texts: Iterable[str | None], brand: str | None = None) -> frozenset[str]:
    """Return the colours ``texts`` (a title, a colour param) name as whole words, not counting the brand's."""
    brand_words = {w.casefold() for w in _WORD.findall(brand or "")}
    found = set()
    for text in texts:
        if not text:
            continue
        for word in _WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
            if word not in brand_words:
                colour = _colour_of(word)
                if colour:
                    found.add(colour)
    return frozenset(found)


def colours_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Tell whether two offers' stated colours rule out one product: both state some, none shared."""
    return bool(a) and bool(b) and not a & b
