"""Stage 1, parse: read the file into rows, in this process or, for a large file, in a child."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from marketplace.imports.options import ImportMode, ImportOptions
from supplier_feeds import parse_feed
from supplier_feeds.child import can_parse_in_child, parse_feed_in_child
from supplier_feeds.digests import HeldRows


def parse(
    source: bytes | str | BinaryIO, options: ImportOptions, known: Callable[[], HeldRows] | None
) -> Iterator[Any]:
    """Parse ``source`` with the supplier's mapping and, for a forced partial import, partial rows.

    A forced full import lets the parser detect the feed's kind: read as full rows, an
    update feed would only give a ``missing_title`` error per row instead of saying what it is.
    A file of ``options.parse_in_child_from`` bytes or more is parsed in a process of its
    own while this one writes its rows (``supplier_feeds.child``).
    """
    mapping = dict(options.mapping) if options.mapping else None
    # An upsert's rows are offers, whatever the first one carries; auto lets the feed say.
    partial = {ImportMode.PARTIAL: True, ImportMode.UPSERT: False}.get(options.mode)
    path = _file_path(source)
    if path is not None and os.path.getsize(path) >= options.parse_in_child_from and can_parse_in_child():
        return parse_feed_in_child(path, mapping=mapping, partial=partial, known=known, price_type=options.price_type)
    return parse_feed(source, mapping=mapping, partial=partial, known=known, price_type=options.price_type)


def _file_path(source: bytes | str | BinaryIO) -> str | None:
    """Return the path of a file opened at its start, which another process can open too."""
    name, tell = getattr(source, "name", None), getattr(source, "tell", None)
    if not isinstance(name, str) or tell is None or not os.path.isfile(name):
        return None
    try:
        return name if tell() == 0 else None
    except (OSError, ValueError):
        return None
