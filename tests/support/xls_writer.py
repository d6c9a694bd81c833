"""Write a small legacy .xls (BIFF8 in an OLE2 compound file) for the tests: no xls writer is installed.

Enough of the format for xlrd to read what 1C and distributors' exports hold: several sheets,
text and number cells, dates, and rows' outline levels (1C's group rows). Not a general writer:
strings go in LABEL records (no shared string table), one font, three cell formats.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Sequence
from typing import Any

_SECTOR = 512
_END_OF_CHAIN = 0xFFFFFFFE
_FAT_SECTOR = 0xFFFFFFFD
_FREE = 0xFFFFFFFF
_NO_STREAM = 0xFFFFFFFF
#: Streams below this size live in the mini stream, which this writer does not make.
_MINI_CUTOFF = 4096
_EPOCH = dt.datetime(1899, 12, 30)
_XF_GENERAL, _XF_DATE = 1, 2

#: (row's outline level, its cells); a plain list of cells is level 0.
SheetRow = Sequence[Any] | tuple[int, Sequence[Any]]


def xls_bytes(*sheets: tuple[str, Sequence[Sequence[Any]]], levels: dict[str, dict[int, int]] | None = None) -> bytes:
    """Return an .xls of ``sheets`` (name, rows); ``levels`` gives a sheet's rows (0-based) their outline level."""
    levels = levels or {}
    bodies = [_sheet(rows, levels.get(name, {})) for name, rows in sheets]
    head = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
    head += _record(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
    head += _record(0x0022, struct.pack("<H", 0))  # DATEMODE: 1900
    head += _record(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _short_string("Arial"))
    for is_style, format_key in ((True, 0), (False, 0), (False, 14)):
        type_par = 0xFFF4 if is_style else 0x0000  # a style XF, or a cell XF whose parent is XF 0
        used = 0 if is_style else 0xF8
        head += _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, format_key, type_par, 0x20, 0, 0, used, 0, 0, 0x20C0))
    names = [_record(0x0085, struct.pack("<IBB", 0, 0, 0) + _short_string(name)) for name, _ in sheets]
    globals_size = len(head) + sum(len(n) for n in names) + 4
    offset = globals_size
    for index, body in enumerate(bodies):
        name = sheets[index][0]
        names[index] = _record(0x0085, struct.pack("<IBB", offset, 0, 0) + _short_string(name))
        offset += len(body)
    stream = head + b"".join(names) + _record(0x000A, b"") + b"".join(bodies)
    return _compound_file(stream)


def _sheet(rows: Sequence[Sequence[Any]], levels: dict[int, int]) -> bytes:
    width = max((len(r) for r in rows), default=0)
    out = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
    out += _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    for index in range(len(rows)):
        level = levels.get(index, 0)
        options = (level & 7) | 0x100 | (0x0F << 16)
        out += _record(0x0208, struct.pack("<HHHHHHI", index, 0, width, 0xFF, 0, 0, options))
    for row_index, row in enumerate(rows):
        for col, value in enumerate(row):
            out += _cell(row_index, col, value)
    return out + _record(0x000A, b"")


def _cell(row: int, col: int, value: Any) -> bytes:
    if value is None or value == "":
        return b""
    if isinstance(value, dt.datetime):
        serial = (value - _EPOCH).total_seconds() / 86400
        return _record(0x0203, struct.pack("<HHHd", row, col, _XF_DATE, serial))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _record(0x0203, struct.pack("<HHHd", row, col, _XF_GENERAL, float(value)))
    text = str(value)
    return _record(0x0204, struct.pack("<HHHHB", row, col, _XF_GENERAL, len(text), 1) + text.encode("utf-16-le"))


def _short_string(text: str) -> bytes:
    return struct.pack("<BB", len(text), 1) + text.encode("utf-16-le")


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _compound_file(stream: bytes) -> bytes:
    """Wrap ``stream`` as the "Workbook" stream of an OLE2 compound file (version 3, 512-byte sectors)."""
    size = max(len(stream), _MINI_CUTOFF)
    data = stream.ljust(-(-size // _SECTOR) * _SECTOR, b"\0")
    stream_sectors = len(data) // _SECTOR
    directory_sector = stream_sectors
    fat_sectors = 1
    while stream_sectors + 1 + fat_sectors > fat_sectors * (_SECTOR // 4):
        fat_sectors += 1
    fat = [*range(1, stream_sectors), _END_OF_CHAIN, _END_OF_CHAIN] + [_FAT_SECTOR] * fat_sectors
    fat += [_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat))
    difat = [directory_sector + 1 + i for i in range(fat_sectors)]
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, fat_sectors, directory_sector, 0,
                          _MINI_CUTOFF, _END_OF_CHAIN, 0, _END_OF_CHAIN, 0)  # fmt: skip
    header += struct.pack("<109I", *(difat + [_FREE] * (109 - len(difat))))
    directory = _entry("Root Entry", 5, child=1, start=_END_OF_CHAIN, size=0)
    directory += _entry("Workbook", 2, child=_NO_STREAM, start=0, size=size)
    directory += bytes(128) * 2
    return header + data + directory + struct.pack(f"<{len(fat)}I", *fat)


def _entry(name: str, kind: int, *, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(encoded), kind, 1, _NO_STREAM, _NO_STREAM, child)
        + bytes(16 + 4 + 16)
        + struct.pack("<III", start, size, 0)
    )
