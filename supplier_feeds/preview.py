"""Show the top of a CSV or Excel file so that a supplier can map its columns once."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from . import csv_feed, excel
from .columns import suggest_mapping
from .detect import TABLE_FORMATS, detect_format
from .rows import FeedError
from .streams import open_source, read_head
from .tables import HEADER_SCAN, Row, find_layout

#: Sample rows a preview shows below the header.
PREVIEW_ROWS = 10


@dataclass(frozen=True, slots=True)
class TablePreview:
    """The top of a table feed and what we guessed about its columns."""

    #: "csv" | "gmc_tsv" | "xlsx" | "xls".
    format: str
    #: Every sheet of a workbook; () for CSV.
    sheet_names: tuple[str, ...]
    #: The sheet shown (the first with a header, else the first); None for CSV.
    sheet: str | None
    #: 0-based row index of the header within the sheet; None when there is no header row.
    header_row: int | None
    #: Column names; "#0", "#1", ... for a file without a header row.
    headers: tuple[str, ...]
    #: Up to PREVIEW_ROWS rows below the header, as text.
    rows: tuple[tuple[str, ...], ...]
    has_header: bool
    #: {header: field} we would use without a supplier mapping (from names or content).
    suggested_mapping: Mapping[str, str] = field(default_factory=dict)


def preview_table(source: bytes | str | os.PathLike[str] | BinaryIO) -> TablePreview:
    """Return the header row, sample rows and suggested mapping of a CSV or Excel feed.

    Raise FeedError("not_a_table") for XML and JSON feeds, which need no mapping.
    """
    with open_source(source) as stream:
        head, replay = read_head(stream)
        format_name = detect_format(head)
        if format_name == "gmc_tsv":
            format_name = "csv"
        if format_name not in TABLE_FORMATS:
            raise FeedError("not_a_table", "Only CSV and Excel files have columns to map; this feed needs no mapping.")
        if format_name == "csv":
            text, delimiter = csv_feed.open_text(replay)
            sheets = [(None, csv_feed.csv_rows(text, delimiter))]
            names: tuple[str, ...] = ()
            return _preview(format_name, names, sheets)
        data = replay.read()
        names = tuple(excel.sheet_names(_bytes_stream(data), format_name))
        return _preview(format_name, names, _workbook_sheets(data, format_name))


def _bytes_stream(data: bytes) -> BinaryIO:
    import io

    return io.BytesIO(data)


def _workbook_sheets(data: bytes, format_name: str) -> list[tuple[str | None, list[Row]]]:
    # Reuse the parsers' row readers; a preview reads only the top of each sheet.
    sheets: list[tuple[str | None, list[Row]]] = []
    if format_name == "xls":
        book = excel._guarded(lambda: excel._open_xls(data))
        for index in range(book.nsheets):
            rows = list(itertools.islice(excel._xls_rows(book, index), HEADER_SCAN + PREVIEW_ROWS))
            sheets.append((book.sheet_by_index(index).name, rows))
        return sheets
    file = excel._spool(_bytes_stream(data))
    with file:
        excel.check_zip(file)
        workbook = excel._guarded(lambda: excel._load_xlsx(file))
        try:
            for worksheet in workbook.worksheets:
                rows = list(itertools.islice(excel._xlsx_rows(worksheet), HEADER_SCAN + PREVIEW_ROWS))
                sheets.append((worksheet.title, rows))
        finally:
            workbook.close()
    return sheets


def _preview(
    format_name: str, names: tuple[str, ...], sheets: Sequence[tuple[str | None, Iterable[Row]]]
) -> TablePreview:
    first: TablePreview | None = None
    for name, rows in sheets:
        top = list(itertools.islice(rows, HEADER_SCAN + PREVIEW_ROWS))
        scanned = top[:HEADER_SCAN]
        layout = find_layout(scanned, None) if scanned else None
        if layout is None:
            width = max((len(r.cells) for r in top), default=0)
            candidate = TablePreview(
                format_name,
                names,
                name,
                None,
                tuple(f"#{i}" for i in range(width)),
                tuple(tuple(r.cells) for r in top[:PREVIEW_ROWS]),
                False,
                {},
            )
            first = first or candidate
            continue
        start = 0 if layout.header_index is None else layout.header_index + 1
        body = [r for r in top[start:] if any(c.strip() for c in r.cells)][:PREVIEW_ROWS]
        suggested = {layout.headers[index]: target for target, indexes in layout.columns.items() for index in indexes}
        if layout.header_index is not None:
            # The decision the parser reads the file by, from the same rows below the header.
            suggested = suggest_mapping(layout.headers, [r.cells for r in scanned[layout.header_index + 1 :]])
        return TablePreview(
            format_name,
            names,
            name,
            layout.header_index,
            tuple(layout.headers),
            tuple(tuple(r.cells) for r in body),
            layout.header_index is not None,
            suggested,
        )
    if first is None:
        raise FeedError("empty_file", "The file has no rows.")
    return first
