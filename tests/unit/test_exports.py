"""Formulas in supplier data never reach a spreadsheet as formulas (marketplace.exports)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest

from marketplace.exports import EXPORTS, csv_writer, neutralise, xlsx_append
from tests.support.formulas import PAYLOADS

ROOT = Path(__file__).resolve().parents[2]
#: Modules that write CSV with the helpers but are no export of stored data, and why.
NOT_EXPORTS = {
    "marketplace.demo.catalog": "renders the demo suppliers' price lists from constants, to be imported",
    "marketplace.analytics.dashboard": "the dashboards' tables as CSV, per request and date range, through csv_writer",
}
#: Ways to write a spreadsheet file without the helpers.
_RAW_WRITERS = re.compile(r"\bcsv\.(?:writer|DictWriter)\b|\bWorkbook\(|\bxlsxwriter\b|text/csv|spreadsheetml")
_HELPERS = re.compile(r"from marketplace\.exports import|import marketplace\.exports")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_like_text_gets_a_single_quote(payload: str) -> None:
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", ["Сковорода 28 см", "A=1", "1-2", "", "'=already text", 12, None])
def test_other_values_are_left_alone(value: object) -> None:
    assert neutralise(value) == value


def test_the_csv_writer_neutralises_every_cell() -> None:
    out = io.StringIO()
    csv_writer(out, delimiter=";").writerows([["sku", "title"], *[[f"A{i}", p] for i, p in enumerate(PAYLOADS)]])

    rows = list(csv.reader(io.StringIO(out.getvalue(), newline=""), delimiter=";"))

    assert [row[1] for row in rows[1:]] == ["'" + p for p in PAYLOADS]


def test_an_xlsx_row_keeps_formulas_as_text() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    xlsx_append(sheet, ["sku", *PAYLOADS])
    data = io.BytesIO()
    book.save(data)

    cells = next(openpyxl.load_workbook(io.BytesIO(data.getvalue())).active.iter_rows(max_row=1))

    assert all(cell.data_type == "s" for cell in cells)
    assert [cell.value for cell in cells[1:]] == ["'" + p for p in PAYLOADS]


def _modules() -> dict[str, str]:
    found = {}
    for package in ("marketplace", "supplier_feeds", "search_index"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name] = path.read_text(encoding="utf-8")
    return found


def test_every_spreadsheet_writer_uses_the_helpers_and_is_a_registered_export() -> None:
    modules = _modules()
    raw = sorted(name for name, text in modules.items() if name != "marketplace.exports" and _RAW_WRITERS.search(text))
    assert raw == [], "write CSV and Excel through marketplace.exports (csv_writer, xlsx_append)"

    users = {name for name, text in modules.items() if _HELPERS.search(text)}
    registered = {export.module for export in EXPORTS.values()}
    unregistered = sorted(users - registered - set(NOT_EXPORTS))
    assert unregistered == [], "register every CSV or Excel export in marketplace.exports.EXPORTS"
    # The scan itself works: it sees the one writer the app has today.
    assert users >= set(NOT_EXPORTS)
