"""Reading what the feed parser yields, for the supplier_feeds tests."""

from __future__ import annotations

from typing import Any

from supplier_feeds import FeedOffer, RowProblem, parse_feed


def items(data: bytes, **options: Any) -> list[Any]:
    """Return everything ``parse_feed`` yields for ``data``: header, categories, offers, problems."""
    return list(parse_feed(data, **options))


def offers(data: bytes) -> list[FeedOffer]:
    """Return the offers parsed from ``data``."""
    return [i for i in items(data) if isinstance(i, FeedOffer)]


def problems(data: bytes) -> list[RowProblem]:
    """Return the row problems parsed from ``data``."""
    return [i for i in items(data) if isinstance(i, RowProblem)]
