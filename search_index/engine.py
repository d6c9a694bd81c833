"""The interface every search engine of ``search_index`` offers, so the app can type against it.

Two engines satisfy it: :class:`search_index.SearchIndex` (Whoosh, embedded, the default) and
:class:`search_index.PostgresSearchIndex` (PostgreSQL, shared by several app nodes). Both answer
the same queries with the same meaning; the contract tests (tests/unit/search_index) run on both.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Protocol

from search_index.documents import OfferDocument
from search_index.query import IndexedOffer, SearchQuery, SearchResults, Suggestions

__all__ = ["SearchEngine"]


class SearchEngine(Protocol):
    """Write offers, search them, and check what is indexed; see each engine for the details."""

    #: "whoosh" or "postgres": which engine this is (metrics and logs say it).
    engine: str

    def ensure(self) -> None:
        """Create an empty index if none exists yet (idempotent)."""
        ...

    def apply(self, upserts: Iterable[OfferDocument], removals: Iterable[int] = ()) -> int:
        """Write ``upserts`` and delete ``removals`` at once; return documents written plus removed."""
        ...

    def index(self, docs: Iterable[OfferDocument]) -> int:
        """Add or replace ``docs``."""
        ...

    def remove(self, offer_ids: Iterable[int]) -> int:
        """Remove the offers with ``offer_ids``; return how many were indexed."""
        ...

    def rebuild(self, docs: Iterable[OfferDocument]) -> int:
        """Replace the whole index with ``docs``, atomically for readers."""
        ...

    def search(self, query: SearchQuery) -> SearchResults:
        """Return one page of results with exact totals and facets."""
        ...

    def suggest(self, text: str, limit: int = 5) -> Suggestions:
        """Return autocomplete suggestions for ``text``, the last word being a prefix."""
        ...

    def indexed_offers(self) -> dict[int, IndexedOffer]:
        """Return what the index holds for each offer, for drift checks."""
        ...

    def offer_ids(self) -> set[int]:
        """Return the ids of all indexed offers."""
        ...

    def doc_count(self) -> int:
        """Return the number of indexed offers."""
        ...

    def is_outdated(self) -> bool:
        """Say whether the index was written by an older schema and needs a rebuild."""
        ...

    def write_lock(self) -> AbstractContextManager[None]:
        """Hold the engine's write lock across several steps (a rebuild against applies)."""
        ...

    def close(self) -> None:
        """Release what the engine holds open; the next call reopens it."""
        ...
