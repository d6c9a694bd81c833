"""Turn supplier price lists into typed rows and explain the rows that are wrong.

Formats (recognised from the content): YML and its Ukrainian marketplace dialects,
Hotline/Allo XML, Google Merchant RSS/Atom/TSV, CommerceML 2 (1C: XML or the exchange zip), CSV,
Excel (.xlsx, .xls) and JSON.
A pure library: it imports neither flask nor marketplace.
"""

from .columns import suggest_mapping
from .detect import PARSERS, detect_format
from .parse import parse_feed
from .preview import TablePreview, preview_table
from .rows import FeedCategory, FeedError, FeedHeader, FeedItem, FeedOffer, FeedUnchanged, FeedUpdate, RowProblem

__all__ = [
    "PARSERS",
    "FeedCategory",
    "FeedError",
    "FeedHeader",
    "FeedItem",
    "FeedOffer",
    "FeedUnchanged",
    "FeedUpdate",
    "RowProblem",
    "TablePreview",
    "detect_format",
    "parse_feed",
    "preview_table",
    "suggest_mapping",
]
