"""The supplier's own codes are findable in any punctuation: the offer id, vendorCode (MPN) and model."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from whoosh import fields

from search_index import SearchIndex, SearchQuery
from search_index.analysis import CodesVersionFilter, part_number_terms
from search_index.schema import build_schema, document_fields, outdated_fields
from tests.support.search import found, ids, make_offer

CODES = (
    # The offer id is the part number; the title does not repeat it.
    make_offer(1, "Радиатор кондиционера новий оригінал Chrysler", sku="68377850AA", brand="CHRYSLER"),
    # The same part number as vendorCode, written with a dash, under a row-number id.
    make_offer(2, "Радіатор кондиціонера Jeep", sku="110904206", mpn="68377850-AA", brand="CSF"),
    make_offer(3, "Картридж лазерний чорний", sku="CE278A-XL", brand="HP"),
    make_offer(4, "Картридж сумісний чорний", mpn="CE278A", brand="Gravitone"),
    # Numeric row ids: never codes.
    make_offer(5, "Колодки гальмівні передні", sku="53634212", brand="WAGNER"),
    make_offer(6, "Сковорода 28 см", sku="1059096"),
)


@pytest.fixture(scope="module")
def codes_index(make_module_index: Callable[[str], SearchIndex]) -> Iterator[SearchIndex]:
    index = make_module_index("codes")
    index.index(CODES)
    yield index
    index.close()


@pytest.mark.parametrize(
    "text", ["68377850AA", "68377850-AA", "68377850 AA", "6837 7850aa", "68377850aa", "68377850.AA"]
)
def test_the_offer_id_and_the_vendor_code_are_found_in_any_punctuation(codes_index: SearchIndex, text: str) -> None:
    assert found(codes_index, text) == {1, 2}


@pytest.mark.parametrize("text", ["CE278A", "ce-278a", "CE 278A", "ce278a"])
def test_a_part_number_is_found_in_the_id_and_the_vendor_code(codes_index: SearchIndex, text: str) -> None:
    assert found(codes_index, text) == {3, 4}


def test_the_brand_and_the_part_number_find_the_brands_offer(codes_index: SearchIndex) -> None:
    # "HP" is the brand of offer 3 only; the compatible cartridge is found once HP's is gone.
    assert ids(codes_index.search(SearchQuery(text="HP CE278A"))) == [3]
    assert found(codes_index, "Gravitone CE278A") == {4}


@pytest.mark.parametrize("text", ["53634212", "1059096", "110904206"])
def test_numeric_row_ids_are_not_indexed_as_codes(codes_index: SearchIndex, text: str) -> None:
    assert found(codes_index, text) == set()


def test_part_number_terms_follow_the_rule() -> None:
    assert part_number_terms("68377850AA") == {"68377850aa"}
    assert part_number_terms("68377850-AA") == {"68377850aa"}
    assert part_number_terms("CE278A-XL") == {"ce278axl", "ce278a"}
    assert part_number_terms("PNGA0023FD009") == {"pnga0023fd009"}
    # Digits only (row numbers), too short, letters only, or a generated key: nothing.
    assert part_number_terms("110904206") == set()
    assert part_number_terms("A12") == set()
    assert part_number_terms("kettle-red") == set()
    assert part_number_terms("1ebe3bb3-50a5-6cc8-949b-5f2f390b8970") == set()
    assert part_number_terms("") == set()


def test_the_sku_is_a_code_only_never_words() -> None:
    written = document_fields(make_offer(1, "Радиатор", sku="68377850AA"))
    assert "68377850aa" in written["codes"].split()
    assert "68377850" not in written["text"]


def test_an_index_whose_codes_were_written_before_skus_is_outdated() -> None:
    schema = build_schema()
    assert outdated_fields(schema) == []
    schema.remove("codes")
    schema.add("codes", fields.KEYWORD(lowercase=True))  # as indexes before CODES_VERSION 2 wrote it
    assert outdated_fields(schema) == ["codes"]
    assert CodesVersionFilter(version=1) != CodesVersionFilter()
