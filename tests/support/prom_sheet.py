"""A small Prom.ua export sheet written in the test, in the layout of Prom's standard schema.

Prom's sheet names each product twice: ``Унікальний_ідентифікатор`` (Prom's own number for the
position, the one in its product URLs) and ``Ідентифікатор_товару`` (the offer id its YML
exports and price/stock update feeds carry). The own number comes first, as on a real export,
so that "first column wins" would choose wrong. Filler columns stand for the rest of Prom's 108.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

#: Prom's columns that fill a field here, in the order of a real export (a subset).
HEADERS = [
    "Код_товару",
    "Назва_позиції",
    "Назва_позиції_укр",
    "Ціна",
    "Валюта",
    "Наявність",
    "Кількість",
    "Назва_групи",
    "Унікальний_ідентифікатор",
    "Ідентифікатор_товару",
    "Виробник",
    "Номер_пристрою_(MPN)",
]
#: Columns of Prom's schema that fill nothing here.
FILLERS = [f"Назва_Характеристики.{i}" for i in range(1, 21)]

#: (article, name, price, Prom's own number, offer id or None for a position made by hand, MPN).
PRODUCTS = [
    ("68596318AB", "Корпус масляного фильтра Mopar", 7920, 2619072839, 103063638, "68596318AB"),
    ("68105583AB", "Радиатор масляный Mopar", 13200, 2619072840, 103811625, None),
    ("5184294AE", "Крышка маслозаливная Mopar", 480, 2619072841, 103811626, None),
    ("40469SK", "Коврики WeatherTech", 2100, 2800682148, None, None),
]


def prom_sheet(products: Sequence[tuple[str, str, int, int, int | None, str | None]] = PRODUCTS) -> bytes:
    """Return an xlsx of ``products`` with Prom's headers and ``FILLERS`` columns."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Export Products Sheet"
    sheet.append(HEADERS + FILLERS)
    for article, name, price, own, offer_id, mpn in products:
        row = [article, name, name, price, "UAH", "+", 3, "Радіатори", own, offer_id, "Mopar", mpn]
        sheet.append(row + [f"Характеристика {i}" for i in range(len(FILLERS))])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
