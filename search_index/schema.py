"""The Whoosh schema of the offer index, and the checked mapping from documents to fields."""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable
from typing import Any, NamedTuple

from whoosh import columns, fields

from search_index.analysis import code_variants, codes_analyzer, normalize_code, offer_analyzer, part_number_terms
from search_index.documents import OfferDocument
from search_index.params import NormalParam, normalize_params
from search_index.query import CONDITIONS

__all__ = [
    "CATEGORY_FIELD",
    "CODES_FIELD",
    "PRICE_EDGES_MINOR",
    "SPELLING_FIELDS",
    "TEXT_FIELD",
    "InvalidDocumentError",
    "TextParts",
    "build_schema",
    "checked_document",
    "document_fields",
    "outdated_fields",
]

#: The catch-all full-text field a buyer's words are matched in: title, brand,
#: description, category path, params and supplier. One field instead of six makes a
#: word one posting list instead of a union of six, which is what keeps matching fast.
TEXT_FIELD = "text"
#: Exact-match field of normalised model codes, MPNs and GTINs.
CODES_FIELD = "codes"
#: The offer's category paths: the marketplace's in en, uk and ru, and the supplier's own.
#: Also in the text field (matching); here for ranking, and for spelling in every language.
CATEGORY_FIELD = "category"
#: Fields whose unstemmed words feed "did you mean" and autocomplete.
SPELLING_FIELDS = ("title", "brand", CATEGORY_FIELD)

#: Upper bounds of the price facet's buckets, in minor units of the base currency (100,
#: 250, ... 50,000 UAH). Stored per document as a bucket number, so changing them needs a
#: rebuild.
PRICE_EDGES_MINOR = tuple(edge * 100 for edge in (100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000))
_CONDITIONS = frozenset(CONDITIONS)

#: Stored excerpt of the description, so hits can show a highlighted snippet without
#: storing whole descriptions (which would double the index).
SNIPPET_CHARS = 300

_MAX_INT64 = 2**63 - 1
_LIMITS = {
    "title": 1_000,
    "description": 20_000,
    "params": 10_000,
    "category_path": 1_000,
    "category_path_uk": 1_000,
    "category_path_ru": 1_000,
    "supplier_category_path": 1_000,
}
_DEFAULT_LIMIT = 500
# Punctuation around a title word that is no part of a code: "(GD-4186F)," -> "GD-4186F".
_WORD_EDGES = "()[]{}<>,;:!?\"'«»“”„"
#: A title word joined with its neighbour into a code must be this short once normalised:
#: "GD" + "4186F" is a code, a whole word beside a number hardly is.
_MAX_JOIN_PART = 12
_MAX_CODE = 40


class InvalidDocumentError(ValueError):
    """Report an :class:`OfferDocument` the index refuses to write."""

    def __init__(self, offer_id: object, reason: str) -> None:
        super().__init__(f"offer {offer_id!r}: {reason}")
        self.offer_id = offer_id
        self.reason = reason


def build_schema() -> fields.Schema:
    """Build the schema; changing it requires a rebuild of every existing index."""
    text = offer_analyzer()
    return fields.Schema(
        # The unique key (a term, for updates and deletes).
        offer_id=fields.ID(unique=True, stored=True),
        # Columns are read whole into lists once per segment (search_index.reading): numbers
        # as unsigned fixed-width integers, low-cardinality strings as references into a
        # list of unique values, the two layouts that read back in one slice.
        # shift_step=0 on numeric fields: one term per value instead of 16 trie terms.
        # Ranges are filtered on column values (WHOOSH.md), so the trie would only slow
        # every write; a NumericRange query still works, just without the speed-up.
        offer_number=_number(),
        product_id=_number(stored=True),
        supplier=fields.ID(stored=True, sortable=_refs()),
        # Matching: every clause of a query is looked up here (or in codes).
        text=fields.TEXT(analyzer=text),
        # Ranking: a clause found in the title or brand ranks the offer higher. spelling=True
        # keeps their unstemmed words in "spell_" fields for did-you-mean and autocomplete.
        title=fields.TEXT(analyzer=text, stored=True, spelling=True),
        brand=fields.TEXT(analyzer=text, spelling=True, phrase=False),
        # A clause found in a category's name ranks the offer above one whose description
        # merely mentions it: "шина" puts tyres above a car mat described as fitting them.
        category=fields.TEXT(analyzer=text, spelling=True, phrase=False),
        # Words in the title; among equal matches the shorter, more specific title wins.
        title_words=_number(bits=16),
        # Lower-cased brand for the brand filter and facet; brand_name keeps its spelling.
        brand_key=fields.ID(sortable=_refs()),
        brand_name=fields.ID(sortable=_refs()),
        codes=fields.KEYWORD(analyzer=codes_analyzer()),
        snippet=fields.STORED(),
        category_ids=fields.KEYWORD(),
        # The same ids root first, "1 10 100", as one column value for the category facet.
        category_chain=fields.ID(sortable=_refs()),
        # Integer minor units only: NUMERIC(float, sortable=True) crashes in Whoosh.
        price_minor=_number(stored=True),
        in_stock=fields.BOOLEAN(stored=True),
        # BOOLEAN cannot be sortable; this column backs the in-stock filter.
        stock=_number(bits=8),
        condition=fields.ID(stored=True, sortable=_refs()),
        # Index into PRICE_EDGES_MINOR, precomputed so the price facet is a column count.
        price_bucket=_number(bits=8),
        created_at=_number(),
        updated_at=_number(),
        # The offer's params normalised (see param_facets_value), read whole per searcher for the
        # param facets. Variable bytes: offers' param sets are too many for a column of references.
        param_facets=fields.COLUMN(columns.VarBytesColumn()),
    )


def _number(bits: int = 64, stored: bool = False) -> fields.NUMERIC:
    return fields.NUMERIC(int, bits=bits, signed=False, stored=stored, sortable=True, shift_step=0)


def _refs() -> columns.RefBytesColumn:
    return columns.RefBytesColumn()


def _text(doc: OfferDocument, name: str) -> str:
    value = getattr(doc, name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidDocumentError(doc.offer_id, f"{name} must be str, not {type(value).__name__}")
    # Lone surrogates (from badly decoded feeds) would raise inside the writer.
    value = value.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ").strip()
    return value[: _LIMITS.get(name, _DEFAULT_LIMIT)]


def _int(doc: OfferDocument, name: str, minimum: int) -> int:
    value = getattr(doc, name)
    # bool is an int subclass; Decimal and float are refused so money never goes float.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidDocumentError(doc.offer_id, f"{name} must be int, not {type(value).__name__}")
    if not minimum <= value <= _MAX_INT64:
        raise InvalidDocumentError(doc.offer_id, f"{name} out of range: {value}")
    return value


def price_bucket(price_minor: int) -> int:
    """Return the price facet bucket of a price: the index of the first edge not below it."""
    return bisect.bisect_left(PRICE_EDGES_MINOR, price_minor)


def _category_ids(doc: OfferDocument) -> str:
    raw = doc.category_ids
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        raise InvalidDocumentError(doc.offer_id, "category_ids must be a tuple of int")
    ids: list[str] = []
    for cid in raw:
        if isinstance(cid, bool) or not isinstance(cid, int) or cid < 0:
            raise InvalidDocumentError(doc.offer_id, f"bad category id: {cid!r}")
        ids.append(str(cid))
    return " ".join(dict.fromkeys(ids))


def _category_paths(doc: OfferDocument) -> list[str]:
    """Return the offer's category paths in every language, each once (uk/ru fall back to en)."""
    paths: dict[str, str] = {}
    for name in ("category_path", "category_path_uk", "category_path_ru", "supplier_category_path"):
        path = _text(doc, name)
        if path:
            paths.setdefault(path.casefold(), path)
    return list(paths.values())


def _is_code_like(word: str) -> bool:
    return any(map(str.isdigit, word)) and len(normalize_code(word)) >= 2


def title_codes(title: str) -> set[str]:
    """Return the code terms of the codes written into a title, however they are spaced.

    Each word with a digit gets the variants a model field would ("GD4186F" is also
    "4186f"); each pair of adjacent short words of which one has a digit is also joined
    ("GD 4186F" is also "gd4186f"), so a code found in the title matches the same queries
    as one in the model field.
    """
    words = [word.strip(_WORD_EDGES) for word in title.split()]
    # Asked once per word: a rebuild asks it of every word of every title.
    code_like = [_is_code_like(word) for word in words]
    terms: set[str] = set()
    for word, like in zip(words, code_like, strict=True):
        if like:
            terms |= {term for term in code_variants(word) if len(term) >= 3 or term.isdigit()}
    for (left, left_like), (right, right_like) in itertools.pairwise(zip(words, code_like, strict=True)):
        if not (left_like or right_like):
            continue
        left_code, right_code = normalize_code(left), normalize_code(right)
        if 0 < len(left_code) <= _MAX_JOIN_PART and 0 < len(right_code) <= _MAX_JOIN_PART:
            terms.add(left_code + right_code)
    return {term for term in terms if len(term) <= _MAX_CODE}


def _codes(model: str, mpn: str, gtin: str, sku: str, titles: Iterable[str]) -> str:
    terms = part_number_terms(sku)
    for code in (model, mpn, gtin):
        terms |= code_variants(code)
    for title in titles:
        terms |= title_codes(title)
    return " ".join(sorted(terms))


#: Separators of the param facets column: between params, and between a param's parts.
PARAM_SEPARATOR, PART_SEPARATOR = "\x1e", "\x1f"


@functools.lru_cache(maxsize=65_536)
def _encoded(param: NormalParam) -> str:
    parts = (param.key, param.name, param.unit, param.value, param.label, "1" if param.numeric else "")
    return PART_SEPARATOR.join(part.replace(PARAM_SEPARATOR, " ").replace(PART_SEPARATOR, " ")[:200] for part in parts)


def param_facets_value(doc: OfferDocument) -> bytes:
    """Return the offer's normalised params as the param facets column stores them.

    Each param is "key, name, unit, value, label, numeric" joined by ``PART_SEPARATOR``; the
    params are joined by ``PARAM_SEPARATOR`` (``search_index.param_facets`` reads them back).
    """
    raw = doc.param_pairs
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        raise InvalidDocumentError(doc.offer_id, "param_pairs must be a tuple of (name, value)")
    params = [_encoded(param) for param in normalize_params(raw)]
    return PARAM_SEPARATOR.join(params).encode("utf-8", "replace")


def outdated_fields(schema: fields.Schema) -> list[str]:
    """Return the fields of ``schema`` (an index's) that this code would write differently.

    A field is outdated when it is missing or its analyzer changed (another tokenizer or
    a newer ``ANALYSIS_VERSION``): its terms no longer match what queries look up, so the
    index needs a rebuild.
    """
    current = build_schema()
    names = set(schema.names())
    outdated = []
    for name in current.names():
        if name not in names or getattr(current[name], "analyzer", None) != getattr(schema[name], "analyzer", None):
            outdated.append(name)
    return sorted(outdated)


class TextParts(NamedTuple):
    """The checked text of one document, part by part, in the order the text field joins them."""

    title: str
    alt_title: str
    brand: str
    model: str
    mpn: str
    category_paths: tuple[str, ...]
    params: str
    supplier_words: str
    description: str


def document_fields(doc: OfferDocument) -> dict[str, Any]:
    """Check one document and return the keyword arguments for the Whoosh writer.

    Raises :class:`InvalidDocumentError` for anything that could fail inside the writer,
    where a failure is far more expensive (see WHOOSH.md).
    """
    return checked_document(doc)[0]


def checked_document(doc: OfferDocument) -> tuple[dict[str, Any], TextParts]:
    """Check one document; return the Whoosh writer's fields and the text part by part.

    The parts are what every engine indexes as words (the PostgreSQL engine weights them
    one by one); the fields are the rest of what both engines store.
    """
    if not isinstance(doc, OfferDocument):
        raise InvalidDocumentError(None, f"expected OfferDocument, got {type(doc).__name__}")
    offer_id = _int(doc, "offer_id", 1)
    product_id = _int(doc, "product_id", 0)
    price_minor = _int(doc, "price_minor", 0)
    if not isinstance(doc.in_stock, bool):
        raise InvalidDocumentError(offer_id, "in_stock must be bool")
    supplier = _text(doc, "supplier")
    title = _text(doc, "title")
    if not supplier:
        raise InvalidDocumentError(offer_id, "supplier is empty")
    if not title:
        raise InvalidDocumentError(offer_id, "title is empty")
    alt_title = _text(doc, "alt_title")
    if alt_title.casefold() == title.casefold():
        alt_title = ""
    brand = _text(doc, "brand")
    model, mpn, gtin = _text(doc, "model"), _text(doc, "mpn"), _text(doc, "gtin")
    description = _text(doc, "description")
    category_paths = _category_paths(doc)
    params = _text(doc, "params")
    supplier_words = supplier.replace("-", " ").replace("_", " ")
    condition = doc.condition or "new"
    if condition not in _CONDITIONS:
        raise InvalidDocumentError(offer_id, f"unknown condition: {condition!r}")
    category_chain = _category_ids(doc)
    parts = TextParts(title, alt_title, brand, model, mpn, tuple(category_paths), params, supplier_words, description)
    fields = {
        "offer_id": str(offer_id),
        "offer_number": offer_id,
        "product_id": product_id,
        "supplier": supplier,
        # The model and MPN as words too, so "12-40" of model "ZX 12-40" matches its parts.
        "text": "\n".join((title, alt_title, brand, model, mpn, *category_paths, params, supplier_words, description)),
        # Both titles rank, only the main one is stored (and so shown and autocompleted).
        "title": f"{title}\n{alt_title}" if alt_title else title,
        "_stored_title": title,
        "title_words": min(len(title.split()), 65_535),
        "brand": brand,
        "category": "\n".join(category_paths),
        "brand_key": brand.lower(),
        "brand_name": brand,
        "codes": _codes(model, mpn, gtin, _text(doc, "sku"), (title, alt_title)),
        "snippet": description[:SNIPPET_CHARS],
        "category_ids": category_chain,
        "category_chain": category_chain,
        "price_minor": price_minor,
        "in_stock": doc.in_stock,
        "stock": 1 if doc.in_stock else 0,
        "condition": condition,
        "price_bucket": price_bucket(price_minor),
        "created_at": _int(doc, "created_at", 0),
        "updated_at": _int(doc, "updated_at", 0),
        "param_facets": param_facets_value(doc),
    }
    return fields, parts
