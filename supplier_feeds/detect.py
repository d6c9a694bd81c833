"""Recognise a feed's format from its content and find the parser for it.

A new format registers here: add the parser to ``PARSERS`` and, for XML dialects, the
root element to ``XML_ROOTS``. Every parser takes a binary stream positioned at byte 0
and the keyword arguments ``mapping`` and ``partial`` (and may ignore them).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterator

from . import commerceml, csv_feed, excel, gmc, hotline, json_feed, yml
from .rows import FeedError, FeedItem
from .streams import HEAD_SIZE

Parser = Callable[..., Iterator[FeedItem]]

#: Format name -> parser; a parser takes a binary stream positioned at byte 0.
PARSERS: dict[str, Parser] = {
    "yml": yml.parse,
    "yml_epicentr": functools.partial(yml.parse, dialect=yml.EPICENTR),
    "hotline": hotline.parse,
    "gmc_rss": gmc.parse,
    "gmc_atom": gmc.parse,
    "gmc_tsv": gmc.parse_tsv,
    "csv": csv_feed.parse,
    "xlsx": excel.parse_xlsx,
    "xls": excel.parse_xls,
    "json": json_feed.parse,
    "commerceml": commerceml.parse,
}
#: XML root element (local name) -> format name.
XML_ROOTS: dict[str, str] = {
    "yml_catalog": "yml",
    "price": "hotline",
    "rss": "gmc_rss",
    "feed": "gmc_atom",
    commerceml.ROOT: "commerceml",
}
#: Marketplace dialects of YML (format name -> what marks it in the head of the file). A dialect
#: is read by the YML parser, told which one it is; unmarked YML is plain "yml".
YML_DIALECTS: dict[str, re.Pattern[str]] = {
    # Epicentr K names each offer's category by the marketplace's own code, inside the offer:
    # <category code=".."> without the id of a <categories> entry, or <attribute_set code="..">.
    "yml_epicentr": re.compile(r"<(?:attribute_set|category(?![^>]*\bid\s*=))\s[^>]*\bcode\s*=", re.IGNORECASE),
}
#: The name a person reads for each format (in reports and messages).
FORMAT_NAMES: dict[str, str] = {
    "yml": "YML",
    "yml_epicentr": "YML (Epicentr)",
    "hotline": "Hotline XML",
    "gmc_rss": "Google Merchant RSS",
    "gmc_atom": "Google Merchant Atom",
    "gmc_tsv": "Google Merchant TSV",
    "csv": "CSV",
    "xlsx": "Excel (.xlsx)",
    "xls": "Excel (.xls)",
    "json": "JSON",
    "commerceml": "CommerceML 2",
}
#: Formats whose columns a supplier maps (``preview_table``, ``parse_feed(mapping=...)``).
TABLE_FORMATS = frozenset({"csv", "xlsx", "xls"})
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# The prolog before the root element: XML declaration, PIs, comments and a DOCTYPE
# (with or without an internal subset).
_XML_ROOT = re.compile(
    r"\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE(?:[^\[>]|\[.*?\]\s*)*>\s*)*"
    # Element names may be Cyrillic (CommerceML's <КоммерческаяИнформация>): any letter starts one.
    r"<([^\W\d][\w.:\-]*)",
    re.DOTALL | re.IGNORECASE,
)
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_NOT_A_FEED = (
    "We cannot read this file as a price list. Upload a YML, Hotline, Google Merchant or CommerceML 2 (1C) "
    "XML file, a CSV, Excel or JSON file."
)


def detect_format(head: bytes) -> str:
    """Return the format name (a key of ``PARSERS``) of a file from its first bytes.

    Raise FeedError("unknown_format") for other binary files, other XML dialects and HTML pages.
    """
    if not head.strip():
        raise FeedError("empty_file", "The file is empty.")
    if head.startswith(_ZIP):
        # A 1C-Bitrix exchange zip names its import.xml and offers.xml; any other zip is read as a workbook.
        return "commerceml" if commerceml.zip_looks_like_exchange(head) else "xlsx"
    if head.startswith(_OLE2):
        return "xls"
    # The caller may pass any prefix of the file; a last line without its newline may be cut.
    complete = head.endswith((b"\n", b"\r")) and len(head) < HEAD_SIZE
    try:
        text = csv_feed.decode_head(head)
    except UnicodeDecodeError:
        raise FeedError("unknown_format", _NOT_A_FEED) from None
    text = text.lstrip("\ufeff")
    if _BINARY_CONTROL.search(text[:4096]):
        raise FeedError("unknown_format", _NOT_A_FEED)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _xml_format(text)
    if stripped.startswith(("{", "[")):
        return "json"
    delimiter = csv_feed.sniff_delimiter(text, complete=complete)
    if delimiter:
        header = next(csv.reader(io.StringIO(stripped.split("\n", 1)[0]), delimiter=delimiter), [])
        return "gmc_tsv" if gmc.is_gmc_header(header) else "csv"
    raise FeedError("unknown_format", _NOT_A_FEED)


def _xml_format(text: str) -> str:
    match = _XML_ROOT.match(text)
    root = match.group(1).rpartition(":")[2] if match else None
    if root and root in XML_ROOTS:
        found = XML_ROOTS[root]
        if found == "yml":
            found = next((name for name, marker in YML_DIALECTS.items() if marker.search(text)), found)
        return found
    if root is None or root.lower() in ("html", "body", "head"):
        raise FeedError(
            "unknown_format", "This is a web page, not a price list. Check that the feed address points at the file."
        )
    raise FeedError(
        "unknown_format",
        f"This XML file (root element <{root}>) is not a format we can read. "
        "Export a YML, Hotline, Google Merchant or CommerceML 2 (1C) price list instead.",
    )


def parser_for(format_name: str) -> Parser:
    """Return the parser registered for ``format_name``."""
    try:
        return PARSERS[format_name]
    except KeyError:
        raise FeedError("unknown_format", f"No parser is registered for {format_name!r}.") from None
