"""The one decision of which column fills which field: one column per field, Prom's offer id first."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from decimal import Decimal

from supplier_feeds import FeedOffer, preview_table, suggest_mapping
from supplier_feeds.columns import SYNONYMS
from tests.support.parsing import items, offers
from tests.support.prom_sheet import FILLERS, HEADERS, prom_sheet


def fields_taken_twice(mapping: dict[str, str]) -> list[str]:
    return [f for f, n in Counter(mapping.values()).items() if n > 1 and f != "param"]


def test_a_prom_sheet_keys_its_offers_by_the_id_its_update_feeds_use() -> None:
    mapping = suggest_mapping(HEADERS + FILLERS)

    # Унікальний_ідентифікатор comes first in the sheet, but no Prom feed names offers by it.
    assert mapping["Ідентифікатор_товару"] == "sku"
    assert mapping["Унікальний_ідентифікатор"] == "sku_fallback"
    # The seller's article is the part number; the mostly empty MPN column is left out.
    assert mapping["Код_товару"] == "mpn" and "Номер_пристрою_(MPN)" not in mapping
    assert fields_taken_twice(mapping) == []
    assert not set(FILLERS) & mapping.keys()


def test_without_prom_s_offer_id_its_article_is_the_id_and_its_own_number_is_left_alone() -> None:
    headers = [h for h in HEADERS if h != "Ідентифікатор_товару"]

    mapping = suggest_mapping(headers)

    assert mapping["Код_товару"] == "sku"
    assert "Унікальний_ідентифікатор" not in mapping and "sku_fallback" not in mapping.values()


def test_a_column_empty_in_the_first_rows_gives_way_to_a_filled_one() -> None:
    headers = ["Артикул", "Код", "Назва", "Ціна"]
    empty_first = [["", "K-1", "Фільтр", "10"], ["", "K-2", "Свічка", "20"]]

    assert suggest_mapping(headers)["Артикул"] == "sku"
    assert suggest_mapping(headers, empty_first) == {"Код": "sku", "Назва": "title", "Ціна": "price"}
    # Prom's own preference yields to the sample too: an empty article loses mpn to the MPN column.
    rows = [["", "Фільтр", "", "10", "UAH", "+", "1", "", "1", "2", "", "68596318AB"]]
    assert suggest_mapping(HEADERS, rows)["Номер_пристрою_(MPN)"] == "mpn"


def test_no_header_list_ever_maps_two_columns_to_one_field() -> None:
    names = [name for synonyms in SYNONYMS.values() for name in synonyms]
    names += ["Унікальний_ідентифікатор", "Ідентифікатор_товару", "Код_товару"]
    shuffle = random.Random(18)
    for size in (2, 5, 12, 40):
        for _ in range(50):
            headers = shuffle.sample(names, size)
            assert fields_taken_twice(suggest_mapping(headers)) == [], headers
    for pair in itertools.permutations(["Артикул", "SKU", "Код", "Ідентифікатор_товару"], 2):
        assert list(suggest_mapping(list(pair)).values()) == ["sku"], pair


def test_the_parser_reads_a_prom_sheet_by_the_same_decision_the_preview_suggests() -> None:
    data = prom_sheet()
    preview = preview_table(data)

    by_suggestion = [o for o in items(data, mapping=preview.suggested_mapping) if isinstance(o, FeedOffer)]
    own = offers(data)

    assert [(o.sku, o.mpn, o.price) for o in own] == [(o.sku, o.mpn, o.price) for o in by_suggestion]
    assert [o.sku for o in own] == ["103063638", "103811625", "103811626", "2800682148"]
    # A position made by hand in Prom's cabinet has no offer id; Prom's own number keeps it.
    assert own[0].mpn == "68596318AB" and own[0].price == Decimal(7920)
