"""Read Excel price lists: .xlsx with openpyxl (read-only, streaming) and legacy .xls with xlrd.

Every sheet with a recognisable header row is parsed (``tables``); the others are named in
a ``sheet_skipped`` warning. An .xlsx is a zip archive, so its members' declared sizes are
checked before openpyxl opens it: a zip bomb is refused, not unpacked. (zipfile never
inflates a member past its declared size, so the declared sizes are a real bound.)
"""

from __future__ import annotations

import io
import logging
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TypeVar

from .normalize import cell_text
from .rows import FeedError, FeedItem
from .tables import Row, Sheet, parse_tables

if TYPE_CHECKING:
    from xlrd.book import Book

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Largest workbook file we read at all.
MAX_WORKBOOK_BYTES = 100 * 1024 * 1024
#: Largest total of the members' uncompressed sizes in an .xlsx.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Largest compression ratio of one member bigger than ``_RATIO_FLOOR``; real sheets stay far below.
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
_MAX_MEMBERS = 10_000
_CHUNK_ROWS = 500
_MALFORMED = "The file is not a valid Excel workbook; it may be cut short or saved in another format. Save it again."


def parse_xlsx(
    stream: BinaryIO, *, mapping: Mapping[str, str] | None = None, partial: bool | None = None, **_: Any
) -> Iterator[FeedItem]:
    """Yield the header, then offers (or updates) and problems of every usable sheet of an .xlsx."""
    with _spool(stream) as file:
        check_zip(file)
        workbook = _guarded(lambda: _load_xlsx(file))
        try:
            sheets = [Sheet(ws.title, _xlsx_rows(ws)) for ws in workbook.worksheets]
            yield from parse_tables(sheets, format_name="xlsx", mapping=mapping, partial=partial, group_rows=True)
        finally:
            workbook.close()


def parse_xls(
    stream: BinaryIO, *, mapping: Mapping[str, str] | None = None, partial: bool | None = None, **_: Any
) -> Iterator[FeedItem]:
    """Yield the header, then offers (or updates) and problems of every usable sheet of a legacy .xls."""
    data = _read_capped(stream)
    book = _guarded(lambda: _open_xls(data))
    try:
        sheets = [Sheet(book.sheet_by_index(i).name, _xls_rows(book, i)) for i in range(book.nsheets)]
        yield from parse_tables(sheets, format_name="xls", mapping=mapping, partial=partial, group_rows=True)
    finally:
        book.release_resources()


def sheet_names(stream: BinaryIO, format_name: str) -> list[str]:
    """Return the sheet names of a workbook (for the column-mapping preview)."""
    if format_name == "xls":
        book = _guarded(lambda: _open_xls(_read_capped(stream)))
        return book.sheet_names()
    with _spool(stream) as file:
        check_zip(file)
        workbook = _guarded(lambda: _load_xlsx(file))
        names = list(workbook.sheetnames)
        workbook.close()
        return names


def check_zip(file: IO[bytes]) -> None:
    """Refuse an .xlsx whose members would unpack to too much (FeedError "unsafe_workbook")."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FeedError("malformed_workbook", _MALFORMED) from None
    if len(members) > _MAX_MEMBERS:
        raise FeedError("unsafe_workbook", "The workbook has far too many parts to be a price list; we refused it.")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > MAX_RATIO:
            raise FeedError(
                "unsafe_workbook",
                f"A part of the workbook ({member.filename}) is compressed {ratio:.0f} times, which is how zip "
                "bombs are built; we refused it. Save the sheet again or export it as CSV.",
            )
    if total > MAX_UNPACKED_BYTES:
        raise FeedError(
            "unsafe_workbook",
            f"The workbook unpacks to {total // 2**20} MB, more than the {MAX_UNPACKED_BYTES // 2**20} MB we accept. "
            "Split it or export it as CSV.",
        )
    file.seek(0)


def _guarded(action: Callable[[], _T]) -> _T:
    # openpyxl and xlrd raise a zoo of exceptions (KeyError, zlib.error, struct.error...) for
    # broken files, and openpyxl warns about styles it does not know; neither is ours to show.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return action()
    except FeedError:
        raise
    except MemoryError:
        raise FeedError("unsafe_workbook", "The workbook is too large to read.") from None
    except Exception as exc:
        logger.info("Refused a workbook: %r", exc)
        raise FeedError("malformed_workbook", _MALFORMED) from None


def _spool(stream: BinaryIO) -> IO[bytes]:
    file = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned to a with
    size = 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > MAX_WORKBOOK_BYTES:
            file.close()
            raise FeedError("file_too_large", f"The workbook is larger than {MAX_WORKBOOK_BYTES // 2**20} MB.")
        file.write(chunk)
    file.seek(0)
    return file


def _read_capped(stream: BinaryIO) -> bytes:
    data = stream.read(MAX_WORKBOOK_BYTES + 1)
    if len(data) > MAX_WORKBOOK_BYTES:
        raise FeedError("file_too_large", f"The workbook is larger than {MAX_WORKBOOK_BYTES // 2**20} MB.")
    return data


def _load_xlsx(file: IO[bytes]) -> Any:
    import openpyxl

    return openpyxl.load_workbook(file, read_only=True, data_only=True, keep_links=False)


def _xlsx_rows(worksheet: Any) -> Iterator[Row]:
    rows = worksheet.iter_rows(values_only=True)
    line = 0
    while True:
        # Fetch rows in chunks inside the guard: iterating is where a broken member shows up.
        chunk = _guarded(lambda: [r for _, r in zip(range(_CHUNK_ROWS), rows, strict=False)])
        for values in chunk:
            line += 1
            yield Row(line, [cell_text(v) for v in values])
        if len(chunk) < _CHUNK_ROWS:
            return


def _open_xls(data: bytes) -> Book:
    import xlrd

    log = io.StringIO()  # xlrd prints its warnings to a log file; keep them out of stdout
    try:
        return xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=log)
    except NotImplementedError:
        return xlrd.open_workbook(file_contents=data, on_demand=True, logfile=log)


def _xls_rows(book: Book, index: int) -> Iterator[Row]:
    import xlrd

    sheet = _guarded(lambda: book.sheet_by_index(index))
    rowinfo = getattr(sheet, "rowinfo_map", {}) or {}
    has_levels = any(info.outline_level for info in rowinfo.values())
    for r in range(sheet.nrows):
        cells = []
        for cell in sheet.row(r):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    cells.append(xlrd.xldate_as_datetime(float(cell.value), book.datemode).isoformat())
                except (ValueError, OverflowError):
                    cells.append("")
            elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                cells.append("")
            else:
                cells.append(cell_text(cell.value))
        info = rowinfo.get(r)
        level = (info.outline_level if info is not None else 0) if has_levels else None
        yield Row(r + 1, cells, level)
