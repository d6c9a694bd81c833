"""Building links from the query string, and the URL converters every blueprint shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter
from werkzeug.routing.map import Map

#: The largest id our keys can hold: every primary key is an INTEGER, 32 bits on PostgreSQL
#: (SQLite's go to 64). A larger id in a URL cannot exist, and would overflow the query.
MAX_ID = 2**31 - 1


def is_id(value: int) -> bool:
    """Say whether ``value`` can be the id of a row (positive, and within ``MAX_ID``)."""
    return 0 < value <= MAX_ID


def link_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Return the query arguments that may be forwarded to ``url_for``.

    ``url_for`` reads ``_anchor``, ``_method``, ``_scheme`` and ``_external`` itself (a bad
    ``_method`` raises, ``_external`` builds links from the Host header) and takes ``endpoint``
    as its first argument; no parameter of ours starts with an underscore, so every such key
    is dropped.
    """
    items = args.to_dict(flat=False) if hasattr(args, "to_dict") else dict(args)
    return {name: value for name, value in items.items() if not name.startswith("_") and name != "endpoint"}


class IdConverter(IntegerConverter):
    """``<int:...>`` that answers 404 beyond ``MAX_ID`` instead of overflowing the database."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def init_app(app: Flask) -> None:
    """Register the converters; call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter
