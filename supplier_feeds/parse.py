"""The one entry point callers use: bytes or a file in, typed rows out."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Container, Iterator, Mapping
from typing import BinaryIO

from .detect import detect_format, parser_for
from .rows import FeedError, FeedItem
from .streams import open_source, read_head

logger = logging.getLogger(__name__)


def parse_feed(
    source: bytes | str | os.PathLike[str] | BinaryIO,
    *,
    mapping: Mapping[str, str] | None = None,
    partial: bool | None = None,
    known: Callable[[], Container[bytes] | None] | None = None,
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

    Raise FeedError when the file as a whole cannot be read, possibly after some items
    were already yielded (a truncated XML file is only noticed at its end).
    """
    with open_source(source) as stream:
        head, replay = read_head(stream)
        if not head:
            raise FeedError("empty_file", "The file is empty.")
        format_name = detect_format(head)
        logger.debug("Parsing a %s feed", format_name)
        yield from parser_for(format_name)(replay, mapping=mapping, partial=partial, known=known)
