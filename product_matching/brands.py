"""Brands a listing states, and when two listings' brands conflict."""

from __future__ import annotations

import re
from collections.abc import Sequence, Set

from product_matching.codes import NOT_ALNUM, fold, normalize_code, tokens
from product_matching.records import MatchText

# --- Conflicting brands ---------------------------------------------------------------------
#
# Many products share a size, a category word and a line name ("155/70 R13 75T", "Winter"), so
# text similarity can pull a product without a twin onto another brand's. Two offers that both
# state a brand, and state different brands, are not one product. A brand is stated by the
# brand field, or by a title that starts with a brand the catalog knows (some feeds have no
# brand field, but their titles begin with it), or by the first Latin word of a Cyrillic title
# (:func:`title_brand`).
#
# Brands are spelled many ways, so "different" is strict: "Canon" and "Canon USA" agree (one
# contains the other), "HP" and "Hewlett-Packard" agree (initials), and a brand in Cyrillic and
# one in Latin letters are never called different: transliteration ("Бош" / "Bosch", "Тефаль" /
# "Tefal") is guesswork, and a guess that fails would veto a true pair.

_CYRILLIC = re.compile(r"[а-яёіїєґўј]")
_LATIN = re.compile(r"[a-z]")
#: The longest brand, in title words, looked for at the start of a title.
MAX_BRAND_WORDS = 3


def normalize_brand(value: str | None) -> str:
    """Return a brand as lower-case letters and digits: "Hewlett-Packard" -> "hewlettpackard"."""
    return normalize_code(value) if value else ""


def _initials(value: str) -> str:
    words = [w for w in NOT_ALNUM.split(fold(value)) if w]
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def brands_conflict(a: str | None, b: str | None) -> bool:
    """Tell whether two stated brands name different makers (see the comment above)."""
    key_a, key_b = normalize_brand(a), normalize_brand(b)
    if not key_a or not key_b or key_a in key_b or key_b in key_a:
        return False
    if key_a == _initials(b or "") or key_b == _initials(a or ""):
        return False
    scripts_a = (bool(_CYRILLIC.search(key_a)), bool(_LATIN.search(key_a)))
    scripts_b = (bool(_CYRILLIC.search(key_b)), bool(_LATIN.search(key_b)))
    return scripts_a == scripts_b


#: Words after which a brand names what a product fits, not who made it: "Чохол для Samsung".
_FITS = frozenset({"для", "до", "під", "под", "к", "for", "fits"})


def _known_at(words: list[str], known: Set[str]) -> str | None:
    for length in range(min(len(words), MAX_BRAND_WORDS), 0, -1):
        if "".join(words[:length]) in known:
            return " ".join(words[:length])
    return None


def title_brand(title: str, known: Set[str] = frozenset()) -> str | None:
    """Return the brand ``title`` states: a ``known`` brand it starts with, or its first Latin word if it is Cyrillic.

    Ukrainian and Russian shops write "type, brand, model": "Сковорода Fiskars All Steel 28 см".
    The first word in Latin letters of such a title is its brand (or, where the catalog knows a
    longer brand starting there, that brand), unless it follows "для" ("for") or holds a digit (a
    model code). A Latin title states a brand only by starting with one the catalog knows.
    """
    words = tokens(title)
    found = _known_at(words, known)
    if found or not _CYRILLIC.search(fold(title)):
        return found
    for i, word in enumerate(words):
        if _LATIN.search(word) and not _CYRILLIC.search(word):
            if (i and words[i - 1] in _FITS) or any(ch.isdigit() for ch in word) or len(word) < 2:
                return None
            return _known_at(words[i:], known) or word
    return None


def stated_brands(record: MatchText, known: Set[str] = frozenset()) -> tuple[str, ...]:
    """Return the brands ``record`` states: its brand field, and the brand its title states (:func:`title_brand`)."""
    found = [record.brand] if record.brand and normalize_brand(record.brand) else []
    in_title = title_brand(record.title, known)
    if in_title:
        found.append(in_title)
    return tuple(found)


def mentions(title: str, brand: str) -> bool:
    """Tell whether ``title`` names ``brand`` as a word or words ("Polk Audio", "polkaudio")."""
    words = tokens(brand)
    if not words:
        return False
    title_words = tokens(title)
    return f" {' '.join(words)} " in f" {' '.join(title_words)} " or "".join(words) in title_words


def offers_brands_conflict(brands_a: Sequence[str], title_a: str, brands_b: Sequence[str], title_b: str) -> bool:
    """Tell whether two offers state different makers: both state one, no two agree, neither title names the other's.

    A brand field may name a distributor or parent ("Whirlpool" for a Maytag oven) while the
    title names the maker; the listing is the other maker's only if nothing in it agrees.
    """
    if not brands_a or not brands_b:
        return False
    if any(not brands_conflict(x, y) for x in brands_a for y in brands_b):
        return False
    return not (any(mentions(title_b, x) for x in brands_a) or any(mentions(title_a, y) for y in brands_b))
