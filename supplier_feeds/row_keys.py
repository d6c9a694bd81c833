"""Derive the id of a price-list row that has none from what names it: its name and characteristic.

A 1C price list ("Номенклатура", "Характеристика", "Цена", "Остаток") often carries no code
column. Its rows are still told apart by name plus characteristic, so that pair, normalised,
is the key: the same row gets the same key in every later file, whatever the row order, and
a re-import updates the same offer. The consequence, said in the report and the README:
renaming a product in 1C makes it a new offer (and withdraws the old one).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: Starts every derived id, so that a person reading one knows it was made from the name.
PREFIX = "name-"
_HASH_CHARS = 16
_SPACES = re.compile(r"\s+")


def derived_sku(name: str, variant: str | None = None) -> str:
    """Return the id of a row named ``name`` (and ``variant``): "name-" and 16 hex digits.

    Case, Unicode forms, "ё" and runs of whitespace do not change the id; any other edit does.
    """
    text = f"{_normalised(name)}\x1f{_normalised(variant or '')}"
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()[:_HASH_CHARS]


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _SPACES.sub(" ", text).strip()
