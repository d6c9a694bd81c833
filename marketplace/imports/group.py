"""Stage 5, group: find the product of each new offer, with a batch's lookups done in two queries."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import QueryableAttribute, Session

from marketplace.catalog.grouping import NewProduct, ProductMatcher, brand_code_key, gtin_key
from marketplace.catalog.models import Product
from marketplace.db import by_keys
from supplier_feeds import FeedOffer


class BatchMatcher(ProductMatcher):
    """A ``ProductMatcher`` whose lookups for one batch are answered by two queries in all.

    The base class asks the database once per key it has not seen; preloading every GTIN
    and brand key of a batch turns thousands of lookups into two ``IN`` queries.
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._preloaded_gtins: set[str] = set()
        self._preloaded_keys: set[str] = set()

    def preload(self, rows: Iterable[FeedOffer]) -> None:
        gtins: set[str] = set()
        keys: set[str] = set()
        for row in rows:
            # The same 14-digit key product_for looks up, or every lookup would miss the preload.
            gtin = gtin_key(row.gtin)
            if gtin:
                gtins.add(gtin)
            key = brand_code_key(row.brand, row.mpn) or brand_code_key(row.brand, row.model)
            if key:
                keys.add(key)
        gtins -= self._by_gtin.keys()
        keys -= self._by_key.keys()
        with self.session.no_autoflush:
            if gtins:
                for product in self._products(Product.gtin, gtins):
                    self._by_gtin.setdefault(product.gtin, product)  # type: ignore[arg-type]  # found by its gtin: not None
            if keys:
                for product in self._products(Product.brand_mpn_key, keys):
                    self._by_key.setdefault(product.brand_mpn_key, product)  # type: ignore[arg-type]  # found by its key: not None
        self._preloaded_gtins |= gtins
        self._preloaded_keys |= keys

    def _products(self, column: QueryableAttribute[str | None], keys: set[str]) -> Iterable[Product]:
        """Return a product for each of ``keys`` (where ``column`` has several, any one of them)."""
        found = by_keys(self.session.get_bind().dialect, select(Product), column, keys)
        return self.session.scalars(select(Product).from_statement(found))

    def _find(self, gtin: str | None, key: str | None) -> Product | NewProduct | None:
        # A preloaded key that is not in the cache is known to be absent: no query.
        if gtin and gtin in self._by_gtin:
            return self._by_gtin[gtin]
        if key and key in self._by_key:
            return self._by_key[key]
        if (not gtin or gtin in self._preloaded_gtins) and (not key or key in self._preloaded_keys):
            return None
        return super()._find(gtin, key)
