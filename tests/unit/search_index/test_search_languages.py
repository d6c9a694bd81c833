"""Search in uk, ru and en: category paths in three languages, supplier paths, variants, spelling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from search_index import SearchIndex, SearchQuery
from search_index.analysis import analyze
from search_index.schema import build_schema, outdated_fields
from search_index.spelling import crosses_language, same_word_across_languages, script_of
from tests.support.search import found, ids, make_offer

# Google's paths for "Motor Vehicle Tires" (911) and "Laptops" (328), as the seeded tree has them.
TYRES = {
    "category_ids": (888, 5613, 899, 911),
    "category_path": "Vehicles & Parts > Vehicle Parts & Accessories > Motor Vehicle Parts > "
    "Motor Vehicle Wheel Systems > Motor Vehicle Tires",
    "category_path_uk": "Транспортні засоби та запчастини > Запчастини й аксесуари для транспортних засобів > "
    "Автозапчастини > Колісні системи для транспортних засобів > Шини для транспортних засобів",
    "category_path_ru": "Транспортные средства и запчасти > Автомобильные детали и принадлежности > "
    "Автомобильные запчасти > Автомобильные колёсные системы > Шины для автомобилей",
}
LAPTOPS = {
    "category_ids": (222, 278, 328),
    "category_path": "Electronics > Computers > Laptops",
    "category_path_uk": "Електроніка > Комп’ютери > Ноутбуки",
    "category_path_ru": "Электроника > Компьютеры > Ноутбуки",
}
SHOP = (
    # Titles as tyre and laptop feeds write them: no word for the kind of goods.
    make_offer(1, "Michelin Alpin 6 205/55 R16 91H", brand="Michelin", **TYRES),
    make_offer(2, "Toyo Observe G1S 205/65 R15", brand="Toyo", **TYRES),
    make_offer(3, "Lenovo IdeaPad 3 15ITL6 i5/8/512", brand="Lenovo", **LAPTOPS),
    # A car mat whose description mentions tyres, and a liquid ("рідина") for the look-alike test.
    make_offer(4, "Килимок у багажник", description="Не боїться бруду з шин і снігу.", category_ids=(888,)),
    make_offer(5, "Рідина для склоомивача зимова -20", category_ids=(888,)),
    # The supplier's own category names the goods; the offer is in no marketplace category.
    make_offer(6, "Continental WinterContact TS 870", supplier="rezina", supplier_category_path="Автошины > R16"),
    make_offer(7, "Ножиці кухонні сталеві", category_ids=(536,)),
    make_offer(8, "Чайник электрический 1,7 л", category_ids=(536,)),
    make_offer(9, "Winter tyre chains 2 pcs", category_ids=(888,)),
)


@pytest.fixture(scope="module")
def shop(make_module_index: Callable[[str], SearchIndex]) -> Iterator[SearchIndex]:
    index = make_module_index("languages")
    index.index(SHOP)
    yield index
    index.close()


@pytest.mark.parametrize("word", ["шина", "шини", "шины", "шинами", "tires", "tyres", "tyre", "Tires"])
def test_tyres_are_found_by_their_category_name_in_every_language(shop: SearchIndex, word: str) -> None:
    assert {1, 2} <= found(shop, word)


@pytest.mark.parametrize("word", ["ноутбук", "ноутбуки", "ноутбуків", "laptop", "laptops"])
def test_laptops_are_found_by_their_category_name_in_every_language(shop: SearchIndex, word: str) -> None:
    assert found(shop, word) == {3}


def test_a_category_word_with_a_title_word_finds_the_one_offer(shop: SearchIndex) -> None:
    assert found(shop, "шини michelin") == {1}
    assert found(shop, "ноутбук lenovo") == {3}


def test_the_suppliers_own_category_path_is_searched(shop: SearchIndex) -> None:
    assert found(shop, "автошины") == {6}
    assert found(shop, "автошины r16") == {6}


def test_an_offer_in_the_category_ranks_above_one_that_mentions_the_word(shop: SearchIndex) -> None:
    results = shop.search(SearchQuery(text="шини", per_page=10))
    assert 4 in ids(results)  # its description says "шин": it matches
    assert ids(results)[-1] == 4  # but the tyres, in a category so named, come first


def test_british_and_american_spellings_are_one_word() -> None:
    assert analyze("tyres") == analyze("tires") == analyze("tire") == ["tire"]
    assert analyze("colour") == analyze("colors")
    assert analyze("aluminium") == analyze("aluminum")
    assert analyze("jewellery") == analyze("jewelry")
    # Pairs whose British spelling is another word too are left alone.
    assert analyze("story") != analyze("storey")


def test_a_british_title_is_found_by_the_american_word(shop: SearchIndex) -> None:
    assert 9 in found(shop, "tire chains")
    assert found(shop, "tyre chains") == {9}


@pytest.mark.parametrize("word", ["резина", "резину", "гума", "покрышки", "покришки"])
def test_what_buyers_call_tyres_finds_tyres(shop: SearchIndex, word: str) -> None:
    results = shop.search(SearchQuery(text=word, per_page=20))
    assert {1, 2} <= set(ids(results))
    assert results.suggestion is None and results.corrected is False


def test_synonyms_are_one_way(make_index: Callable[..., SearchIndex]) -> None:
    # "резина" also finds tyres; "шина" never finds what "резина" (rubber) does.
    index = make_index()
    index.index([make_offer(1, "Toyo Observe G1S 205/65 R15", **TYRES), make_offer(2, "Резиновые сапоги")])
    assert found(index, "резина") == {1, 2}
    assert found(index, "шина") == {1}


# --- spelling correction across languages -------------------------------------------------


def test_known_words_are_never_corrected(shop: SearchIndex) -> None:
    for text in ("шини", "шины", "tyres", "tires", "ноутбук"):
        results = shop.search(SearchQuery(text=text))
        assert results.suggestion is None and results.corrected is False, text


def test_two_known_words_that_find_nothing_together_are_not_corrected(shop: SearchIndex) -> None:
    results = shop.search(SearchQuery(text="ноутбук рідина"))
    assert results.relaxed is True and results.suggestion is None and results.corrected is False


def test_a_russian_word_is_not_corrected_into_a_ukrainian_look_alike(make_index: Callable[..., SearchIndex]) -> None:
    # No tyres here: "резина" matches nothing, and "рідина" is two letters away.
    index = make_index()
    index.index([make_offer(1, "Рідина для склоомивача зимова"), make_offer(2, "Ніж кухонний")])
    results = index.search(SearchQuery(text="резина"))
    assert results.total == 0 and results.suggestion is None and results.corrected is False


def test_the_same_word_in_the_other_language_corrects_only_when_nothing_else_is_found(shop: SearchIndex) -> None:
    alone = shop.search(SearchQuery(text="ножницы"))
    assert alone.suggestion == "ножиці" and alone.corrected is True and ids(alone) == [7]
    # With a word that finds something, the buyer's own words win: relaxed, not corrected.
    mixed = shop.search(SearchQuery(text="ножницы чайник"))
    assert mixed.corrected is False and mixed.relaxed is True and ids(mixed) == [8]
    assert mixed.suggestion == "ножиці чайник"  # still offered as "did you mean"


def test_a_misspelling_stays_in_its_language_and_script(shop: SearchIndex) -> None:
    results = shop.search(SearchQuery(text="чайнек"))
    assert results.suggestion == "чайник" and ids(results) == [8]
    results = shop.search(SearchQuery(text="michelen"))
    assert results.suggestion == "michelin" and ids(results) == [1]


def test_script_and_language_rules() -> None:
    assert script_of("шина") == "cyrillic" and script_of("tyre") == "latin"
    assert script_of("сanon") is None  # a Cyrillic с in a Latin word: mixed, never corrected
    assert crosses_language("ножницы", "ножиці") and crosses_language("резина", "рідина")
    assert crosses_language("шини", "шины") and not crosses_language("шина", "шини")  # both Ukrainian
    assert not crosses_language("чайнек", "чайник") and not crosses_language("котел", "котёл")
    assert same_word_across_languages("ножницы", "ножиці") and same_word_across_languages("цена", "ціна")
    assert not same_word_across_languages("резина", "рідина")


def test_category_words_are_suggested_while_typing(shop: SearchIndex) -> None:
    assert "ноутбуки" in shop.suggest("ноут").queries
    assert any(query.startswith("шин") for query in shop.suggest("шин").queries)


# --- an index from before the category field is rebuilt ------------------------------------


def test_an_index_without_the_category_field_is_outdated(tmp_path: Path) -> None:
    schema = build_schema()
    schema.remove("category")
    assert outdated_fields(schema) == ["category", "spell_category"]
    (tmp_path / "gen-1").mkdir()
    whoosh_index.create_in(str(tmp_path / "gen-1"), schema)
    (tmp_path / "CURRENT").write_text("gen-1\n")
    with SearchIndex(tmp_path) as index:
        assert index.is_outdated()
        assert index.search(SearchQuery(text="шини")).total == 0  # nothing until rebuilt
        index.rebuild(SHOP)
        assert not index.is_outdated()
        assert {1, 2} <= found(index, "шини")
