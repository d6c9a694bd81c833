"""The analyzer: script routing, Russian/Ukrainian/English stemming, codes."""

from __future__ import annotations

import pickle

import pytest

from search_index.analysis import (
    analyze,
    code_variants,
    normalize_code,
    offer_analyzer,
    spelling_words,
    stem_token,
)
from search_index.schema import build_schema
from tests.support.search import CATALOG


def same_stem(*words: str) -> bool:
    return len({stem_token(word.lower()) for word in words}) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ("котел", "котла", "котлу", "котлом", "котлы", "котлов", "котлами", "котёл"),
        ("чайник", "чайника", "чайники", "чайников"),
        ("сковорода", "сковороды", "сковороду"),
        ("ремень", "ремня", "ремни"),
        ("молоток", "молотка", "молотки"),
        ("электрический", "электрическая", "электрического", "электрическими"),
    ],
)
def test_russian_forms_share_a_stem(forms: tuple[str, ...]) -> None:
    assert same_stem(*forms)


@pytest.mark.parametrize(
    "forms",
    [
        # Ukrainian case forms; some contain і/ї (Ukrainian route), some do not (Russian).
        ("ножиці", "ножиць", "ножицям", "ножицями", "ножицях"),
        ("котел", "котла", "котлові", "котлі", "котли", "котлів", "котлами"),
        ("світильник", "світильника", "світильнику", "світильники", "світильників"),
        ("сковорідка", "сковорідки", "сковорідок", "сковорідкою"),
        ("електричний", "електрична", "електричні", "електричного", "електричної"),
        ("дриль", "дриля", "дрилі", "дрилів"),
        ("вулиця", "вулиці", "вулицею", "вулицю"),
    ],
)
def test_ukrainian_forms_share_a_stem(forms: tuple[str, ...]) -> None:
    assert same_stem(*forms)


def test_ukrainian_typed_on_a_russian_layout_still_matches() -> None:
    assert same_stem("ціна", "цина")
    assert same_stem("ножиці", "ножици")


def test_different_words_keep_different_stems() -> None:
    # Scissors in Ukrainian and Russian are different words; folding must not merge
    # unrelated stems either.
    assert stem_token("ножиці") != stem_token("ножницы")
    assert stem_token("цена") != stem_token("фен")
    assert stem_token("сок") != stem_token("ск")


def test_whoosh_tse_bug_is_worked_around() -> None:
    # Whoosh's Russian stemmer returns "ножит^" for "ножиць" (ц transliterated as t^s).
    assert stem_token("ножиць") == "ножиц"
    assert "^" not in stem_token("вулиця")


def test_yo_folds_to_ye() -> None:
    assert stem_token("ёлка") == stem_token("елка")
    assert analyze("Ёлочная") == analyze("елочная")


@pytest.mark.parametrize(
    "forms",
    [
        ("knife", "knives"),
        ("kettle", "kettles"),
        ("battery", "batteries"),
        ("shelf", "shelves"),
    ],
)
def test_english_forms_share_a_stem(forms: tuple[str, ...]) -> None:
    assert same_stem(*forms)


def test_tokens_with_digits_are_not_stemmed() -> None:
    assert analyze("GD-4186F 24кВт") == ["gd", "4186f", "24квт"]


def test_stop_words_are_dropped_but_short_numbers_kept() -> None:
    assert analyze("чехол для iPhone 5") == [
        stem_token("чехол"),
        stem_token("iphone"),
        "5",
    ]


def test_apostrophes_inside_ukrainian_words() -> None:
    assert analyze("м'ясорубка") == analyze("м’ясорубки") == [stem_token("мясорубка")]


def test_analyzer_keeps_character_offsets_for_highlighting() -> None:
    text = "Котёл GD-4186F"
    tokens = [(t.text, text[t.startchar : t.endchar]) for t in offer_analyzer()(text, chars=True)]
    assert tokens == [(stem_token("котёл"), "Котёл"), ("gd", "GD"), ("4186f", "4186F")]


def test_code_normalisation_and_variants() -> None:
    assert normalize_code("GD-4186F") == normalize_code("gd 4186f") == "gd4186f"
    assert code_variants("GD-4186F") == {"gd4186f", "gd", "4186f", "4186"}
    assert code_variants("") == set()


def test_schema_with_analyzer_survives_pickling() -> None:
    # Whoosh pickles the schema into the index TOC.
    schema = build_schema()
    restored = pickle.loads(pickle.dumps(schema))
    assert restored.names() == schema.names()
    assert restored["title"].analyzer == schema["title"].analyzer
    assert [t.text for t in restored["title"].analyzer("котлы")] == ["котл"]


SAMPLES = (
    *(offer.title for offer in CATALOG),
    *(offer.description for offer in CATALOG),
    "Чехол для iPhone 15 Pro, 1,5 м; м'ясорубка «Мрія» — ножиці/ножницы GD-4186F (R16) 1.24F",
    "THE Knives and forks of o'clock — Ёлка, ЁЖИК і їжак, ґанок; 2,5кВт 220В  \t\n  ÆØÅ straße",
    "",
    "   ",
    "a an the и в на і з — 5 л S",
)


@pytest.mark.parametrize("text", SAMPLES)
def test_analyze_gives_the_analyzers_terms_and_words(text: str) -> None:
    """The fast path the engines use must give exactly what the Whoosh analyzer gives."""
    analyzer = offer_analyzer()
    assert analyze(text) == [token.text for token in analyzer(text, mode="query")]
    assert spelling_words(text) == [token.text for token in analyzer(text, mode="index", no_morph=True)]
