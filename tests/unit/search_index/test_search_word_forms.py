"""Ukrainian word forms share one stem; codes written only in titles are found however typed."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from search_index import SearchIndex, SearchQuery
from search_index.analysis import ScriptStemFilter, analyze, stem_token
from search_index.schema import build_schema, outdated_fields, title_codes
from tests.support.search import make_offer


def stems(*words: str) -> set[str]:
    return {stem_token(word) for word in words}


@pytest.mark.parametrize(
    "forms",
    [
        # Adjectives in -овий: only some forms contain і, and all must agree.
        ("газовий", "газові", "газового", "газових", "газовими", "газова", "газової", "газовій"),
        ("сталевий", "сталеві", "сталевого", "сталевих", "сталева"),
        # -нний/-нні: the doubled н must collapse on every route.
        ("кухонний", "кухонні", "кухонного", "кухонних", "кухонна"),
        ("площинний", "площинні", "площинного"),
        ("офісний", "офісні", "офісного"),
        ("синій", "сині", "синього", "синьої"),
        # Nouns, with the plural genitive in -ів and the closed-syllable і of "набір".
        ("ножиці", "ножиць", "ножицями", "ножицях"),
        ("набір", "набори", "наборів", "набору", "наборами"),
        ("котел", "котла", "котлові", "котлі", "котли", "котлів"),
        ("секатор", "секатори", "секаторів", "секатора"),
        ("каструля", "каструлі", "каструль", "каструлями"),
    ],
)
def test_every_form_of_a_ukrainian_word_has_one_stem(forms: tuple[str, ...]) -> None:
    assert len(stems(*forms)) == 1, {form: stem_token(form) for form in forms}


@pytest.mark.parametrize(
    "forms",
    [
        ("газовый", "газовые", "газового", "газовых"),
        ("стальной", "стальные", "стального"),
        ("кухонный", "кухонные", "кухонного"),
    ],
)
def test_russian_adjectives_keep_one_stem(forms: tuple[str, ...]) -> None:
    assert len(stems(*forms)) == 1


def test_one_syllable_stems_keep_the_russian_layout_match() -> None:
    # The і -> о rule is for closed syllables of longer stems only.
    assert stem_token("ціна") == stem_token("цина") == stem_token("цін")


def test_english_stemming_is_unchanged() -> None:
    assert analyze("Kitchen knives") == analyze("kitchen knife")


def test_a_decimal_code_is_one_token() -> None:
    assert analyze("Baxi ECO Life 1.24F") == ["baxi", "eco", "life", "1.24f"]
    assert analyze("1,5 л") == analyze("1.5 л")


def test_kitchen_finds_kitchen_scissors(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index()
    index.index([make_offer(1, "Ножиці кухонні Ferrum"), make_offer(2, "Ножиці садові")])
    for text in ("кухонний", "кухонні ножиці", "ножиць кухонних"):
        assert [hit.offer_id for hit in index.search(SearchQuery(text=text)).hits] == [1], text
    for text in ("газовий котел", "газові котли", "котлів газових"):
        index.index([make_offer(3, "Котел газовий настінний")])
        assert [hit.offer_id for hit in index.search(SearchQuery(text=text)).hits] == [3], text


CODE_TITLES = {
    # offer id: (title, model)
    1: ("Секатор площинний GD 4186F", ""),
    2: ("Секатор площинний GD4186F", ""),
    3: ("Секатор площинний GD-4186F", ""),
    4: ("Секатор площинний", "GD-4186F"),
    5: ("Секатор площинний", "GD 4186F"),
}


@pytest.mark.parametrize("typed", ["GD-4186F", "gd4186f", "GD 4186F", "gd 4186f", "4186F", '"GD 4186F"'])
def test_a_code_matches_however_typed_wherever_written(make_index: Callable[..., SearchIndex], typed: str) -> None:
    index = make_index()
    index.index(make_offer(i, title, model=model) for i, (title, model) in CODE_TITLES.items())
    index.index([make_offer(9, "Секатор GD 4187F")])
    found = {hit.offer_id for hit in index.search(SearchQuery(text=typed)).hits}
    assert found == set(CODE_TITLES), typed


def test_a_model_matches_by_its_own_word(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index()
    index.index([make_offer(1, "Об'єктив", model="ZX 12-40"), make_offer(2, "Об'єктив", model="ZX 14-42")])
    for typed in ("12-40", "ZX 12-40", "zx1240", "1240"):
        assert [hit.offer_id for hit in index.search(SearchQuery(text=typed)).hits] == [1], typed


def test_a_decimal_model_is_not_found_by_its_tail(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index()
    index.index([make_offer(1, "Котел Baxi ECO Life 24F"), make_offer(2, "Котел Baxi ECO Life 1.24F")])
    assert [hit.offer_id for hit in index.search(SearchQuery(text="24F")).hits] == [1]
    assert [hit.offer_id for hit in index.search(SearchQuery(text="1.24F")).hits] == [2]


def test_title_codes_join_neighbours_only_around_a_code() -> None:
    assert {"gd4186f", "4186f"} <= title_codes("Секатор GD 4186F (Fiskars)")
    assert "gd4186f" in title_codes("Секатор GD4186F")
    assert "4186f" in title_codes("Секатор GD4186F")
    assert title_codes("Ножиці кухонні Ferrum") == set()


def test_alt_title_is_matched_but_not_shown(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index()
    index.index([make_offer(1, "Ferrum Chef's knife 20 cm", alt_title="Ніж кухарський Ferrum 20 см")])
    hits = index.search(SearchQuery(text="ніж кухарський")).hits
    assert [(hit.offer_id, hit.title) for hit in hits] == [(1, "Ferrum Chef's knife 20 cm")]
    suggestions = index.suggest("ferr")
    assert suggestions.titles == ("Ferrum Chef's knife 20 cm",)


def test_an_index_with_an_older_analyzer_is_outdated(tmp_path: Path) -> None:
    schema = build_schema()
    assert outdated_fields(schema) == []
    old = ScriptStemFilter(version=1)
    for name in ("text", "title", "brand"):
        schema[name].analyzer = schema[name].analyzer.__class__(
            *[old if isinstance(item, ScriptStemFilter) else item for item in schema[name].analyzer.items]
        )
    assert outdated_fields(schema) == ["brand", "text", "title"]
    # A filter pickled before versions existed has no version attribute at all.
    legacy = pickle.loads(pickle.dumps(ScriptStemFilter()))
    del legacy.__dict__["version"]
    assert legacy == ScriptStemFilter(version=1) != ScriptStemFilter()

    (tmp_path / "gen-1").mkdir()
    whoosh_index.create_in(str(tmp_path / "gen-1"), schema)
    (tmp_path / "CURRENT").write_text("gen-1\n")
    with SearchIndex(tmp_path) as index:
        assert index.is_outdated()


@pytest.mark.usefixtures("whoosh_only")
def test_a_new_snapshot_is_warm_before_it_serves(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index()
    index.index([make_offer(1, "Котел газовий")])
    assert index.search(SearchQuery(text="котел")).total == 1
    index.index([make_offer(2, "Котел твердопаливний")])  # a writer commits
    stale = index._generation
    index.search(SearchQuery(text="котел"))
    fresh = index._generation
    assert fresh is not stale and fresh is not None
    # Every column and order was read when the snapshot opened, before it replaced the old one.
    from search_index.column_data import BYTES_COLUMNS as _BYTES
    from search_index.column_data import NUMBER_COLUMNS as _NUMBERS
    from search_index.column_data import STRING_COLUMNS as _STRINGS

    assert set(fresh._columns) == set(_NUMBERS) | set(_STRINGS) | set(_BYTES)
    assert fresh._param_table is not None
    assert {"rank", "static", "price", "newest"} <= set(fresh._positions)
