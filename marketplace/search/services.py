"""Buyers' searches: run a query against the index, load the hits' offers, count facets."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from flask_babel import get_locale, gettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager

from marketplace.catalog.identity import product_identity
from marketplace.catalog.models import Offer, shown_to_buyers
from marketplace.catalog.services import best_offer, key_params, offer_rank_by_total, offer_total_base
from marketplace.events.log import log_event
from marketplace.metrics.instruments import observe_search
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.names import collation_key, names_by_locale
from search_index import (
    CONDITIONS,
    ParamFacet,
    SearchEngine,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from search_index.params import facet_label, unit_label, value_label


@dataclass
class OfferHit:
    """One result row, with its offers (and their products) loaded from the database.

    A row names its product by ``offer.product.title``, the product's one title on every page,
    even when the words matched only an offer's own title.

    Grouped by product, ``offer`` is the product's best matching offer (``best_offer`` over
    ``offers``, every matching offer of the product); otherwise the one matching offer.
    """

    offer: Offer
    highlight: str
    position: int
    offers: list[Offer] = field(default_factory=list)
    #: Suppliers with an offer of this product that matches the search and its filters.
    seller_count: int = 1
    #: The product's first picture (:mod:`marketplace.catalog.identity`), for its thumbnail.
    picture: str | None = None
    #: A few of the product's params (:func:`marketplace.catalog.services.key_params`).
    params: list[tuple[str, str]] = field(default_factory=list)

    @property
    def lowest_price_base(self) -> Decimal:
        """Return the lowest base-currency price among the row's matching offers (the "from" price)."""
        return min((offer.price_base for offer in self.offers), default=self.offer.price_base)

    @property
    def highest_price_base(self) -> Decimal:
        """Return the highest base-currency price among the row's matching offers (the "to" price)."""
        return max((offer.price_base for offer in self.offers), default=self.offer.price_base)

    @property
    def lowest_total_base(self) -> Decimal | None:
        """Return the lowest price with delivery among the matching offers whose delivery is known."""
        totals = [t for t in (offer_total_base(o) for o in self.offers or [self.offer]) if t is not None]
        return min(totals, default=None)


@dataclass
class FacetOption:
    """One value of a facet, as the sidebar and the API show it."""

    value: str
    label: str
    count: int
    selected: bool = False
    #: A category's name in every language of the tree ("en", "uk", "ru"); ``label`` is the page's.
    names: dict[str, str] | None = None


@dataclass
class ParamFacetView:
    """One param facet as the filters panel and the API show it, in the page's language."""

    #: The facet key; its parameters are "p.<key>", or "p.<key>.min" and "p.<key>.max".
    key: str
    #: The facet's name in the page's language where it is known, else as suppliers write it.
    label: str
    #: The unit of a numeric facet, as the page's language writes it, or "".
    unit: str
    numeric: bool
    #: Text facets: the values to choose, most frequent first.
    options: list[FacetOption] = field(default_factory=list)
    #: Numeric facets: the smallest and largest number among the results, written plainly.
    low: str | None = None
    high: str | None = None

    @property
    def param(self) -> str:
        return f"p.{self.key}"


@dataclass
class RelaxHint:
    """A filter whose removal would find offers, and how many."""

    #: The query-string parameters to drop ("min_price" and "max_price" go together).
    params: tuple[str, ...]
    #: Which filter: "price", "supplier", "brand", "category", "in_stock" or "condition".
    name: str
    total: int


@dataclass
class SearchPage:
    """One page of search results, with offers as the database has them now."""

    query: SearchQuery
    results: SearchResults
    hits: list[OfferHit]
    #: Facet name -> options, most frequent first (price buckets in price order).
    facets: dict[str, list[FacetOption]] = field(default_factory=dict)
    #: When nothing was found: the filters whose removal would find something.
    relax: list[RelaxHint] = field(default_factory=list)
    #: The param facets of the chosen category, the most useful first.
    params: list[ParamFacetView] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.results.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.results.total // self.query.per_page))


#: The filters a buyer can relax, with the query-string parameters that carry them.
_RELAXABLE: tuple[tuple[str, tuple[str, ...], dict[str, object]], ...] = (
    ("price", ("min_price", "max_price"), {"min_price_minor": None, "max_price_minor": None}),
    ("supplier", ("supplier",), {"suppliers": ()}),
    ("brand", ("brand",), {"brands": ()}),
    ("category", ("category",), {"category_id": None}),
    ("in_stock", ("in_stock",), {"in_stock": None}),
    ("condition", ("condition",), {"conditions": ()}),
)


#: Sorted by total with delivery, the rows this many cheapest by price are ordered by total.
#: The index knows prices, not delivery costs, so the order by total is made here, over
#: the cheapest rows by price (the index's largest page). Within them it is exact; pages
#: past them go on by price.
TOTAL_SORT_WINDOW = 200


def search_offers(session: Session, index: SearchEngine, query: SearchQuery, locale: str | None = None) -> SearchPage:
    """Search the index and load the hits' offers in one query; offers gone since are skipped.

    Category facets are labelled in ``locale`` (by default the request's language).
    """
    locale = locale or _request_locale()
    started = time.perf_counter()
    try:
        if query.sort == "total":
            return _search_by_total(session, index, query, locale)
        results = index.search(query)
        first = (results.page - 1) * results.per_page
        hits = _load_hits(session, results.hits, first)
        return _page(session, index, query, results, hits, locale)
    finally:
        # By engine ("whoosh" or "postgres"): the two answer at different speeds and scales.
        observe_search(index.engine, time.perf_counter() - started)


def _page(
    session: Session,
    index: SearchEngine,
    query: SearchQuery,
    results: SearchResults,
    hits: list[OfferHit],
    locale: str | None,
) -> SearchPage:
    page = SearchPage(query, results, hits, facets=_facet_options(session, query, results, locale))
    page.params = [param_facet_view(facet, query, locale or "en") for facet in results.params]
    log_event(
        "search",
        query=query.text,
        filters=query,
        page=query.page,
        results=results.total,
        corrected=results.corrected,
        ranks=supplier_ranks(hits),
    )
    if results.total == 0:
        page.relax = relax_hints(index, query)
    return page


def supplier_ranks(hits: list[OfferHit]) -> dict[str, int]:
    """Return each supplier's best position on the page (1-based overall): suppliers' average rank comes from it."""
    ranks: dict[str, int] = {}
    for hit in hits:
        for offer in hit.offers or [hit.offer]:
            ranks.setdefault(str(offer.supplier_id), hit.position)
    return ranks


def _search_by_total(session: Session, index: SearchEngine, query: SearchQuery, locale: str | None) -> SearchPage:
    """Search sorted by price plus known delivery (``offer_rank_by_total``), as the product page sorts offers."""
    first = (query.page - 1) * query.per_page
    if first >= TOTAL_SORT_WINDOW:
        results = index.search(replace(query, sort="price_asc"))
        return _page(session, index, query, results, _load_hits(session, results.hits, first), locale)
    window = index.search(replace(query, sort="price_asc", page=1, per_page=TOTAL_SORT_WINDOW))
    hits = _load_hits(session, window.hits, 0)
    hits.sort(key=lambda hit: min(offer_rank_by_total(o) for o in hit.offers or [hit.offer]))
    hits = hits[first : first + query.per_page]
    found = list(window.hits)
    if len(hits) < query.per_page and window.total > TOTAL_SORT_WINDOW:
        # A page that straddles the window's end goes on with the rows after it, by price.
        after = index.search(replace(query, sort="price_asc", page=2, per_page=TOTAL_SORT_WINDOW))
        found += after.hits
        hits += _load_hits(session, after.hits[: query.per_page - len(hits)], 0)
    for position, hit in enumerate(hits, start=first + 1):
        hit.position = position
    shown = {hit.offer.product_id if query.by_product else hit.offer.id for hit in hits}
    results = replace(
        window,
        hits=tuple(h for h in found if (h.product_id if query.by_product else h.offer_id) in shown),
        page=query.page,
        per_page=query.per_page,
    )
    return _page(session, index, query, results, hits, locale)


def _load_hits(session: Session, found: Sequence[SearchHit], first: int) -> list[OfferHit]:
    """Load the offers of the index's hits, with each product's picture and key params."""
    ids = {offer_id for hit in found for offer_id in (hit.offer_ids or (hit.offer_id,))}
    # In one query, every offer of the products shown: a product's picture and params come from
    # its strong offers, which need not be among those that matched.
    shown_products = select(Offer.product_id).where(Offer.id.in_(ids)).scalar_subquery()
    product_offers: dict[int, list[Offer]] = {}
    loaded: dict[int, Offer] = {}
    for offer in session.scalars(
        select(Offer)
        .join(Offer.supplier)
        .join(Offer.product)
        .options(contains_eager(Offer.supplier), contains_eager(Offer.product))
        .where(Offer.product_id.in_(shown_products))
    ):
        product_offers.setdefault(offer.product_id, []).append(offer)
        if offer.id in ids and offer.is_active:
            loaded[offer.id] = offer
    hits = []
    for i, hit in enumerate(found):
        offers = [loaded[offer_id] for offer_id in (hit.offer_ids or (hit.offer_id,)) if offer_id in loaded]
        best = best_offer(offers)
        if best is None:
            continue
        siblings = product_offers.get(best.product_id, offers)
        identity = product_identity(siblings)
        hits.append(
            OfferHit(
                best,
                hit.highlight,
                first + i + 1,
                offers,
                hit.seller_count,
                picture=identity.pictures[0] if identity and identity.pictures else None,
                params=key_params(siblings),
            )
        )
    return hits


def relax_hints(index: SearchEngine, query: SearchQuery) -> list[RelaxHint]:
    """Re-run ``query`` without each of its filters in turn; return those that find offers."""
    hints = []
    for name, params, cleared in _RELAXABLE:
        # mypy checks **kwargs against every field's type; each entry of _RELAXABLE clears fields of its own type.
        looser = replace(query, page=1, per_page=1, **cleared)  # type: ignore[arg-type]
        if looser == replace(query, page=1, per_page=1):
            continue  # this filter is not set
        total = index.search(looser).total
        if total:
            hints.append(RelaxHint(params, name, total))
    if query.params or query.param_ranges:
        looser = replace(query, page=1, per_page=1, params=(), param_ranges=())
        total = index.search(looser).total
        if total:
            names = [f"p.{key}" for key, _values in query.params]
            names += [f"p.{key}.{end}" for key, *_bounds in query.param_ranges for end in ("min", "max")]
            hints.append(RelaxHint(tuple(names), "params", total))
    return hints


def param_facet_view(facet: ParamFacet, query: SearchQuery, locale: str) -> ParamFacetView:
    """Return a param facet labelled in ``locale``, its chosen values marked."""
    label = facet_label(facet.key, locale, facet.name)
    unit = unit_label(facet.unit, locale) if facet.unit else ""
    if facet.numeric:
        return ParamFacetView(facet.key, label, unit, True, low=_plain(facet.low), high=_plain(facet.high))
    chosen = dict(query.params).get(facet.key, ())
    options = [
        FacetOption(v.value, value_label(facet.key, v.value, locale, v.label), v.count, v.value in chosen)
        for v in facet.values
    ]
    return ParamFacetView(facet.key, label, unit, False, options)


def _plain(number: float | None) -> str | None:
    """Return a number as people write it in a field: 2000, 0.25, 17.5 (no exponent, no trailing zeros)."""
    if number is None:
        return None
    text = f"{number:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _request_locale() -> str:
    """Return the language of the request being served, English outside one (the CLI)."""
    return str(get_locale() or "en")


def _facet_options(
    session: Session, query: SearchQuery, results: SearchResults, locale: str
) -> dict[str, list[FacetOption]]:
    facets = results.facets

    def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    suppliers = dict(facets.get("supplier", {}))
    for slug in query.suppliers:
        suppliers.setdefault(slug, 0)
    names = dict(session.execute(select(Supplier.slug, Supplier.name).where(Supplier.slug.in_(suppliers))).all())
    brands = dict(facets.get("brand", {}))
    chosen_brands = {b.strip().lower() for b in query.brands}
    for brand in chosen_brands:
        brands.setdefault(brand, 0)
    category_counts = {int(k): n for k, n in facets.get("category", {}).items()}
    categories = {c.id: c for c in session.scalars(select(Category).where(Category.id.in_(category_counts)))}
    category_names = {cid: c.name_in(locale) for cid, c in categories.items()}
    conditions = dict(facets.get("condition", {}))
    return {
        "category": [
            FacetOption(
                str(cid),
                category_names.get(cid, str(cid)),
                n,
                cid == query.category_id,
                names_by_locale(categories[cid]) if cid in categories else None,
            )
            for cid, n in sorted(
                category_counts.items(),
                key=lambda item: (-item[1], collation_key(category_names.get(item[0], ""), locale)),
            )
        ],
        "brand": [
            FacetOption(key, results.brand_labels.get(key, key), n, key in chosen_brands) for key, n in ranked(brands)
        ],
        "supplier": [
            FacetOption(slug, names.get(slug, slug), n, slug in query.suppliers)
            for slug, n in ranked(suppliers)
            if slug in names
        ],
        "price": [
            FacetOption(label, bucket_text(label), n, _bucket_selected(label, query))
            for label, n in facets.get("price", {}).items()
        ],
        "condition": [FacetOption(c, c, conditions[c], c in query.conditions) for c in CONDITIONS if c in conditions],
    }


def _bucket_selected(label: str, query: SearchQuery) -> bool:
    low, _, high = label.partition("-")
    return query.min_price_minor == int(low) and query.max_price_minor == (int(high) if high else None)


def bucket_bounds(label: str) -> tuple[int, int | None]:
    """Return a price bucket's bounds in minor units; see ``search_index.price_bucket_label``."""
    low, _, high = label.partition("-")
    return int(low), int(high) if high else None


def bucket_text(label: str) -> str:
    """Return a price bucket in currency units, as the search page shows it: "250–500", "up to 250", "over 5,000".

    The index's label ("25001-50000") is in minor units; it stays the facet's value, never its label.
    """
    low, high = bucket_bounds(label)
    # The bucket starts just above a whole amount ("25001" kopecks: over 250), and ends on one.
    start = f"{(low - 1) // 100:,}" if low else "0"
    if high is None:
        return str(gettext("over %(amount)s", amount=start))
    end = f"{high // 100:,}"
    if low == 0:
        return str(gettext("up to %(amount)s", amount=end))
    return f"{start}–{end}"


# --- autocomplete -------------------------------------------------------------------------


@dataclass
class Suggestion:
    """One autocomplete entry."""

    #: "query", "product", "brand" or "category".
    kind: str
    text: str
    #: The page the entry leads to, as query-string parameters of the search page.
    params: dict[str, str]


def suggest(session: Session, index: SearchEngine, text: str, limit: int = 5) -> list[Suggestion]:
    """Return autocomplete entries for ``text``: completed queries, titles, brands, categories."""
    found = index.suggest(text, limit)
    entries = [Suggestion("query", q, {"q": q}) for q in found.queries]
    entries += [Suggestion("product", title, {"q": title}) for title in found.titles]
    entries += [Suggestion("brand", brand, {"brand": brand.lower()}) for brand in found.brands]
    prefix = (text or "").strip()
    locale = _request_locale()
    categories: dict[int, str] = {}
    if found.category_ids:
        categories.update(
            (c.id, c.name_in(locale))
            for c in session.scalars(select(Category).where(Category.id.in_(found.category_ids)))
        )
    if len(prefix) >= 2:
        # Categories named like the text in any language of the tree, that buyers can find
        # offers in. SQLite's lower() folds only ASCII, so a Cyrillic prefix is tried as typed,
        # in lower case and capitalised, as the tree's names are written.
        variants = {prefix, prefix.lower(), prefix.capitalize()}
        named = [func.lower(Category.name).startswith(prefix.lower(), autoescape=True)] + [
            column.startswith(variant, autoescape=True)
            for column in (Category.name_uk, Category.name_ru)
            for variant in variants
        ]
        live = select(Offer.category_id).where(shown_to_buyers()).distinct()
        rows = session.scalars(
            select(Category).where(or_(*named), Category.id.in_(live)).order_by(Category.name).limit(limit)
        )
        categories.update((c.id, c.name_in(locale)) for c in rows)
    entries += [Suggestion("category", name, {"category": str(cid)}) for cid, name in categories.items()]
    return entries
