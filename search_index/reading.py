"""Answer searches from one open generation: column caches, filters, ranking, grouping, facets.

Whoosh finds the offers that match the words (posting lists of the catch-all ``text``
field and the ``codes`` field); everything else happens here, on the values of Whoosh's
sortable columns read once per searcher (WHOOSH.md: filters on column values, not range
queries).

Columns are read per segment and cached by segment id (``column_data``), so after a writer
commits only the new segment's columns are read; the lists for the whole index are concatenations.

Filters, facets and row totals work on numpy arrays over docnums (``docnums``): a filter is a boolean
mask computed from a column (well under a millisecond at 100k, so nothing is cached), a
facet counts a column coded as small integers, distinct (product, value) pairs when grouped.
A browse (no words) walks the precomputed price or newest order instead of sorting the
catalog. ``Snapshot.warm`` builds all of that, and the counts of the unfiltered catalog,
before a new searcher is swapped in, so no web process's first browse pays for it.

Ranking does not ask Whoosh to score every match (BM25 over 30k matches costs ~200 ms
here). An offer ranks by how many clauses its title (or model code), brand and category
names contain (a title counts twice), then by a shorter title, then by the order that
decides a product's best offer: in stock, cheapest, longest listed. For AND queries every
match contains every word somewhere, so where the words sit is what separates a frying pan
from a lid that mentions frying pans.
"""

from __future__ import annotations

import array
import functools
import heapq
import logging
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Iterator, Mapping, MutableSequence, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import numpy as np
from whoosh.query import Query, Term
from whoosh.searching import Searcher

from search_index.analysis import normalize_code
from search_index.column_data import BYTES_COLUMNS, NUMBER_COLUMNS, STRING_COLUMNS, ColumnCache, read_column
from search_index.docnums import Docs, DocSet, Filters, Ints, Mask, all_of, any_allowed, as_indices
from search_index.facet_columns import SCAN_SHARE, FacetColumn, price_bucket_label
from search_index.highlighting import highlight_hit
from search_index.param_facets import ParamTable, facets_for, filter_name
from search_index.parsing import Clause, ParsedText, parse_text
from search_index.query import (
    FACET_NAMES,
    IndexedOffer,
    ParamFacet,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestions,
)
from search_index.schema import CODES_FIELD, SPELLING_FIELDS, TEXT_FIELD, outdated_fields
from search_index.spelling import best_correction, corrected_text, correction_distance, plausible_corrections
from search_index.storage import open_index

__all__ = ["Snapshot"]

logger = logging.getLogger(__name__)

#: Browse results (no text) kept per snapshot; the same category pages are asked for often.
_BROWSE_CACHE_SIZE = 256
_CATEGORY_CACHE_SIZE = 512
#: Docnum sets of Whoosh queries (one word in one field, mostly) kept per snapshot.
_MATCH_CACHE_SIZE = 512
#: Autocomplete looks at no more than this many dictionary words per prefix.
_PREFIX_SCAN = 3000


class Snapshot:
    """Hold one open searcher and everything derived from it; see the module docstring.

    Not thread-safe: ``SearchIndex`` serialises calls under its read lock.
    """

    def __init__(self, name: str, path: Path, cache: ColumnCache) -> None:
        self.name = name
        self.ix = open_index(path)
        self.searcher: Searcher = self.ix.searcher()
        outdated = outdated_fields(self.ix.schema)
        #: An index written by an older schema: searches return nothing until a rebuild.
        self.outdated = bool(outdated)
        if outdated:
            logger.error(
                "search index generation %s has missing or outdated fields %s; run `traderow index rebuild`",
                name,
                outdated,
            )
        self._cache = cache
        self._leaves: list[tuple[Any, int]] = [
            (reader, offset) for reader, offset in self.searcher.reader().leaf_readers() if reader.doc_count_all()
        ]
        cache.keep_only(name, {reader.segment().segment_id() for reader, _ in self._leaves})
        self.size = sum(reader.doc_count_all() for reader, _ in self._leaves)
        self._columns: dict[str, Sequence[Any]] = {}
        self._live: frozenset[int] | None = None
        self._numbers: dict[str, Ints] = {}
        self._live_docs: Docs | None = None
        self._positions: dict[str, Sequence[int]] = {}
        self._orders: dict[str, array.array[int]] = {}
        self._product_rows: Ints | None = None
        self._facet_columns: dict[str | int, FacetColumn] = {}
        #: The row total and facets of the whole unfiltered catalog, by ``by_product``.
        self._whole: dict[bool, tuple[int, Mapping[str, Mapping[str, int]]]] = {}
        self._levels: dict[int, list[int | None]] = {}
        self._categories: dict[int, frozenset[int]] = {}
        #: The product ids in order, the docnums grouped by product, and where each group starts.
        self._products: tuple[Ints, Ints, Ints] | None = None
        self._brand_labels: Mapping[str, str] | None = None
        self._brand_counts: Counter[str] | None = None
        self._param_table: ParamTable | None = None
        self._browse: OrderedDict[SearchQuery, SearchResults] = OrderedDict()
        self._matches: OrderedDict[Query, frozenset[int]] = OrderedDict()

    def warm(self) -> None:
        """Read every column and build what the first search of each kind would otherwise build.

        That is the live set, the sort orders, the offers grouped by product, the coded
        columns the filters and facets use and the counts of the unfiltered catalog.
        Columns of segments an earlier snapshot read come from the shared cache, so after
        a commit only the new segments are read; everything else is rebuilt over all of them.
        """
        if self.outdated or not self.size:
            return
        for name in (*NUMBER_COLUMNS, *STRING_COLUMNS, *BYTES_COLUMNS):
            self.column(name)
        self.live()
        self.static_key()
        self.position("price")
        self.position("newest")
        self.brand_labels()
        self.param_table()
        for by_product in (True, False):
            q = SearchQuery(by_product=by_product)
            self._rows_and_facets(q, self.filters(q), self.live(), self.live_docs(), self.live_docs())

    def up_to_date(self) -> bool:
        fresh: bool = self.searcher.up_to_date()
        return fresh

    def close(self) -> None:
        self.searcher.close()

    # -- columns and cached sets -----------------------------------------------------

    def column(self, name: str) -> Sequence[Any]:
        """Return the values of a sortable column, indexed by global docnum."""
        cached = self._columns.get(name)
        if cached is not None:
            return cached
        # Numbers as 8-byte machine integers, not int objects: ~5x less memory per offer.
        values: MutableSequence[Any] = array.array("q") if name in NUMBER_COLUMNS else []
        for reader, _offset in self._leaves:
            key = (self.name, reader.segment().segment_id(), name)
            values.extend(self._cache.get(key, functools.partial(read_column, reader, name)))
        self._columns[name] = values
        return values

    def live(self) -> frozenset[int]:
        """Return the docnums of documents not deleted."""
        if self._live is None:
            docs: set[int] = set()
            for reader, offset in self._leaves:
                docs.update(range(offset, offset + reader.doc_count_all()))
                if reader.has_deletions():
                    docs.difference_update(offset + d for d in reader.segment().deleted_docs())
            self._live = frozenset(docs)
        return self._live

    def live_docs(self) -> Docs:
        """Return the live docnums as numpy arrays."""
        if self._live_docs is None:
            live = self.live()
            if len(live) == self.size:
                self._live_docs = Docs(self.size, mask=np.ones(self.size, dtype=np.bool_))
            else:
                self._live_docs = Docs(self.size, indices=np.array(sorted(live), dtype=np.int64))
        return self._live_docs

    def numbers(self, name: str) -> Ints:
        """Return a numeric column as a numpy array (a view of the column, not a copy)."""
        values = self._numbers.get(name)
        if values is None:
            # A numeric column is an array("q") (see column()), which numpy reads in place.
            column = cast("array.array[int]", self.column(name))
            values = self._numbers[name] = np.frombuffer(column, dtype=np.int64)
        return values

    def docs_in_category(self, category_id: int) -> frozenset[int]:
        """Return the docnums in the subtree of ``category_id`` (one term lookup)."""
        docs = self._categories.get(category_id)
        if docs is None:
            docs = self.docs_for(Term("category_ids", str(category_id)))
            if len(self._categories) >= _CATEGORY_CACHE_SIZE:
                self._categories.clear()
            self._categories[category_id] = docs
        return docs

    def docs_for(self, q: Query) -> frozenset[int]:
        """Return the (live) docnums matching a Whoosh query; popular words stay cached."""
        docs = self._matches.get(q)
        if docs is None:
            docs = frozenset(self.searcher.docs_for_query(q))
            self._matches[q] = docs
            if len(self._matches) > _MATCH_CACHE_SIZE:
                self._matches.popitem(last=False)
        else:
            self._matches.move_to_end(q)
        return docs

    def product_docs(self, product_id: int) -> list[int]:
        """Return the live docnums of one product's offers, in docnum order."""
        self.product_rows()
        assert self._products is not None
        ids, by_product, bounds = self._products
        row = int(np.searchsorted(ids, product_id))
        if row == len(ids) or ids[row] != product_id:
            return []
        docs: list[int] = by_product[bounds[row] : bounds[row + 1]].tolist()
        live = self.live()
        return docs if len(live) == self.size else [docnum for docnum in docs if docnum in live]

    def position(self, order: str) -> Sequence[int]:
        """Return each docnum's place in a global order: "rank", "price" or "newest".

        "rank" mirrors the marketplace's best offer: in stock first, then cheapest, then
        longest listed, then lowest id. Unique positions make every sort deterministic.
        """
        positions = self._positions.get(order)
        if positions is None:
            offer_ids = self.column("offer_number")
            prices = self.column("price_minor")
            keys: list[tuple[Any, ...]]
            if order == "rank":
                out_of_stock = [1 - value for value in self.column("stock")]
                keys = list(zip(out_of_stock, prices, self.column("created_at"), offer_ids, strict=True))
            elif order == "price":
                keys = list(zip(prices, offer_ids, strict=True))
            else:  # newest first
                created = self.column("created_at")
                keys = [(-when, -offer_id) for when, offer_id in zip(created, offer_ids, strict=True)]
            ranked = array.array("q", sorted(range(len(keys)), key=keys.__getitem__))
            positions = array.array("q", bytes(8 * len(ranked)))
            for place, docnum in enumerate(ranked):
                positions[docnum] = place
            self._positions[order] = positions
            self._orders[order] = ranked
        return positions

    def order(self, name: str) -> Sequence[int]:
        """Return the docnums (deleted ones included) in one of the orders of ``position``."""
        if name not in self._orders:
            self.position(name)
        return self._orders[name]

    def product_rows(self) -> Ints:
        """Return each docnum's product as a dense number 0..products-1, for counting."""
        if self._product_rows is None:
            ids, rows = np.unique(self.numbers("product_id"), return_inverse=True)
            by_product = np.argsort(rows, kind="stable")
            self._products = (ids, by_product, np.searchsorted(rows[by_product], np.arange(len(ids) + 1)))
            self._product_rows = rows.astype(np.int64)
        return self._product_rows

    def facet_column(self, name: str | int) -> FacetColumn:
        """Return a column coded for filtering and counting: a column name, or a category depth."""
        found = self._facet_columns.get(name)
        if found is None:
            values = self.level(name) if isinstance(name, int) else self.column(name)
            index: dict[Any, int] = {}
            codes = np.fromiter((index.setdefault(value, len(index)) for value in values), np.int64, len(values))
            products = self.product_rows()
            pairs = products * len(index) + codes
            by_pair = np.argsort(pairs, kind="stable")
            found = FacetColumn(tuple(index), index, codes, products, by_pair, pairs[by_pair])
            self._facet_columns[name] = found
        return found

    def static_key(self) -> Sequence[int]:
        """Return the tie-break among equally relevant offers: shorter title, then rank."""
        key = self._positions.get("static")
        if key is None:
            size = max(self.size, 1)
            words, rank = self.column("title_words"), self.position("rank")
            key = array.array("q", (count * size + place for count, place in zip(words, rank, strict=True)))
            self._positions["static"] = key
        return key

    def level(self, depth: int) -> list[int | None]:
        """Return each docnum's category at ``depth`` of its path (None if shallower)."""
        values = self._levels.get(depth)
        if values is None:
            values = [chain[depth] if len(chain) > depth else None for chain in self.column("category_chain")]
            self._levels[depth] = values
        return values

    def param_table(self) -> ParamTable:
        """Return every offer's normalised params, grouped by facet (``search_index.param_facets``)."""
        if self._param_table is None:
            self._param_table = ParamTable(self.column("param_facets"), self.size)
        return self._param_table

    def brand_counts(self) -> Counter[str]:
        """Return how many offers each lower-cased brand has (deleted ones included)."""
        if self._brand_counts is None:
            self._brand_counts = Counter(self.column("brand_key"))
        return self._brand_counts

    def brand_labels(self) -> Mapping[str, str]:
        """Return lower-cased brand -> the spelling most of its offers use."""
        if self._brand_labels is None:
            counts = Counter(zip(self.column("brand_key"), self.column("brand_name"), strict=True))
            labels: dict[str, str] = {}
            for (key, name), _count in counts.most_common():
                if key:
                    labels.setdefault(key, name)
            self._brand_labels = MappingProxyType(labels)
        return self._brand_labels

    # -- searching -------------------------------------------------------------------

    def filters(self, q: SearchQuery) -> Filters:
        """Return the masks of the query's filters, made from the column values."""
        masks: dict[str, Mask | None] = dict.fromkeys(("supplier", "brand", "condition", "price"))
        if q.suppliers:
            masks["supplier"] = self.facet_column("supplier").having(q.suppliers)
        brands = [brand.strip().lower() for brand in q.brands if brand and brand.strip()]
        if brands:
            masks["brand"] = self.facet_column("brand_key").having(brands)
        if q.conditions:
            masks["condition"] = self.facet_column("condition").having(q.conditions)
        if q.min_price_minor is not None or q.max_price_minor is not None:
            prices = self.numbers("price_minor")
            low = None if q.min_price_minor is None else prices >= q.min_price_minor
            high = None if q.max_price_minor is None else prices <= q.max_price_minor
            masks["price"] = all_of([bound for bound in (low, high) if bound is not None])
        if q.in_stock is not None:
            masks["stock"] = self.numbers("stock") == (1 if q.in_stock else 0)
        for key, values in q.params:
            masks[filter_name(key)] = self.param_table().having(key, values)
        for key, least, most in q.param_ranges:
            within = self.param_table().within(key, least, most)
            name = filter_name(key)
            current = masks.get(name)
            masks[name] = within if current is None else current & within
        if q.category_id is not None:
            masks["category"] = Docs(self.size, indices=as_indices(self.docs_in_category(q.category_id))).mask
        return Filters(masks, all_of([mask for mask in masks.values() if mask is not None]))

    def search(self, q: SearchQuery) -> SearchResults:
        """Run a normalised query; see ``SearchIndex.search``."""
        if self.outdated or not self.size:
            return _empty(q)
        parsed = parse_text(q.text)
        if parsed.strict is None:
            cached = self._browse.get(q)
            if cached is not None:
                self._browse.move_to_end(q)
                return cached
        filters = self.filters(q)
        if parsed.strict is None:
            results = self._results(q, filters, self.live(), None)
            self._browse[q] = results
            if len(self._browse) > _BROWSE_CACHE_SIZE:
                self._browse.popitem(last=False)
            return results

        matches = self.docs_for(parsed.strict)
        if any_allowed(matches, filters.allowed):
            return self._results(q, filters, matches, parsed)
        suggestion, crossing = self.spelling_suggestion(parsed)
        if suggestion is not None and not crossing:
            found = self._corrected(q, filters, suggestion)
            if found is not None:
                return found
        if parsed.relaxed is not None:
            relaxed_matches = self.docs_for(parsed.relaxed)
            if any_allowed(relaxed_matches, filters.allowed):
                return self._results(q, filters, relaxed_matches, parsed, suggestion=suggestion, relaxed=True)
        if suggestion is not None and crossing:
            # A word of another language only when the buyer's own words find nothing at all.
            found = self._corrected(q, filters, suggestion)
            if found is not None:
                return found
        return self._results(q, filters, matches, parsed, suggestion=suggestion)

    def _corrected(self, q: SearchQuery, filters: Filters, suggestion: str) -> SearchResults | None:
        """Return the results of the corrected text, or None when it finds nothing either."""
        corrected = parse_text(suggestion)
        if corrected.strict is None:
            return None
        matches = self.docs_for(corrected.strict)
        if not any_allowed(matches, filters.allowed):
            return None
        return self._results(q, filters, matches, corrected, suggestion=suggestion, corrected=True)

    def _results(
        self,
        q: SearchQuery,
        filters: Filters,
        base: frozenset[int],
        parsed: ParsedText | None,
        *,
        suggestion: str | None = None,
        corrected: bool = False,
        relaxed: bool = False,
    ) -> SearchResults:
        """Filter ``base`` (the text's matches, or every live offer), rank, page and count."""
        base_docs = self.live_docs() if base is self.live() else Docs(self.size, indices=as_indices(base))
        if filters.allowed is None:
            matched: DocSet = base
            docs = base_docs
        else:
            docs = Docs(self.size, mask=filters.allowed & base_docs.mask)
            matched = set(docs.indices.tolist())
        total, facets = self._rows_and_facets(q, filters, base, base_docs, docs)
        params = self._param_facets(q, filters, base_docs, docs)
        start, stop = (q.page - 1) * q.per_page, q.page * q.per_page
        scores: dict[int, float] = {}
        if start >= total:
            rows: list[tuple[int, list[int]]] = []
        else:
            ordered = self._ordered(q, matched, parsed, relaxed, scores)
            rows = self._page_rows(q, matched, ordered, start, stop)
        terms = frozenset(t for clause in (parsed.clauses if parsed else ()) for t in clause.terms)
        return SearchResults(
            hits=tuple(self._hit(docnums, scores, terms, q.by_product) for _, docnums in rows),
            total=total,
            page=q.page,
            per_page=q.per_page,
            relaxed=relaxed,
            offer_total=len(matched),
            facets=facets,
            brand_labels=self.brand_labels(),
            params=params,
            suggestion=suggestion,
            corrected=corrected,
        )

    def _ordered(
        self,
        q: SearchQuery,
        matched: DocSet,
        parsed: ParsedText | None,
        relaxed: bool,
        scores: dict[int, float],
    ) -> Iterable[int]:
        """Yield the matched docnums best first, lazily where the order allows it."""
        sort = q.sort if parsed is not None or q.sort != "relevance" else "newest"
        if sort in ("price_asc", "price_desc", "newest") and len(matched) * SCAN_SHARE >= self.size:
            return self._walk(sort, matched, q.by_product)
        if sort in ("price_asc", "price_desc"):
            candidates: Collection[int] = matched
            if q.by_product:
                # A product sorts by the price it is shown at, "from" its cheapest matching
                # offer, so each product keeps only that offer here.
                best_last = sorted(matched, key=self.position("price").__getitem__, reverse=True)
                product_ids = self.column("product_id")
                candidates = dict(zip(map(product_ids.__getitem__, best_last), best_last, strict=True)).values()
            return sorted(candidates, key=self.position("price").__getitem__, reverse=sort == "price_desc")
        if sort == "newest":
            return sorted(matched, key=self.position("newest").__getitem__)
        assert parsed is not None
        return self._by_relevance(matched, parsed.clauses, relaxed, scores)

    def _walk(self, sort: str, matched: DocSet, by_product: bool) -> Iterator[int]:
        """Yield the matched docnums in the order ``_ordered`` sorts them, from the global order.

        Grouped by price, a product sorts at its cheapest matching offer. Ascending, that is
        the first of its offers met; descending, an offer is yielded only if it is that one.
        """
        order = self.order("newest" if sort == "newest" else "price")
        if sort != "price_desc":
            yield from filter(matched.__contains__, order)
            return
        if not by_product:
            yield from filter(matched.__contains__, reversed(order))
            return
        position, product_ids = self.position("price"), self.column("product_id")
        for docnum in filter(matched.__contains__, reversed(order)):
            offers = self.product_docs(product_ids[docnum])
            if min(position[d] for d in offers if d in matched) == position[docnum]:
                yield docnum

    def _by_relevance(
        self, matched: DocSet, clauses: Sequence[Clause], relaxed: bool, scores: dict[int, float]
    ) -> Iterable[int]:
        tally: Counter[int] = Counter()
        for clause in clauses:
            if relaxed:
                # Offers with more of the words first: each clause found weighs most.
                in_text = matched.intersection(self.docs_for(clause.match))
                for _ in range(4):
                    tally.update(in_text)
            in_title = matched.intersection(self.docs_for(clause.title))
            tally.update(in_title)
            tally.update(in_title)
            tally.update(matched.intersection(self.docs_for(clause.brand)))
            if clause.category is not None:
                tally.update(matched.intersection(self.docs_for(clause.category)))
        tiers: dict[int, list[int]] = {}
        for docnum, points in tally.items():
            tiers.setdefault(points, []).append(docnum)
        tiers[0] = list(matched.difference(tally))
        key = self.static_key()
        words = self.column("title_words")
        for points in sorted(tiers, reverse=True):
            for docnum in sorted(tiers[points], key=key.__getitem__):
                scores[docnum] = points + 1.0 / (1 + words[docnum])
                yield docnum

    def _page_rows(
        self, q: SearchQuery, matched: DocSet, ordered: Iterable[int], start: int, stop: int
    ) -> list[tuple[int, list[int]]]:
        """Return the page's rows as (docnum shown, every docnum of the row best first)."""
        if not q.by_product:
            page = []
            for place, docnum in enumerate(ordered):
                if place >= stop:
                    break
                if place >= start:
                    page.append((docnum, [docnum]))
            return page
        product_ids = self.column("product_id")
        seen: dict[int, None] = {}
        for docnum in ordered:
            seen.setdefault(product_ids[docnum])
            if len(seen) >= stop:
                break
        rank = self.position("rank")
        rows = []
        for product_id in list(seen)[start:stop]:
            docnums = sorted((d for d in self.product_docs(product_id) if d in matched), key=rank.__getitem__)
            rows.append((docnums[0], docnums))
        return rows

    def _hit(self, docnums: list[int], scores: Mapping[int, float], terms: frozenset[str], grouped: bool) -> SearchHit:
        docnum = docnums[0]
        stored = self.searcher.stored_fields(docnum)
        offer_ids = self.column("offer_number")
        seller_count = 1
        if grouped:
            # The sellers of the offers in this row (those matching the search and filters),
            # so the count agrees with the "from" price shown beside it.
            suppliers = self.column("supplier")
            seller_count = len({suppliers[d] for d in docnums})
        return SearchHit(
            offer_id=int(stored["offer_id"]),
            product_id=int(stored["product_id"]),
            supplier=stored["supplier"],
            title=stored["title"],
            price_minor=int(stored["price_minor"]),
            in_stock=bool(stored["in_stock"]),
            score=scores.get(docnum, 0.0),
            highlight=highlight_hit(stored["title"], stored.get("snippet") or "", terms),
            condition=stored.get("condition") or "new",
            offer_ids=tuple(offer_ids[d] for d in docnums),
            seller_count=seller_count,
        )

    # -- facets ----------------------------------------------------------------------

    def _rows_and_facets(
        self, q: SearchQuery, filters: Filters, base: frozenset[int], base_docs: Docs, docs: Docs
    ) -> tuple[int, Mapping[str, Mapping[str, int]]]:
        """Return the number of rows (products or offers) matched, and the facets.

        Those of the whole unfiltered catalog are kept: every browse without filters has them.
        """
        whole = filters.allowed is None and base is self.live()
        if whole and q.by_product in self._whole:
            return self._whole[q.by_product]
        rows = self.product_rows()[docs.indices] if q.by_product else None
        total = len(docs) if rows is None else int(np.count_nonzero(np.bincount(rows)))
        counted = (total, self._facets(q, filters, base_docs, docs))
        if whole:
            self._whole[q.by_product] = counted
        return counted

    def _over(self, filters: Filters, base: Docs, matched: Docs, name: str) -> Docs:
        """Return what a facet counts over: the matches of every filter but its own (``name``)."""
        if filters.masks.get(name) is None:
            return matched
        others = filters.without(name)
        return base if others is None else Docs(self.size, mask=others & base.mask)

    def _param_facets(self, q: SearchQuery, filters: Filters, base: Docs, matched: Docs) -> tuple[ParamFacet, ...]:
        """Return the param facets of the chosen category (none without one): see ``search_index.param_facets``."""
        category = filters.masks.get("category")
        if category is None:
            return ()
        chooser = Docs(self.size, mask=category & base.mask)
        products = self.product_rows() if q.by_product else None
        chosen = {key: values for key, values in q.params}
        return facets_for(
            self.param_table(), chooser, functools.partial(self._over, filters, base, matched), products, chosen
        )

    def _facets(self, q: SearchQuery, filters: Filters, base: Docs, matched: Docs) -> Mapping[str, Mapping[str, int]]:
        def over(name: str) -> Docs:
            return self._over(filters, base, matched, name)

        def count(column: str | int, docs: Docs) -> dict[str, int]:
            counts = self.facet_column(column).count(docs, q.by_product)
            return {str(value): n for value, n in counts.items()}

        facets: dict[str, Mapping[str, int]] = {}
        facets["supplier"] = count("supplier", over("supplier"))
        facets["brand"] = {k: n for k, n in count("brand_key", over("brand")).items() if k}
        facets["condition"] = count("condition", over("condition"))
        buckets = count("price_bucket", over("price"))
        facets["price"] = {price_bucket_label(int(b)): n for b, n in sorted(buckets.items(), key=lambda i: int(i[0]))}
        depth = self._category_depth(q.category_id)
        if depth is None:
            facets["category"] = {}
        else:
            facets["category"] = {k: n for k, n in count(depth, matched).items() if k != "None"}
        return MappingProxyType({name: MappingProxyType(facets[name]) for name in FACET_NAMES})

    def _category_depth(self, category_id: int | None) -> int | None:
        """Return the tree depth the category facet counts: the level under the filter."""
        if category_id is None:
            return 0
        docs = self.docs_in_category(category_id)
        if not docs:
            return None
        chain = self.column("category_chain")[next(iter(docs))]
        return chain.index(category_id) + 1 if category_id in chain else None

    # -- spelling and autocomplete ---------------------------------------------------

    def _known(self, clause: Clause) -> bool:
        """Say whether the clause matches something: its words, a synonym's, or a model code."""
        reader = self.searcher.reader()
        for terms in clause.alternatives or (clause.terms,):
            if all(reader.doc_frequency(TEXT_FIELD, term) for term in terms):
                return True
        code = normalize_code(clause.typed)
        return bool(code) and bool(reader.doc_frequency(CODES_FIELD, code))

    def _correct_word(self, word: str) -> tuple[str, bool] | None:
        """Return the nearest known word in the same script, and whether it is of another language.

        A candidate of the typed word's language beats any of the other, whatever their
        distances (``search_index.spelling``).
        """
        word = word.lower()
        max_distance = correction_distance(word)
        if max_distance is None:
            return None
        reader = self.searcher.reader()
        options: dict[str, tuple[bool, int]] = {}
        frequency: Counter[str] = Counter()
        for field in SPELLING_FIELDS:
            spell_field = self.ix.schema[field].spelling_fieldname(field)
            candidates = reader.terms_within(spell_field, word, max_distance, prefix=1)
            for candidate, crossing, distance in plausible_corrections(word, candidates, max_distance):
                options[candidate] = (crossing, distance)
                # A word in several fields counts as often as in the one it is most in.
                frequency[candidate] = max(frequency[candidate], reader.doc_frequency(spell_field, candidate))
        return best_correction(((w, c, d) for w, (c, d) in options.items()), frequency.__getitem__)

    def spelling_suggestion(self, parsed: ParsedText) -> tuple[str | None, bool]:
        """Return the text with each word found in no offer replaced by its nearest known word.

        Words that match something are never replaced. The flag says whether some
        replacement is of another language than the word typed (see ``search``).
        """
        clauses = parsed.clauses
        return corrected_text(
            [clause.typed for clause in clauses], lambda i: self._known(clauses[i]), self._correct_word
        )

    def suggest(self, text: str, limit: int) -> Suggestions:
        """Return autocomplete suggestions for the words typed so far."""
        text = unicodedata.normalize("NFKC", text or "").lower().strip()[:100]
        words = text.split()
        if self.outdated or not self.size or not words:
            return Suggestions()
        head, last = words[:-1], words[-1]
        reader = self.searcher.reader()
        frequency: Counter[str] = Counter()
        if len(last) >= 2 or head:
            for field in SPELLING_FIELDS:
                spell_field = self.ix.schema[field].spelling_fieldname(field)
                for scanned, (term, info) in enumerate(reader.iter_prefix(spell_field, last)):
                    if scanned >= _PREFIX_SCAN:
                        break
                    word = term.decode("utf-8") if isinstance(term, bytes) else term
                    frequency[word] = max(frequency[word], info.doc_frequency())
        completions = [word for word, _ in frequency.most_common(limit)]
        queries = [" ".join([*head, word]) for word in completions]
        titles: list[str] = []
        categories: list[int] = []
        if queries:
            parsed = parse_text(queries[0])
            if parsed.strict is not None:
                matches = self.docs_for(parsed.strict)
                best = heapq.nsmallest(limit * 4, matches, key=self.static_key().__getitem__)
                product_ids = self.column("product_id")
                seen: set[int] = set()
                for docnum in best:
                    if product_ids[docnum] in seen:
                        continue
                    seen.add(product_ids[docnum])
                    titles.append(self.searcher.stored_fields(docnum)["title"])
                    if len(titles) >= limit:
                        break
                chains = self.column("category_chain")
                leaves = Counter(chains[d][-1] for d in best if chains[d])
                categories = [category for category, _ in leaves.most_common(3)]
        labels = self.brand_labels()
        brands = [
            labels[key]
            for key, _ in self.brand_counts().most_common()
            if key in labels and (key.startswith(text) or key.startswith(last))
        ][:limit]
        return Suggestions(
            queries=tuple(queries),
            titles=tuple(titles),
            brands=tuple(brands),
            category_ids=tuple(categories),
        )

    # -- drift checks ----------------------------------------------------------------

    def indexed_offers(self) -> dict[int, IndexedOffer]:
        """Return what the index holds for every live offer, by offer id."""
        offer_ids, prices = self.column("offer_number"), self.column("price_minor")
        stock, updated = self.column("stock"), self.column("updated_at")
        products, chains = self.column("product_id"), self.column("category_chain")
        return {
            offer_ids[d]: IndexedOffer(
                price_minor=prices[d],
                in_stock=bool(stock[d]),
                updated_at=updated[d],
                product_id=products[d],
                category_ids=chains[d],
            )
            for d in self.live()
        }


def _empty(q: SearchQuery) -> SearchResults:
    return SearchResults(hits=(), total=0, page=q.page, per_page=q.per_page)
