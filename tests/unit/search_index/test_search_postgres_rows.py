"""The PostgreSQL engine's row of one offer: its weighted lexemes and its spelling words (no database)."""

from __future__ import annotations

from search_index import OfferDocument
from search_index.analysis import analyze
from search_index.postgres.rows import document_row


def _lexemes(literal: str) -> dict[str, str]:
    """Return the ``tsvector`` literal's lexemes (unquoted) and their positions."""
    found = {}
    for entry in literal.split(" "):
        term, _sep, places = entry.rpartition(":")
        found[term.strip("'")] = places
    return found


def test_a_word_longer_than_a_lexeme_can_hold_is_left_out_and_keeps_its_place() -> None:
    # 300 ASCII letters are 300 bytes and 260 Cyrillic ones 520: both fit the 1,000-byte limit.
    # 600 Cyrillic letters are 1,200 bytes: left out, yet the words after it keep their positions.
    fits, fits_cyrillic, too_long = "q" * 300, "ж" * 260, "ж" * 600
    doc = OfferDocument(1, 1, "acme", "Kettle", brand="Bosch", description=f"{fits} {too_long} {fits_cyrillic} handle")
    row, words = document_row(doc)
    lexemes = _lexemes(row["doc"])
    (kettle,), (supplier,), (handle,) = analyze("kettle"), analyze("acme"), analyze("handle")
    assert (lexemes[kettle], lexemes["bosch"], lexemes[supplier]) == ("1A", "2B", "3D")
    assert (lexemes[fits], lexemes[analyze(fits_cyrillic)[0]], lexemes[handle]) == ("4D", "6D", "7D")
    assert not any(len(term.encode("utf-8")) > 1_000 for term in lexemes)
    assert words == {"kettle", "bosch"}


def test_offers_sharing_a_brand_and_category_get_the_same_lexemes_for_them() -> None:
    # Brand and category paths are analysed once per process and reused: the second offer
    # gets them as the first did, at its own positions.
    shared = {"brand": "Tefal", "category_path": "Дім і сад > Кухня > Сковороди"}
    first, _ = document_row(OfferDocument(1, 1, "acme", "Сковорода", **shared))
    second, words = document_row(OfferDocument(2, 2, "acme", "Сковорода чавунна 28 см", **shared))
    one, two = _lexemes(first["doc"]), _lexemes(second["doc"])
    assert one["tefal"] == "2B" and two["tefal"] == "5B"
    category = analyze("Сковороди")[0]
    assert one[category].endswith("C") and two[category].endswith("C")
    assert {"tefal", "кухня", "сковороди"} <= words
