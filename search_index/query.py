"""What a buyer asks the index, and what comes back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Sort orders accepted in :attr:`SearchQuery.sort`.
SORTS = frozenset({"relevance", "price_asc", "price_desc", "newest"})

#: Conditions an offer can be in; an offer whose feed says nothing is "new".
CONDITIONS = ("new", "used", "refurbished")

#: Largest page the index will return; protects the process from a ``per_page=10**6``.
MAX_PER_PAGE = 200

#: The facets every result carries, each a mapping of value -> count.
FACET_NAMES = ("category", "brand", "supplier", "price", "condition")

_NO_FACETS: Mapping[str, Mapping[str, int]] = MappingProxyType({name: MappingProxyType({}) for name in FACET_NAMES})


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Describe one search: free text plus filters, sort order, grouping and page."""

    #: Free text as the buyer typed it; query syntax is not interpreted, "quotes" make phrases.
    text: str = ""
    #: Inclusive lower price bound, in minor units of the base currency.
    min_price_minor: int | None = None
    #: Inclusive upper price bound, in minor units of the base currency.
    max_price_minor: int | None = None
    #: Supplier slugs; an offer from any of them matches.
    suppliers: tuple[str, ...] = ()
    #: A category id; matches offers in that category's whole subtree.
    category_id: int | None = None
    #: Brand names, compared case-insensitively; an offer of any of them matches.
    brands: tuple[str, ...] = ()
    #: True for offers in stock only, False for out-of-stock only, None for both.
    in_stock: bool | None = None
    #: Conditions from :data:`CONDITIONS`; an offer in any of them matches.
    conditions: tuple[str, ...] = ()
    #: One of :data:`SORTS`; an unknown value falls back to "relevance".
    sort: str = "relevance"
    #: One hit per product (its best matching offer) instead of one per offer.
    by_product: bool = False
    #: Param facets chosen, as (facet key, value keys); an offer with any of a facet's values
    #: matches it, and it must match every facet (``search_index.params`` makes the keys).
    params: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Numeric param facets' ranges, as (facet key, low, high) in the facet's canonical unit,
    #: inclusive; None leaves that end open.
    param_ranges: tuple[tuple[str, float | None, float | None], ...] = ()
    #: 1-based page number.
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True, slots=True)
class SearchHit:
    """Describe one matching offer (or, grouped, a product's best matching offer)."""

    offer_id: int
    product_id: int
    supplier: str
    title: str
    price_minor: int
    in_stock: bool
    score: float
    #: HTML-safe title or description snippet with matched words in <b>; may be "".
    highlight: str = ""
    condition: str = "new"
    #: Grouped by product: every matching offer of the product, best first (else just this one).
    offer_ids: tuple[int, ...] = ()
    #: Grouped by product: how many suppliers have a matching offer of the product.
    seller_count: int = 1


@dataclass(frozen=True, slots=True)
class ParamValue:
    """One value of a param facet, with how many rows have it."""

    #: The value key (``search_index.params.NormalParam.value``), which filters.
    value: str
    #: The spelling most of its offers use.
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class ParamFacet:
    """One param facet of a category's results: its values with counts, or its range of numbers."""

    #: The facet key (``search_index.params``).
    key: str
    #: The name most of its offers use, without unit: the label where the key is not a known facet.
    name: str
    #: The canonical unit of a numeric facet ("mm", "W", ...), or "".
    unit: str
    #: True: a range of numbers (``low``..``high``) instead of values to choose.
    numeric: bool
    #: Rows (products when grouped, else offers) of the category that state it: what ranks it.
    coverage: int
    #: Text facets: the values, most frequent first, each with the rows it would show.
    values: tuple[ParamValue, ...] = ()
    #: Numeric facets: the smallest and largest value among the rows the other filters leave.
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class SearchResults:
    """Describe one page of results, with the exact totals and facet counts."""

    hits: tuple[SearchHit, ...]
    #: Exact number of rows over all pages: products when grouped, else offers.
    total: int
    page: int
    per_page: int
    #: True when no offer contained every word, so offers with any word were returned.
    relaxed: bool = False
    #: Exact number of matching offers (equals :attr:`total` when not grouped).
    offer_total: int = 0
    #: Facet name -> value -> count, over the filtered result, counting rows (products
    #: when grouped, offers otherwise). "supplier" by slug, "brand" by lower-cased brand
    #: (see :attr:`brand_labels`), "condition", "price" by bucket ("low-high" in minor
    #: units, "low-" for the last), "category" by id of the tree level under the category
    #: filter (the top level without one). A facet that filters ignores its own filter, so
    #: its other values show what choosing them would add.
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: _NO_FACETS)
    #: Lower-cased brand -> the spelling most offers use, for the brand facet.
    brand_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Param facets, when a category is chosen: at most ``MAX_PARAM_FACETS`` of the params its
    #: offers carry, the most useful first (``search_index.param_facets``). Like the other
    #: facets, each counts over the results of every filter but its own.
    params: tuple[ParamFacet, ...] = ()
    #: A corrected spelling of the text, when some words are in no offer; else None.
    suggestion: str | None = None
    #: True when nothing matched the text as typed, so these are results for :attr:`suggestion`.
    corrected: bool = False

    @property
    def pages(self) -> int:
        """Return the number of pages needed to show :attr:`total` results."""
        return max(1, -(-self.total // self.per_page)) if self.per_page > 0 else 1


@dataclass(frozen=True, slots=True)
class Suggestions:
    """Autocomplete for a prefix: completed queries, product titles, brands and categories."""

    #: Whole queries: the words typed so far with the last one completed, most frequent first.
    queries: tuple[str, ...] = ()
    #: Titles of offers matching the completed query (one per product).
    titles: tuple[str, ...] = ()
    #: Brand names starting with the last word.
    brands: tuple[str, ...] = ()
    #: Category ids under which the completed query has the most offers.
    category_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexedOffer:
    """What the index holds for one offer, for drift checks against the database."""

    price_minor: int
    in_stock: bool
    #: The offer's ``updated_at`` when it was indexed, in Unix seconds.
    updated_at: int
    #: The product the offer was grouped into when it was indexed.
    product_id: int = 0
    #: The offer's category path, root first, when it was indexed.
    category_ids: tuple[int, ...] = ()


def normalized(q: SearchQuery) -> SearchQuery:
    """Clamp paging and price bounds to sane values instead of failing on URL input (every engine)."""
    page = max(1, int(q.page))
    per_page = min(max(1, int(q.per_page)), MAX_PER_PAGE)
    sort = q.sort if q.sort in SORTS else "relevance"
    low = None if q.min_price_minor is None else max(0, int(q.min_price_minor))
    high = None if q.max_price_minor is None else max(0, int(q.max_price_minor))
    return SearchQuery(
        text=q.text or "",
        min_price_minor=low,
        max_price_minor=high,
        suppliers=_strings(q.suppliers),
        category_id=q.category_id,
        brands=_strings(q.brands),
        in_stock=q.in_stock,
        conditions=_strings(q.conditions),
        params=tuple(sorted((key, _strings(values)) for key, values in dict(q.params).items() if values)),
        param_ranges=tuple(sorted(q.param_ranges, key=lambda r: r[0])),
        sort=sort,
        by_product=bool(q.by_product),
        page=page,
        per_page=per_page,
    )


def _strings(values: str | Iterable[str]) -> tuple[str, ...]:
    """Return a sorted tuple without duplicates, so equal filters make equal cache keys."""
    return (values,) if isinstance(values, str) else tuple(sorted(set(values)))
