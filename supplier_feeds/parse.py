"""The one entry point callers use: bytes or a file in, typed rows out."""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Callable, Container, Iterator, Mapping
from typing import BinaryIO

from .charsets import misdeclared_utf8
from .detect import XML_ROOTS, YML_DIALECTS, detect_format, parser_for
from .rows import FeedError, FeedItem, RowProblem
from .streams import HEAD_SIZE, PrefixedStream, open_source, read_head

logger = logging.getLogger(__name__)

_XML_FORMATS = frozenset({*XML_ROOTS.values(), *YML_DIALECTS})
#: The encoding attribute of an XML declaration (after an optional UTF-8 BOM).
_DECLARED_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml\b[^>]*?\bencoding\s*=\s*([\"'])([A-Za-z][\w.:-]*)\1")


def parse_feed(
    source: bytes | str | os.PathLike[str] | BinaryIO,
    *,
    mapping: Mapping[str, str] | None = None,
    partial: bool | None = None,
    known: Callable[[], Container[bytes] | None] | None = None,
    price_type: str | None = None,
) -> Iterator[FeedItem]:
    """Yield a FeedHeader, then categories, then offers (or updates) and row problems in file order.

    ``source`` is the feed's bytes, a path (``str`` or ``os.PathLike``) or a binary file
    object, which is read but not closed. The format is recognised from the content.

    ``mapping`` ({header: field}, or {"#0": field, ...} by position for header-less files)
    replaces the guessed column mapping of CSV and Excel files; other formats ignore it.
    ``partial=None`` detects a price/stock update (FeedHeader.partial, then FeedUpdate
    rows); True or False forces the mode.

    ``known()`` returns the digests (``FeedOffer.digest``, from an earlier import) of the
    rows the caller already holds, or None: a row whose digest is among them is not read
    further and comes as a ``FeedUnchanged``. It is called once, when the first row after
    the header is read, so the caller has handled the header and the categories by then
    (``supplier_feeds.digests.HeldRows`` is such a container). Formats without digests
    (all but YML) never call it.

    ``price_type`` names the supplier's price type (its Ид or name) in a CommerceML file whose
    offers carry several; other formats ignore it.

    Raise FeedError when the file as a whole cannot be read, possibly after some items
    were already yielded (a truncated XML file is only noticed at its end).
    """
    with open_source(source) as stream:
        head, replay = read_head(stream)
        if not head:
            raise FeedError("empty_file", "The file is empty.")
        format_name = detect_format(head)
        logger.debug("Parsing a %s feed", format_name)
        mismatch = None
        if format_name in _XML_FORMATS:
            head, mismatch = _utf8_despite_declaration(head)
            if mismatch is not None:
                # Nothing was read from ``replay`` yet: replay the corrected head instead.
                replay = io.BufferedReader(PrefixedStream(head, stream), buffer_size=HEAD_SIZE)
        options = {"price_type": price_type} if format_name == "commerceml" else {}
        items = parser_for(format_name)(replay, mapping=mapping, partial=partial, known=known, **options)
        if mismatch is not None:
            # The header comes first, always; the warning right after it.
            yield next(items)
            yield mismatch
        yield from items


def _utf8_despite_declaration(head: bytes) -> tuple[bytes, RowProblem | None]:
    """Return the head declaring UTF-8, and a warning, when its bytes are UTF-8 under another declaration.

    The bytes decide rather than the label: read as the declared windows-1251, UTF-8 Cyrillic
    becomes "РЎС‚РµРїР»РµСЂ" in every title, silently. Refusing the file would stop a working feed
    for one wrong word in its first line, while the text itself is whole.
    """
    found = _DECLARED_ENCODING.match(head)
    if found is None:
        return head, None
    declared = found.group(2).decode("ascii")
    if not misdeclared_utf8(head, declared):
        return head, None
    start, end = found.span(2)
    warning = RowProblem(
        "encoding_mismatch",
        "warning",
        f"The file declares the encoding {declared}, but its text is UTF-8; it was read as UTF-8. "
        'Write encoding="UTF-8" in its first line.',
        line=1,
        field="encoding",
        value=declared,
    )
    return head[:start] + b"UTF-8" + head[end:], warning
