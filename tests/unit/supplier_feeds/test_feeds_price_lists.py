"""1C price lists without ids and distributors' workbooks (tests/fixtures/price_lists)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from supplier_feeds import FeedHeader, FeedOffer, RowProblem
from supplier_feeds.columns import header_currency, suggest_mapping
from supplier_feeds.price_words import is_price_on_request
from supplier_feeds.row_keys import PREFIX, derived_sku
from supplier_feeds.tables import SHEETS_AHEAD
from tests.support.parsing import items
from tests.support.price_lists import (
    CAMERAS,
    DISTRIBUTOR,
    ONE_C,
    ONE_C_HEADER,
    PRICE_LISTS,
    RECORDERS,
    workbook_bytes,
)
from tests.support.xls_writer import xls_bytes

SUFFIXES = pytest.mark.parametrize("suffix", ["xlsx", "xls"])


def of_type(result: list, kind: type) -> list:
    return [i for i in result if isinstance(i, kind)]


def codes(result: list) -> list[tuple[str, str, int | None]]:
    return [(p.code, p.severity, p.line) for p in of_type(result, RowProblem)]


# -- a 1C price list without ids -------------------------------------------------------------


@SUFFIXES
def test_a_1c_list_without_ids_gets_keys_from_name_and_characteristic(suffix: str) -> None:
    result = items((PRICE_LISTS / f"1c-no-ids.{suffix}").read_bytes())
    assert result[0] == FeedHeader(format=suffix)
    offers = of_type(result, FeedOffer)
    assert [(o.title, o.price, o.stock_quantity, o.category_path) for o in offers] == [
        ("Футболка базовая (XL, белая)", Decimal(350), 10, ("Футболки",)),
        ("Футболка базовая (L, белая)", Decimal(350), 5, ("Футболки",)),
        ("Футболка поло", Decimal(560), 0, ("Футболки",)),
        ("Кеды Street (42)", Decimal(1200), 3, ("Обувь",)),
        ("Ботинки (41)", Decimal(2100), 2, ("Обувь",)),
    ]
    assert offers[0].sku == derived_sku("Футболка базовая", "XL, белая")
    assert len({o.sku for o in offers}) == 5 and all(o.sku.startswith(PREFIX) for o in offers)
    assert offers[0].params == (("Характеристика", "XL, белая"),)
    # Said once for the file, first; the second "Кеды Street 42" is reported on its own row.
    assert codes(result) == [("derived_sku", "warning", None), ("duplicate_name", "error", 12)]
    duplicate = of_type(result, RowProblem)[1]
    assert duplicate.sku == offers[3].sku and duplicate.field == "title"


def test_derived_keys_are_stable_across_reads_and_row_order() -> None:
    data = (PRICE_LISTS / "1c-no-ids.xlsx").read_bytes()
    first = {o.title: o.sku for o in of_type(items(data), FeedOffer)}
    assert {o.title: o.sku for o in of_type(items(data), FeedOffer)} == first
    header_at = ONE_C.index(ONE_C_HEADER)
    body = [row for row in ONE_C[header_at + 1 :] if row[0] != "Кеды  street"]
    shuffled = ONE_C[: header_at + 1] + body[::-1]
    again = {o.title: o.sku for o in of_type(items(workbook_bytes(("TDSheet", shuffled))), FeedOffer)}
    assert again == first


def test_derived_keys_ignore_case_and_spacing_but_not_the_name() -> None:
    assert derived_sku("Кеды  Street ", "42") == derived_sku("кеды street", "42")
    assert derived_sku("Ёлка", None) == derived_sku("елка", "")
    assert derived_sku("Кеды Street", "42") != derived_sku("Кеды Street", "43")
    assert derived_sku("Кеды Street", "42") != derived_sku("Кеды Street 2", "42")  # renamed: a new offer
    assert len(derived_sku("x")) == len(PREFIX) + 16


def test_1c_outline_levels_in_an_xls_make_the_category_path() -> None:
    rows = [
        ["Прайс-лист"],
        ONE_C_HEADER,
        ["Одежда"],
        ["Футболки"],
        ["Футболка поло", None, "шт", 560, 2],
        ["Обувь"],
        ["Кеды", "42", "пар", 1200, 3],
    ]
    levels = {2: 0, 3: 1, 4: 2, 5: 0, 6: 1}
    offers = of_type(items(xls_bytes(("TDSheet", rows), levels={"TDSheet": levels})), FeedOffer)
    assert [(o.title, o.category_path) for o in offers] == [
        ("Футболка поло", ("Одежда", "Футболки")),
        ("Кеды (42)", ("Обувь",)),
    ]


def test_a_row_without_a_name_has_no_key() -> None:
    rows = [ONE_C_HEADER, ["Кеды", None, "пар", 10, 1], [None, "42", "пар", 12, 1]]
    result = items(workbook_bytes(("TDSheet", rows)))
    assert [o.title for o in of_type(result, FeedOffer)] == ["Кеды"]
    assert codes(result) == [("derived_sku", "warning", None), ("missing_title", "error", 3)]


def test_a_csv_without_ids_is_read_alike_and_an_id_column_still_wins() -> None:
    result = items("Номенклатура;Цена;Остаток\nКеды;100;2\n".encode())
    (offer,) = of_type(result, FeedOffer)
    assert offer.sku == derived_sku("Кеды")
    assert codes(result) == [("derived_sku", "warning", None)]
    with_ids = items("Артикул;Номенклатура;Цена\nK-1;Кеды;100\n".encode())
    assert [o.sku for o in of_type(with_ids, FeedOffer)] == ["K-1"] and codes(with_ids) == []


# -- a distributor's workbook ----------------------------------------------------------------


def distributor(suffix: str = "xlsx") -> list:
    return items((PRICE_LISTS / f"distributor.{suffix}").read_bytes())


@SUFFIXES
def test_every_sheet_is_read_below_its_letterhead_with_sections_as_categories(suffix: str) -> None:
    offers = of_type(distributor(suffix), FeedOffer)
    assert [(o.sku, o.category_path, o.line) for o in offers] == [
        ("IPC-D1", ("Cameras", "IP cameras", "Dome"), 9),
        ("IPC-D2", ("Cameras", "IP cameras", "Dome"), 10),
        ("IPC-B1", ("Cameras", "IP cameras", "Bullet"), 13),
        ("AHD-D1", ("Cameras", "Analog cameras", "Dome"), 16),
        ("NVR-4", ("Recorders", "Network recorders", "4 channels"), 9),
        ("NVR-8", ("Recorders", "Network recorders", "8 channels"), 12),
    ]
    assert offers[0].title == "Dome camera 2 MP"  # the "Description" column names the products


def test_indented_sub_sections_are_deeper_whatever_follows_them() -> None:
    rows = [
        [None, "Code", "Description", "Price, USD"],
        [None, "Cables"],  # a section with products right below it
        [None, "C-1", "Cable 1 m", 2],
        [None, None, "Patch cords"],  # then a sub-section of it
        [None, "P-1", "Patch cord 1 m", 1],
        [None, "Switches"],  # a new section, again without a sub-section
        [None, "S-1", "Switch 8 ports", 30],
    ]
    offers = of_type(items(workbook_bytes(("Sheet1", rows))), FeedOffer)
    assert [(o.sku, o.category_path) for o in offers] == [
        ("C-1", ("Cables",)),
        ("P-1", ("Cables", "Patch cords")),
        ("S-1", ("Switches",)),
    ]


def test_flag_columns_are_ignored() -> None:
    offers = {o.sku: o for o in of_type(distributor(), FeedOffer)}
    flagged = [offers[sku] for sku in ("IPC-D1", "IPC-D2", "NVR-8")]
    plain = offers["IPC-B1"]
    for offer in flagged:
        assert (offer.params, offer.brand, offer.available) == ((), None, True)
        assert "New" not in offer.title and "$" not in offer.title
    assert plain.params == () and offers["IPC-D2"].currency == offers["IPC-D1"].currency == "USD"


@SUFFIXES
def test_prices_on_request_are_counted_once_and_not_published(suffix: str) -> None:
    result = distributor(suffix)
    assert not {"IPC-D3", "NVR-4P"} & {o.sku for o in of_type(result, FeedOffer)}
    problems = of_type(result, RowProblem)
    assert [(p.code, p.value) for p in problems] == [("sheet_skipped", "Notes"), ("price_on_request", "2")]
    assert problems[1].message.startswith(
        "Rows that give the price on request (such as 'Call') instead of a number: 2."
    )


@pytest.mark.parametrize(
    "text",
    ["Call", "CALL!", "call us", "Звоните", "Звоніть", "Дзвоніть", "по запросу", "За запитом", "договірна",
     "Договорная", "ціна договірна", "Price on request", "POA"],
)  # fmt: skip
def test_price_on_request_words(text: str) -> None:
    assert is_price_on_request(text)


@pytest.mark.parametrize("text", ["", "0", "100", "1 299 грн", "Callisto", "NaN", "незабаром"])
def test_prices_and_other_words_are_not_on_request(text: str) -> None:
    assert not is_price_on_request(text)


def test_a_csv_price_on_request_is_counted_too() -> None:
    result = items("sku;title;price\nA;Pan;Звоните\nB;Pot;5\nC;Lid;по запросу\n".encode())
    assert [o.sku for o in of_type(result, FeedOffer)] == ["B"]
    assert [(p.code, p.severity, p.value) for p in of_type(result, RowProblem)] == [
        ("price_on_request", "warning", "2")
    ]


@SUFFIXES
def test_currency_from_the_header_or_else_the_letterhead(suffix: str) -> None:
    offers = {o.sku: o for o in of_type(distributor(suffix), FeedOffer)}
    assert offers["IPC-D1"].currency == "USD"  # "Price, USD"
    assert offers["NVR-4"].currency == "EUR"  # "Валюта: EUR" above a plain "Price"


@pytest.mark.parametrize(
    ("header", "currency"),
    [("Цена, USD", "USD"), ("Price $", "USD"), ("Ціна, грн", "UAH"), ("Price (€)", "EUR"), ("Цена, руб.", "RUB")],
)
def test_a_price_header_names_its_currency(header: str, currency: str) -> None:
    assert header_currency(header)[1] == currency
    assert suggest_mapping(["Code", "Name", header]) == {"Code": "sku", "Name": "title", header: "price"}
    data = workbook_bytes(("Sheet1", [["Code", "Name", header], ["A", "Pan", 10]]))
    assert [o.currency for o in of_type(items(data), FeedOffer)] == [currency]


@pytest.mark.parametrize("letterhead", [["Валюта: USD"], ["Валюта:", "USD"], ["Currency - usd"], ["Ціни в USD"]])
def test_a_letterhead_names_the_currency(letterhead: list[str]) -> None:
    data = workbook_bytes(("Sheet1", [["Прайс"], letterhead, [], ["Code", "Name", "Price"], ["A", "Pan", 10]]))
    assert [o.currency for o in of_type(items(data), FeedOffer)] == ["USD"]


def test_a_currency_column_wins_and_none_at_all_is_the_default() -> None:
    rows = [["Валюта: USD"], ["Code", "Name", "Price, USD", "Currency"], ["A", "Pan", 10, "EUR"], ["B", "Pot", 5, None]]
    assert [o.currency for o in of_type(items(workbook_bytes(("Sheet1", rows))), FeedOffer)] == ["EUR", "USD"]
    plain = items(workbook_bytes(("Sheet1", [["Code", "Name", "Price"], ["A", "Pan", 10]])))
    assert [o.currency for o in of_type(plain, FeedOffer)] == ["UAH"]


def test_one_price_list_sheet_is_no_category_and_default_names_never_are() -> None:
    one = items(workbook_bytes(("Cameras", CAMERAS), ("Notes", [["a"]])))
    assert {o.category_path[0] for o in of_type(one, FeedOffer)} == {"IP cameras", "Analog cameras"}
    two = items(workbook_bytes(("Sheet1", CAMERAS), ("Recorders", RECORDERS)))
    assert {o.category_path[0] for o in of_type(two, FeedOffer)} == {"IP cameras", "Analog cameras", "Recorders"}


@SUFFIXES
def test_the_fixture_files_hold_the_rows_of_tests_support(suffix: str) -> None:
    # The files are written by ``python -m tests.support.price_lists``; a change to one must change both.
    write = workbook_bytes if suffix == "xlsx" else xls_bytes
    assert of_type(items(write(*DISTRIBUTOR)), FeedOffer) == of_type(distributor(suffix), FeedOffer)


def test_sheets_beyond_the_look_ahead_are_read_too() -> None:
    notes = [(f"Notes {i}", [["Terms"], ["none"]]) for i in range(SHEETS_AHEAD + 3)]
    sheet = [["Code", "Name", "Price"], ["A", "Pan", 10]]
    result = items(workbook_bytes(("First", sheet), *notes, ("Last", [["Code", "Name", "Price"], ["B", "Pot", 5]])))
    # Only one price list among the sheets looked at ahead: the sheet names are no categories.
    assert [(o.sku, o.category_path) for o in of_type(result, FeedOffer)] == [("A", ()), ("B", ())]
    assert [p.code for p in of_type(result, RowProblem)] == ["sheet_skipped"] * (SHEETS_AHEAD + 3)
