"""Write CSV and Excel files that a spreadsheet opens without running what suppliers wrote.

Titles, descriptions and ids come from suppliers' price lists and are stored as written, so
"=HYPERLINK(...)" or "=cmd|' /C calc'!A0" may sit in any of them. Every CSV or Excel file the
app writes goes through this module: a text cell that starts with =, +, -, @, a tab or a
carriage return gets a single quote in front (OWASP's rule for CSV injection), so the
spreadsheet shows it as text instead of evaluating it. Numbers stay numbers: write prices
and counts as ``Decimal``/``int``, not as text, or a negative one is quoted too.

Every export registers in ``EXPORTS``; ``tests/integration/test_exports.py`` plants formulas
in supplier data, runs each one and reads the file back, and fails for a module that writes
CSV or Excel without this module or without registering.

Ground floor: it imports nothing from the domains.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

#: What makes a spreadsheet read a cell as a formula (or, for tab and CR, hide one behind whitespace).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


#: The media type of every CSV the app hands out.
CSV_MIMETYPE = "text/csv"


def neutralise(value: Any) -> Any:
    """Return ``value`` with a single quote in front if it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(cells: Iterable[Any]) -> list[Any]:
    """Return the cells of one row with every formula-like text neutralised."""
    return [neutralise(cell) for cell in cells]


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeCsvWriter:
    """A ``csv.writer`` that neutralises every cell it writes."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, neutralised."""
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write many rows, neutralised."""
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any, **fmtparams: Any) -> SafeCsvWriter:
    """Return a writer like ``csv.writer(stream, **fmtparams)`` whose cells are neutralised."""
    return SafeCsvWriter(csv.writer(stream, **fmtparams))


def xlsx_append(worksheet: Any, row: Iterable[Any]) -> None:
    """Append one neutralised row to an openpyxl worksheet (which stores "=..." text as a formula)."""
    worksheet.append(safe_row(row))


@dataclass(frozen=True)
class Export:
    """One CSV or Excel file the app hands to people."""

    #: "csv" or "xlsx": how the test reads the file back.
    kind: Literal["csv", "xlsx"]
    #: ``module:function``; the function takes the session and returns the file's bytes.
    target: str
    #: The module that writes it with this module's helpers.
    module: str


#: Every CSV and Excel export: name -> how to run it; the CRM and analytics add theirs here.
EXPORTS: dict[str, Export] = {
    "customers": Export("csv", "marketplace.crm.csv_io:customers_csv", "marketplace.crm.csv_io"),
}
