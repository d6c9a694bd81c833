"""One offer as a row of the ``offers`` table: the checked fields and the weighted ``tsvector``.

The lexemes are our analyzer's (``search_index.analysis``), written as a ``tsvector`` literal,
so PostgreSQL stores them as they are (what the ``simple`` configuration would keep, without
parsing them again): both engines then stem alike in every language. Positions run on across
the parts in the order the Whoosh text field joins them, so a "quoted phrase" matches the same
neighbours; the weight says which part a position is in, for ranking.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from search_index.analysis import analyze, spelling_words
from search_index.documents import OfferDocument
from search_index.params import normalize_params
from search_index.schema import PART_SEPARATOR, TextParts, checked_document

__all__ = ["CODE_PREFIX", "code_lexeme", "document_row", "lexeme", "row_terms"]

#: Model-code terms share ``doc`` with the words, marked so that no word is mistaken for one.
#: The analyzer's tokens are runs of letters and digits, so they never start with it.
CODE_PREFIX = "#"
#: PostgreSQL keeps positions up to this; later words share the last position.
_MAX_POSITION = 16_383
#: And at most this many positions of one lexeme.
_MAX_POSITIONS = 256
#: A lexeme's limit is 2 KB; a longer "word" is nothing a buyer types.
_MAX_LEXEME_BYTES = 1_000


def lexeme(term: str, weight: str = "") -> str:
    """Return ``term`` quoted as one lexeme of a tsquery (``weight`` "A".."D" restricts it)."""
    quoted = "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
    return f"{quoted}:{weight}" if weight else quoted


def code_lexeme(code: str) -> str:
    """Return the lexeme of a ``codes`` term."""
    return CODE_PREFIX + code


def _parts(parts: TextParts) -> list[tuple[tuple[str, ...], str]]:
    """Return (terms, weight) in the order the Whoosh text field joins the parts."""
    return [
        (_terms(parts.title), "A"),
        (_terms(parts.alt_title), "A"),
        (_shared_terms(parts.brand), "B"),
        (_terms(parts.model), "D"),
        (_terms(parts.mpn), "D"),
        *((_shared_terms(path), "C") for path in parts.category_paths),
        (_terms(parts.params), "D"),
        (_shared_terms(parts.supplier_words), "D"),
        (_terms(parts.description), "D"),
    ]


def _fits(term: str) -> bool:
    """Return whether ``term`` fits one lexeme; a character is at most 4 bytes, so most are not encoded."""
    return len(term) <= _MAX_LEXEME_BYTES // 4 or len(term.encode("utf-8")) <= _MAX_LEXEME_BYTES


def _terms(text: str) -> tuple[str, ...]:
    """Return the index terms of one text part."""
    return tuple(analyze(text)) if text else ()


def _words(text: str) -> tuple[str, ...]:
    """Return the spelling words of one text part that a lexeme can hold."""
    return tuple(word for word in spelling_words(text) if _fits(word))


# A brand, a category path or a supplier's words is the same text for thousands of offers:
# its terms and words are found once per process.
_shared_terms = lru_cache(maxsize=8_192)(_terms)
_shared_words = lru_cache(maxsize=8_192)(_words)


def tsvector_literal(parts: TextParts, codes: Iterable[str]) -> str:
    """Return the document's weighted lexemes as a ``tsvector`` literal."""
    positions: dict[str, list[str]] = {}
    position = 0
    for terms, weight in _parts(parts):
        for term in terms:
            position += 1
            if position > _MAX_POSITION:
                position = _MAX_POSITION
            if not term or not _fits(term):
                continue
            found = positions.get(term)
            if found is None:
                positions[term] = [f"{position}{weight}"]
            elif len(found) < _MAX_POSITIONS:
                found.append(f"{position}{weight}")
    # Codes rank like title words (Whoosh's title clause matches a code too).
    code_position = f"{min(position + 1, _MAX_POSITION)}A"
    for code in codes:
        if code:
            positions.setdefault(code_lexeme(code), [code_position])
    return " ".join([f"{lexeme(term)}:{','.join(places)}" for term, places in positions.items()])


def row_terms(parts: TextParts) -> set[str]:
    """Return the unstemmed words did-you-mean and autocomplete learn from one document."""
    words: set[str] = set()
    for text in (parts.title, parts.alt_title):
        words.update(_words(text))
    for text in (parts.brand, *parts.category_paths):
        words.update(_shared_words(text))
    return words


def document_row(doc: OfferDocument) -> tuple[dict[str, Any], set[str]]:
    """Check one document; return its ``offers`` row and its spelling words.

    Raises ``InvalidDocumentError`` exactly where the Whoosh engine would.
    """
    fields, parts = checked_document(doc)
    values: list[str] = []
    numbers: dict[str, float] = {}
    for param in normalize_params(doc.param_pairs):
        values.append(f"{param.key}{PART_SEPARATOR}{param.value}".replace("\x00", " "))
        if param.numeric:
            try:
                number = float(param.value)
            except ValueError:
                continue
            if math.isfinite(number):
                numbers[param.key] = number
    row = {
        "offer_id": fields["offer_number"],
        "product_id": fields["product_id"],
        "supplier": fields["supplier"],
        "title": fields["_stored_title"],
        "snippet": fields["snippet"],
        "brand_key": fields["brand_key"],
        "brand_name": fields["brand_name"],
        "condition": fields["condition"],
        "price_minor": fields["price_minor"],
        "price_bucket": fields["price_bucket"],
        "in_stock": fields["in_stock"],
        "created_at": fields["created_at"],
        "updated_at": fields["updated_at"],
        "title_words": fields["title_words"],
        "category_ids": [int(part) for part in fields["category_chain"].split()],
        "param_values": values,
        "param_numbers": numbers,
        "param_facets": fields["param_facets"].decode("utf-8", "replace").replace("\x00", " "),
        "doc": tsvector_literal(parts, fields["codes"].split()),
    }
    return row, row_terms(parts)
