"""Units of measure: a request item keeps a short code ("pcs"), which each reader sees in their language.

A buyer types a unit freely. One that is a known unit in any of the site's languages ("шт.",
"pcs", "кг") is stored as its code, so a Russian supplier reads "шт." where a Ukrainian buyer
typed "шт."; any other text is kept as typed and shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

#: The unit a new item starts with.
DEFAULT_UNIT = "pcs"
#: Known units by code, with their short names.
UNITS: dict[str, LazyString] = {
    "pcs": _l("pcs"),
    "kg": _l("kg"),
    "g": _l("g"),
    "l": _l("l"),
    "m": _l("m"),
    "pack": _l("pack"),
    "set": _l("set"),
    "pair": _l("pair"),
}


def unit_label(unit: str) -> str:
    """Return how ``unit`` reads in the reader's language: a known code translated, other text as it is."""
    label = UNITS.get(unit)
    return str(label) if label is not None else unit


def unit_code(text: str, languages: Iterable[str]) -> str:
    """Return the code of the unit ``text`` names in any of ``languages``, or ``text`` itself (stripped)."""
    text = text.strip()
    wanted = _key(text)
    for code in UNITS:
        if wanted == _key(code):
            return code
    for language in languages:
        with force_locale(language):
            for code, label in UNITS.items():
                if wanted == _key(str(label)):
                    return code
    return text


def _key(text: str) -> str:
    # "шт", "шт." and "Шт." are one unit.
    return text.casefold().rstrip(".")
