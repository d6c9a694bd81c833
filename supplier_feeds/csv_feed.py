"""Stream a CSV price list in UTF-8 (with or without a BOM), UTF-16 or cp1251, split by ; , or tab.

The rows go through ``tables``: header row found below any letterhead, or columns guessed
from the content of a header-less file, or a mapping the supplier gave.

Named ``csv_feed`` so that it does not shadow the standard library's ``csv``.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, TextIO

from . import columns
from .charsets import misread_utf8
from .rows import FeedError, FeedItem
from .streams import HEAD_SIZE, read_head
from .tables import MAX_CELL, Row, Sheet, parse_tables

logger = logging.getLogger(__name__)

DELIMITERS = (";", "\t", ",")
#: The csv module's own cell limit. A cell cannot outgrow its file, which the upload and fetch
#: size caps bound (256 MB at most), so the limit only has to be above them; a cell over
#: ``tables.MAX_CELL`` then rejects its own row instead of failing the whole file.
FIELD_SIZE_LIMIT = 256 * 1024 * 1024
_CHUNK = 64 * 1024
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

#: Kept here for callers of the first CSV parser; the table lives in ``columns`` now.
SYNONYMS = columns.SYNONYMS
header_key = columns.header_key


def guess_encoding(head: bytes) -> str:
    """Pick the codec for a CSV file from its first bytes: BOM, UTF-8, else cp1251."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    try:
        # final=False: the head may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return "utf-8" if _mostly_utf8(head) else "cp1251"
    return "utf-8"


def _mostly_utf8(head: bytes) -> bool:
    """Tell a UTF-8 file with a few stray bytes from a real cp1251 file.

    Reading the former as cp1251 would silently turn every Cyrillic letter into mojibake;
    reporting the stray byte is kinder.
    """
    text = head.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return good > 10 * bad


def decode_head(head: bytes) -> str:
    """Decode the first bytes of a text file; raise UnicodeDecodeError if they are not text."""
    encoding = guess_encoding(head)
    # Stray bytes in a mostly-UTF-8 file are reported by the parser, with their position.
    errors = "replace" if encoding == "utf-8" else "strict"
    return codecs.getincrementaldecoder(encoding)(errors).decode(head, final=False)


def sniff_delimiter(text: str, *, complete: bool = True) -> str | None:
    """Return the delimiter that splits ``text`` into a consistent table of 2+ columns.

    ``complete=False`` says ``text`` was cut off, so its last line is ignored.
    """
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    sample = "".join(lines[:200])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and _consistent_width(sample, sniffed):
        return sniffed
    # csv.Sniffer guesses wrong on short or quote-heavy samples; count columns instead.
    widths = [(_consistent_width(sample, d), d) for d in DELIMITERS]
    width, delimiter = max(widths, key=lambda pair: pair[0])  # ties keep DELIMITERS order
    return delimiter if width else None


def _consistent_width(sample: str, delimiter: str) -> int:
    """Return the usual number of columns if at least 80% of rows have it and it is > 1."""
    try:
        widths = [
            len(row)
            for row in csv.reader(io.StringIO(sample), delimiter=delimiter)
            if any(cell.strip() for cell in row)
        ]
    except csv.Error:
        return 0
    if not widths:
        return 0
    width, count = Counter(widths).most_common(1)[0]
    return width if width > 1 and count >= 0.8 * len(widths) else 0


class _Transcoder(io.RawIOBase):
    """Decode the source and hand out UTF-8, switching to cp1251 if a pure-ASCII start lied."""

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self._stream = stream
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._ascii_so_far = True
        self._offset = 0
        self._out = b""
        self._eof = False

    def readable(self) -> bool:
        """Say yes: this stream is for reading only."""
        return True

    # RawIOBase accepts any writable buffer; the buffered reader above us only ever passes a memoryview.
    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` with UTF-8 bytes of the decoded source."""
        while not self._out and not self._eof:
            chunk = self._stream.read(_CHUNK)
            self._eof = not chunk
            self._out = self._decode(chunk).encode("utf-8")
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def _decode(self, chunk: bytes) -> str:
        try:
            text = self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            if self._encoding == "utf-8" and self._ascii_so_far and chunk[: exc.start].isascii():
                # Everything so far was ASCII, which reads the same in cp1251.
                self._encoding = "cp1251"
                self._decoder = codecs.getincrementaldecoder("cp1251")("strict")
                return self._decode(chunk)
            raise FeedError(
                "bad_encoding",
                f"The file is not valid {self._encoding} text (byte "
                f"{self._offset + exc.start + 1}). Save it as UTF-8 and upload "
                "it again.",
            ) from None
        if misread_utf8(text):
            # Mixed encodings, or a file saved after being misread once: no decoding gives
            # the supplier's text back, and importing it would show buyers "РЎС‚РµРї…".
            raise FeedError(
                "encoding_mismatch",
                'Part of the file is UTF-8 text read as Windows-1251 (it reads like "РЎС‚РµРїР»РµСЂ" '
                f"near byte {self._offset + 1}): the file mixes two encodings or was converted twice. "
                "Save it as UTF-8 and upload it again.",
            )
        self._ascii_so_far = self._ascii_so_far and chunk.isascii()
        self._offset += len(chunk)
        return text


def open_text(stream: BinaryIO) -> tuple[TextIO, str]:
    """Return the file as decoded text (universal newlines kept for csv) and its delimiter."""
    head, stream = read_head(stream, HEAD_SIZE)
    encoding = guess_encoding(head)
    try:
        sample = decode_head(head)
    except UnicodeDecodeError:
        raise FeedError("bad_encoding", "The file is neither UTF-8 nor Windows-1251 text.") from None
    delimiter = sniff_delimiter(sample, complete=len(head) < HEAD_SIZE)
    if delimiter is None:
        raise FeedError(
            "unknown_format", "We could not find the column separator. Use ';', ',' or a tab between columns."
        )
    text = io.TextIOWrapper(io.BufferedReader(_Transcoder(stream, encoding)), encoding="utf-8", newline="")
    return text, delimiter


def parse(
    stream: BinaryIO, *, mapping: Mapping[str, str] | None = None, partial: bool | None = None, **_: Any
) -> Iterator[FeedItem]:
    """Yield the header, then offers (or updates) and problems of a CSV price list in file order."""
    text, delimiter = open_text(stream)
    yield from parse_tables(
        [Sheet(None, csv_rows(text, delimiter))], format_name="csv", mapping=mapping, partial=partial
    )


def csv_rows(text: TextIO, delimiter: str) -> Iterator[Row]:
    """Yield the rows of a CSV text stream with their 1-based starting line numbers."""
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(text, delimiter=delimiter)
    last_line = 0
    try:
        for cells in reader:
            line = last_line + 1
            last_line = reader.line_num
            oversized = None
            for index, cell in enumerate(cells):
                if len(cell) > MAX_CELL:
                    oversized = oversized or (index, len(cell))
                    cells[index] = ""
            yield Row(line, cells, oversized=oversized)
    except csv.Error as exc:
        raise FeedError("malformed_csv", f"The CSV is broken near line {reader.line_num}: {exc}.") from None
