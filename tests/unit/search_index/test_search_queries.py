"""Searching a small real catalogue: text, filters, sorting, paging, facets."""

from __future__ import annotations

import pytest

from search_index import SearchIndex, SearchQuery
from tests.support.search import CATALOG, found, ids

BOILERS = {1, 2, 9}


def test_roundtrip_returns_stored_fields(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(text="Буран"))
    assert results.total == 1
    (hit,) = results.hits
    assert (hit.offer_id, hit.product_id, hit.supplier) == (2, 2, "beta")
    assert hit.title == "Котёл твердотопливный Буран"
    assert hit.price_minor == 3_200_000 and isinstance(hit.price_minor, int)
    assert hit.in_stock is True
    assert hit.score > 0
    assert hit.highlight == "Котёл твердотопливный <b>Буран</b>"


def test_empty_text_browses_everything(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(per_page=100))
    assert results.total == len(CATALOG)
    assert set(ids(results)) == {offer.offer_id for offer in CATALOG}
    assert all(hit.highlight == "" for hit in results.hits)


@pytest.mark.parametrize("text", ["котел", "котлы", "котлов", "котлами", "котёл", "КОТЛА"])
def test_russian_stemming(catalog: SearchIndex, text: str) -> None:
    assert found(catalog, text) == BOILERS


@pytest.mark.parametrize("text", ["ножиці", "ножиць", "ножицями", "ножици"])
def test_ukrainian_stemming(catalog: SearchIndex, text: str) -> None:
    assert found(catalog, text) == {3}


@pytest.mark.parametrize("text", ["knife", "knives", "KNIVES"])
def test_english_stemming(catalog: SearchIndex, text: str) -> None:
    assert found(catalog, text) == {4}


@pytest.mark.parametrize("text", ["ёлочная", "елочная", "Ёлочной"])
def test_yo_and_ye_match(catalog: SearchIndex, text: str) -> None:
    assert found(catalog, text) == {7}


@pytest.mark.parametrize(
    "text",
    ["GD-4186F", "gd4186f", "GD 4186F", "gd 4186f", '"GD 4186F"', "gd_4186f", "4186F"],
)
def test_model_code_variants(catalog: SearchIndex, text: str) -> None:
    assert found(catalog, text) == {1}


@pytest.mark.parametrize("text", ["VC-2020X", "vc2020x", "VC 2020X", "sv18", "5025155049822"])
def test_codes_only_in_model_mpn_gtin_fields(catalog: SearchIndex, text: str) -> None:
    assert found(catalog, text) == {10}


def test_all_words_must_match(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(text="котел газовый"))
    assert ids(results) == [1]
    assert results.relaxed is False


def test_and_falls_back_to_or_and_says_so(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(text="котел knives", per_page=50))
    assert results.relaxed is True
    assert set(ids(results)) == BOILERS | {4}
    assert results.total == 4


def test_no_fallback_for_a_single_unknown_word(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(text="холодильник"))
    assert (results.total, results.relaxed, results.hits) == (0, False, ())


def test_phrase_requires_adjacent_words_in_order(catalog: SearchIndex) -> None:
    assert found(catalog, "red kettle") == {5, 6}
    assert found(catalog, '"red kettle"') == {5}
    assert found(catalog, '"kettle red"') == {6}


def test_words_found_in_description_category_and_params(catalog: SearchIndex) -> None:
    assert found(catalog, "двухконтурный") == {1}
    assert found(catalog, "твердотопливные") == {2}  # category_path only has plural
    assert found(catalog, "мощность") == {1}


def test_supplier_slug_is_searchable(catalog: SearchIndex) -> None:
    assert found(catalog, "gamma") == {4, 5}


@pytest.mark.parametrize(
    "text",
    [
        'title:(( AND OR "',
        "((((",
        '"',
        "*",
        "?~^",
        "AND OR NOT",
        "😀",
        "\x00",
        "x" * 5000,
    ],
)
def test_garbage_queries_never_raise(catalog: SearchIndex, text: str) -> None:
    results = catalog.search(SearchQuery(text=text))
    assert results.total >= 0


def test_max_and_min_price(catalog: SearchIndex) -> None:
    assert found(catalog, max_price_minor=120_000) == {3, 7, 8}
    assert found(catalog, min_price_minor=3_200_000) == {1, 2, 10}
    assert found(catalog, "котел", min_price_minor=2_100_000, max_price_minor=3_200_000) == {
        2,
        9,
    }
    assert found(catalog, min_price_minor=10, max_price_minor=5) == set()


def test_several_suppliers_are_ored(catalog: SearchIndex) -> None:
    assert found(catalog, suppliers=("beta",)) == {2, 3}
    assert found(catalog, suppliers=("beta", "delta")) == {2, 3, 6, 7, 9}
    assert found(catalog, "котел", suppliers=("beta", "delta")) == {2, 9}
    assert found(catalog, suppliers=("nobody",)) == set()


def test_category_matches_the_whole_subtree(catalog: SearchIndex) -> None:
    assert found(catalog, category_id=1) == BOILERS
    assert found(catalog, category_id=10) == BOILERS
    assert found(catalog, category_id=100) == {1}
    assert found(catalog, "kettle", category_id=2) == {5, 6}
    assert found(catalog, category_id=999) == set()


def test_in_stock_filter(catalog: SearchIndex) -> None:
    assert found(catalog, "kettle", in_stock=True) == {5}
    assert found(catalog, in_stock=False) == {4, 6}


def test_brand_filter_ignores_case(catalog: SearchIndex) -> None:
    assert found(catalog, brands=("bosch",)) == {5, 6}
    assert found(catalog, brands=("BOSCH ",)) == {5, 6}


def test_several_brands_are_ored(catalog: SearchIndex) -> None:
    assert found(catalog, brands=("bosch", "Dyson")) == {5, 6, 10}


def test_filters_combine(catalog: SearchIndex) -> None:
    query = {"category_id": 2, "in_stock": True, "max_price_minor": 200_000}
    assert found(catalog, **query) == {3, 5, 8}
    assert found(catalog, suppliers=("gamma",), **query) == {5}


def test_sort_by_price_both_ways(catalog: SearchIndex) -> None:
    prices = sorted(offer.price_minor for offer in CATALOG)
    ascending = catalog.search(SearchQuery(sort="price_asc", per_page=100))
    descending = catalog.search(SearchQuery(sort="price_desc", per_page=100))
    assert [hit.price_minor for hit in ascending.hits] == prices
    assert [hit.price_minor for hit in descending.hits] == prices[::-1]
    boilers = catalog.search(SearchQuery(text="котел", sort="price_asc"))
    assert ids(boilers) == [9, 2, 1]


def test_pagination_covers_everything_once_with_exact_total(
    catalog: SearchIndex,
) -> None:
    seen: list[int] = []
    for page in (1, 2, 3, 4):
        results = catalog.search(SearchQuery(sort="price_asc", page=page, per_page=3))
        assert results.total == len(CATALOG)
        assert (results.page, results.per_page, results.pages) == (page, 3, 4)
        seen += ids(results)
    assert len(seen) == len(set(seen)) == len(CATALOG)
    beyond = catalog.search(SearchQuery(page=9, per_page=3))
    assert beyond.hits == () and beyond.total == len(CATALOG)


def test_total_is_exact_with_text_and_filters(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(text="котел", category_id=10, per_page=1))
    assert results.total == 3 and len(results.hits) == 1


def test_out_of_range_paging_is_clamped(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(page=0, per_page=0, sort="bogus"))
    assert (results.page, results.per_page, len(results.hits)) == (1, 1, 1)


def test_facets_count_over_the_filtered_result(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(text="kettle", per_page=1))
    assert dict(results.facets["supplier"]) == {"gamma": 1, "delta": 1}
    assert dict(results.facets["brand"]) == {"bosch": 2}
    browse = catalog.search(SearchQuery(category_id=2, in_stock=True))
    assert dict(browse.facets["supplier"]) == {"beta": 1, "gamma": 1, "acme": 2}
    # Offers without a brand are not counted under an empty brand.
    assert "" not in catalog.search(SearchQuery()).facets["brand"]


def test_empty_result_still_has_facet_keys(catalog: SearchIndex) -> None:
    results = catalog.search(SearchQuery(suppliers=("nobody",)))
    assert set(results.facets) == {"category", "brand", "supplier", "price", "condition"}
    assert dict(results.facets["brand"]) == {} and dict(results.facets["price"]) == {}
    # The supplier facet ignores its own filter: it shows the suppliers one could pick instead.
    assert dict(results.facets["supplier"]) == {"acme": 3, "beta": 2, "gamma": 2, "delta": 3}


def test_relevance_puts_title_matches_first(catalog: SearchIndex) -> None:
    # "kettle" is in the title of 5 and 6 and only in the description of nothing else;
    # "electric" is in 5's description; both words in 5 beat one word.
    results = catalog.search(SearchQuery(text="kettle electric", per_page=10))
    assert ids(results)[0] == 5


def test_highlight_falls_back_to_the_description(catalog: SearchIndex) -> None:
    (hit,) = catalog.search(SearchQuery(text="двухконтурный")).hits
    assert "<b>Двухконтурный</b>" in hit.highlight
