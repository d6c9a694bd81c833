"""The price lists of tests/fixtures/price_lists: a 1C list without ids and a distributor's workbook.

``python -m tests.support.price_lists`` writes them again, as .xlsx (openpyxl) and .xls
(``tests.support.xls_writer``). Tests read the files, and use ``workbook_bytes`` and ``xls_bytes``
for variants of them (a changed price, rows reordered).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import openpyxl

from tests.support.paths import FIXTURES
from tests.support.xls_writer import xls_bytes

PRICE_LISTS = FIXTURES / "price_lists"
Rows = list[list[Any]]

#: A 1C "Прайс-лист" without a code column: group rows, then Номенклатура and its Характеристика.
ONE_C_HEADER = ["Номенклатура", "Характеристика", "Единица измерения", "Цена", "Остаток"]
ONE_C: Rows = [
    ["ТОВ «Одяг Плюс»", None, None, None, None],
    ["Прайс-лист", None, None, None, None],
    ["Сформирован: 01.12.2026", None, None, None, None],
    [],
    ONE_C_HEADER,
    ["Футболки", None, None, None, None],
    ["Футболка базовая", "XL, белая", "шт", 350, 10],
    ["Футболка базовая", "L, белая", "шт", 350, 5],
    ["Футболка поло", None, "шт", 560, 0],
    ["Обувь", None, None, None, None],
    ["Кеды Street", "42", "пар", 1200, 3],
    ["Кеды  street", "42", "пар", 1250, 1],  # the same name and characteristic once more
    ["Ботинки", "41", "пар", 2100, 2],
]

#: The outline levels 1C gives the rows of its .xls: groups at 0, their products one below.
ONE_C_LEVELS = {
    index: 0 if row[1:] == [None] * 4 else 1 for index, row in enumerate(ONE_C) if index > ONE_C.index(ONE_C_HEADER)
}

#: A distributor's workbook: a letterhead above each header, a flag column, sections and sub-sections.
_LETTERHEAD: Rows = [
    ["SecurTech Distribution"],
    [None, "Kyiv, 1 Khreshchatyk St."],
    [None, "Tel. +380 44 000 00 00"],
    [None, "Price list of", dt.datetime(2026, 12, 1)],
]
CAMERAS: Rows = [
    *_LETTERHEAD,
    [],
    [None, "Code", "Description", "Price, USD", "Stock"],
    [None, "IP cameras"],
    [None, None, "Dome"],
    ["New", "IPC-D1", "Dome camera 2 MP", 45.5, 12],
    ["$", "IPC-D2", "Dome camera 4 MP", 62, 3],
    [None, "IPC-D3", "Dome camera 8 MP", "Call", 1],
    [None, None, "Bullet"],
    [None, "IPC-B1", "Bullet camera 4 MP", 58, 7],
    [None, "Analog cameras"],
    [None, None, "Dome"],
    ["New", "AHD-D1", "AHD dome camera 2 MP", 19.9, 40],
]
RECORDERS: Rows = [
    *_LETTERHEAD,
    [None, "Валюта: EUR"],
    [None, "Code", "Description", "Price", "Stock"],
    [None, "Network recorders"],
    [None, None, "4 channels"],
    [None, "NVR-4", "NVR 4 channels", 80, 5],
    [None, "NVR-4P", "NVR 4 channels PoE", "по запросу", 0],
    [None, None, "8 channels"],
    ["$", "NVR-8", "NVR 8 channels", 120, 2],
]
NOTES: Rows = [["Terms of delivery"], ["Prices include VAT. Delivery in 2 days."]]
DISTRIBUTOR = (("Cameras", CAMERAS), ("Recorders", RECORDERS), ("Notes", NOTES))


def workbook_bytes(*sheets: tuple[str, Sequence[Sequence[Any]]]) -> bytes:
    """Return an .xlsx with these sheets, each a list of rows."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_price(rows: Rows, code: str, price: object) -> Rows:
    """Return ``rows`` with the price of the row whose first or second cell is ``code`` changed."""
    changed = [list(row) for row in rows]
    for row in changed:
        if code in row[:2]:
            row[3] = price
    return changed


def write_fixtures() -> None:
    """Write the fixture files from the rows above."""
    PRICE_LISTS.mkdir(exist_ok=True)
    (PRICE_LISTS / "1c-no-ids.xlsx").write_bytes(workbook_bytes(("TDSheet", ONE_C)))
    (PRICE_LISTS / "distributor.xlsx").write_bytes(workbook_bytes(*DISTRIBUTOR))
    (PRICE_LISTS / "1c-no-ids.xls").write_bytes(xls_bytes(("TDSheet", ONE_C), levels={"TDSheet": ONE_C_LEVELS}))
    (PRICE_LISTS / "distributor.xls").write_bytes(xls_bytes(*DISTRIBUTOR))


if __name__ == "__main__":
    write_fixtures()
