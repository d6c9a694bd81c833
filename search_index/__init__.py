"""Full-text search over marketplace offers, behind a small interface.

A pure library: it imports neither Flask nor the marketplace, so it can be tested,
benchmarked and swapped for another engine without touching callers.
"""

from search_index import codec
from search_index.documents import OfferDocument
from search_index.engine import SearchEngine
from search_index.facet_columns import price_bucket_label
from search_index.index import IndexLockedError, IndexOutdatedError, SearchIndex
from search_index.postgres import PostgresSearchIndex
from search_index.query import (
    CONDITIONS,
    IndexedOffer,
    ParamFacet,
    ParamValue,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestions,
)
from search_index.schema import PRICE_EDGES_MINOR, InvalidDocumentError

codec.install()

__all__ = [
    "CONDITIONS",
    "PRICE_EDGES_MINOR",
    "IndexLockedError",
    "IndexOutdatedError",
    "IndexedOffer",
    "InvalidDocumentError",
    "OfferDocument",
    "ParamFacet",
    "ParamValue",
    "PostgresSearchIndex",
    "SearchEngine",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "Suggestions",
    "price_bucket_label",
]
