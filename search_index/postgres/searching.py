"""One search as SQL: the matched rows, their filters, facets, ordering, grouping and page.

A search is one statement. Its CTE ``m`` holds the rows the text matches (every offer for a
browse) within the category filter, with one boolean column per other filter. Then:

* the totals count the rows passing every filter (``count(DISTINCT product_id)`` grouped);
* each facet is a GROUP BY over the rows passing every filter but its own, so its other values
  show what choosing them would add (supplier, brand with its most used spelling, condition,
  price bucket); the category facet counts the level under the category filter;
* the page orders the rows passing every filter: relevance is a tally of where each clause is
  found (title twice, brand, category name; in a relaxed search also how many clauses), then
  the shorter title, then the order that picks a product's best offer (in stock, cheapest,
  longest listed); grouped, a product takes the place of its best-placed offer and shows its
  best offer, with every matching offer and the number of sellers.

The result comes back as JSON, so one round trip answers it all. Param facets, which only a
chosen category shows, read the category's matched rows with the same filter columns and are
counted by ``search_index.param_facets``, the logic the Whoosh engine uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from search_index.docnums import Docs, all_of
from search_index.facet_columns import price_bucket_label
from search_index.highlighting import highlight_hit
from search_index.param_facets import ParamTable, facets_for, filter_name
from search_index.postgres.textquery import ClauseQueries
from search_index.query import FACET_NAMES, ParamFacet, SearchHit, SearchQuery, SearchResults
from search_index.schema import PART_SEPARATOR

__all__ = ["Matching", "run_search"]

_RANK = "in_stock DESC, price_minor, created_at, offer_id"
_ORDERS = {
    "relevance": f"points DESC, title_words, {_RANK}",
    "newest": "created_at DESC, offer_id DESC",
    "price_asc": "price_minor, offer_id",
    "price_desc": "price_minor DESC, offer_id DESC",
}


@dataclass(frozen=True, slots=True)
class Matching:
    """What the text asks of ``doc``: the tsquery rows must match, and the clauses that rank them."""

    #: The tsquery every row must match; "" for a browse.
    tsquery: str = ""
    clauses: tuple[ClauseQueries, ...] = ()
    #: A relaxed search: rows with more of the clauses rank first.
    relaxed: bool = False
    #: Index terms to highlight.
    terms: frozenset[str] = field(default_factory=frozenset)


class _Binds:
    """Bind parameters of one statement, named in order."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"


def _filters(q: SearchQuery, bind: _Binds) -> dict[str, str]:
    """Return the query's filters but the category's, by facet name, as conditions on ``o``."""
    flags: dict[str, str] = {}
    if q.suppliers:
        flags["supplier"] = f"o.supplier = ANY(CAST({bind(list(q.suppliers))} AS text[]))"
    brands = [brand.strip().lower() for brand in q.brands if brand and brand.strip()]
    if brands:
        flags["brand"] = f"o.brand_key = ANY(CAST({bind(brands)} AS text[]))"
    if q.conditions:
        flags["condition"] = f"o.condition = ANY(CAST({bind(list(q.conditions))} AS text[]))"
    bounds = []
    if q.min_price_minor is not None:
        bounds.append(f"o.price_minor >= {bind(q.min_price_minor)}")
    if q.max_price_minor is not None:
        bounds.append(f"o.price_minor <= {bind(q.max_price_minor)}")
    if bounds:
        flags["price"] = " AND ".join(bounds)
    if q.in_stock is not None:
        flags["stock"] = f"o.in_stock = {bind(q.in_stock)}"
    conditions: dict[str, list[str]] = {}
    for key, values in q.params:
        pairs = [f"{key}{PART_SEPARATOR}{value}" for value in values]
        conditions.setdefault(filter_name(key), []).append(f"o.param_values && CAST({bind(pairs)} AS text[])")
    for key, low, high in q.param_ranges:
        number = f"CAST(o.param_numbers ->> {bind(key)} AS float8)"
        within = [f"o.param_numbers ? {bind(key)}"]
        if low is not None:
            within.append(f"{number} >= {bind(float(low))}")
        if high is not None:
            within.append(f"{number} <= {bind(float(high))}")
        conditions.setdefault(filter_name(key), []).extend(within)
    for name, parts in conditions.items():
        flags[name] = " AND ".join(parts)
    return {name: f"COALESCE({condition}, false)" for name, condition in flags.items()}


def _points(matching: Matching, bind: _Binds) -> str:
    """Return the relevance tally of one row, as SQL over ``o.doc``."""
    terms = []
    for clause in matching.clauses:
        if matching.relaxed:
            terms.append(f"CASE WHEN o.doc @@ CAST({bind(clause.match)} AS tsquery) THEN 4 ELSE 0 END")
        terms.append(f"CASE WHEN o.doc @@ CAST({bind(clause.title)} AS tsquery) THEN 2 ELSE 0 END")
        terms.append(f"CASE WHEN o.doc @@ CAST({bind(clause.brand)} AS tsquery) THEN 1 ELSE 0 END")
        terms.append(f"CASE WHEN o.doc @@ CAST({bind(clause.category)} AS tsquery) THEN 1 ELSE 0 END")
    return " + ".join(terms) if terms else "0"


def _matched_rows(
    schema: str, q: SearchQuery, matching: Matching, bind: _Binds, extra: str = ""
) -> tuple[str, list[tuple[str, str]]]:
    """Return the CTE ``m`` (the text's matches in the category, with filter columns) and those columns.

    The columns come as (column, filter name): ``f0`` holds whether the row passes the first filter.
    """
    where = []
    if matching.tsquery:
        where.append(f"o.doc @@ CAST({bind(matching.tsquery)} AS tsquery)")
    if q.category_id is not None:
        category = bind(q.category_id)
        where.append(f"o.category_ids @> ARRAY[CAST({category} AS bigint)]")
        level = f"o.category_ids[array_position(o.category_ids, CAST({category} AS bigint)) + 1]"
    else:
        level = "o.category_ids[1]"
    flags = _filters(q, bind)
    names = {name: f"f{i}" for i, name in enumerate(flags)}
    columns = ", ".join(f"{condition} AS {names[name]}" for name, condition in flags.items())
    points = _points(matching, bind) if matching.tsquery and q.sort == "relevance" else "0"
    cte = (
        "SELECT o.offer_id, o.product_id, o.supplier, o.brand_key, o.brand_name, o.condition, o.price_bucket,"
        f" o.price_minor, o.in_stock, o.created_at, o.title_words, {level} AS level, {points} AS points"
        f"{', ' + columns if columns else ''}{extra}"
        f" FROM {schema}.offers o WHERE {' AND '.join(where) or 'true'}"
    )
    return cte, [(names[name], name) for name in flags]


def _where(flags: Sequence[tuple[str, str]], leave_out: str = "") -> str:
    return " AND ".join(column for column, name in flags if name != leave_out) or "true"


def _facet_statements(pairs: list[tuple[str, str]], every: str, by_product: bool) -> list[str]:
    """Return the SELECTs of the totals and facets over ``m``, as (facet, value, n, label) rows.

    Grouped, a facet counts distinct (value, product) pairs: hashed, not sorted per value.
    """

    def counted(facet: str, column: str, where: str) -> str:
        if by_product:
            return (
                f"SELECT '{facet}' AS facet, CAST(value AS text) AS value, count(*) AS n, NULL AS label FROM"
                f" (SELECT DISTINCT {column} AS value, product_id FROM m WHERE {where}) AS x GROUP BY value"
            )
        return (
            f"SELECT '{facet}' AS facet, CAST({column} AS text) AS value, count(*) AS n, NULL AS label"
            f" FROM m WHERE {where} GROUP BY {column}"
        )

    products = "SELECT count(*) FROM (SELECT DISTINCT product_id FROM m WHERE {every}) AS x" if by_product else "0"
    return [
        f"SELECT 'total' AS facet, NULL AS value, count(*) AS n, NULL AS label FROM m WHERE {every}",
        f"SELECT 'products', NULL, ({products.format(every=every)}), NULL",
        counted("supplier", "supplier", _where(pairs, "supplier")),
        counted("brand", "brand_key", f"{_where(pairs, 'brand')} AND brand_key <> ''"),
        counted("condition", "condition", _where(pairs, "condition")),
        counted("price", "price_bucket", _where(pairs, "price")),
        counted("category", "level", f"{every} AND level IS NOT NULL"),
        # The spelling most of the counted offers use, for each brand of the facet.
        "(SELECT DISTINCT ON (brand_key) 'label', brand_key, 0, brand_name FROM (SELECT brand_key, brand_name,"
        f" count(*) AS n FROM m WHERE {_where(pairs, 'brand')} AND brand_key <> '' GROUP BY brand_key, brand_name)"
        " AS x ORDER BY brand_key, n DESC, brand_name)",
    ]


def run_search(conn: Connection, schema: str, q: SearchQuery, matching: Matching) -> SearchResults:
    """Answer one normalised query in one statement; ``conn`` is in a read-only snapshot."""
    bind = _Binds()
    cte, pairs = _matched_rows(schema, q, matching, bind)
    every = _where(pairs)
    facets = _facet_statements(pairs, every, q.by_product)
    sort = q.sort if matching.tsquery or q.sort != "relevance" else "newest"
    limit, offset = bind(q.per_page), bind((q.page - 1) * q.per_page)
    if q.by_product:
        # A product takes the place of its first offer in the order (by price, its cheapest);
        # only the products of the page gather their offers.
        first = _ORDERS["price_asc" if sort == "price_desc" else sort]
        order = _ORDERS[sort]
        page = (
            f"best AS (SELECT DISTINCT ON (product_id) * FROM m WHERE {every} ORDER BY product_id, {first}),"
            f" page AS (SELECT product_id, row_number() OVER (ORDER BY {order}) AS pos FROM best"
            f" ORDER BY {order} LIMIT {limit} OFFSET {offset}),"
            f" grouped AS (SELECT product_id, array_agg(offer_id ORDER BY {_RANK}) AS ids,"
            f" count(DISTINCT supplier) AS sellers, (array_agg(points ORDER BY {_RANK}))[1] AS points,"
            f" (array_agg(title_words ORDER BY {_RANK}))[1] AS title_words"
            f" FROM m JOIN page USING (product_id) WHERE {every} GROUP BY product_id),"
            " shown AS (SELECT grouped.*, page.pos, grouped.ids[1] AS offer_id"
            " FROM grouped JOIN page USING (product_id))"
        )
    else:
        order = _ORDERS[sort]
        page = (
            f"shown AS (SELECT offer_id, ARRAY[offer_id] AS ids, 1 AS sellers, points, title_words,"
            f" row_number() OVER (ORDER BY {order}) AS pos FROM m WHERE {every} ORDER BY {order}"
            f" LIMIT {limit} OFFSET {offset})"
        )
    page_order = "pos"
    statement = (
        f"WITH m AS MATERIALIZED ({cte}), facets AS ({' UNION ALL '.join(facets)}), {page},"
        " hits AS (SELECT shown.ids, shown.sellers, shown.points, shown.title_words, shown.pos, o.offer_id,"
        " o.product_id, o.supplier, o.title, o.snippet, o.price_minor, o.in_stock, o.condition"
        f" FROM shown JOIN {schema}.offers o ON o.offer_id = shown.offer_id)"
        " SELECT (SELECT json_agg(facets) FROM facets) AS facets,"
        f" (SELECT json_agg(hits ORDER BY {page_order}) FROM hits) AS hits"
    )
    found_facets, found_hits = conn.execute(text(statement), bind.values).one()
    results = _results(
        q, matching, found_facets or [], found_hits or [], sort == "relevance" and bool(matching.tsquery)
    )
    if q.category_id is not None:
        params = _param_facets(conn, schema, q, matching)
        if params:
            return replace(results, params=params)
    return results


def _results(
    q: SearchQuery, matching: Matching, facet_rows: list[dict[str, Any]], hit_rows: list[dict[str, Any]], ranked: bool
) -> SearchResults:
    offer_total = 0
    counts: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES}
    labels: dict[str, str] = {}
    products = 0
    for row in facet_rows:
        name, value = row["facet"], row["value"]
        if name == "total":
            offer_total = int(row["n"])
        elif name == "products":
            products = int(row["n"])
        elif name == "label":
            labels[str(value)] = row["label"]
        else:
            counts[name][str(value)] = int(row["n"])
    total = products if q.by_product else offer_total
    counts["price"] = {
        price_bucket_label(int(b)): n for b, n in sorted(counts["price"].items(), key=lambda i: int(i[0]))
    }
    hits = []
    for row in hit_rows:
        score = float(row["points"]) + 1.0 / (1 + int(row["title_words"])) if ranked else 0.0
        hits.append(
            SearchHit(
                offer_id=int(row["offer_id"]),
                product_id=int(row["product_id"]),
                supplier=row["supplier"],
                title=row["title"],
                price_minor=int(row["price_minor"]),
                in_stock=bool(row["in_stock"]),
                score=score,
                highlight=highlight_hit(row["title"], row["snippet"] or "", matching.terms),
                condition=row["condition"] or "new",
                offer_ids=tuple(int(i) for i in row["ids"]),
                seller_count=int(row["sellers"]),
            )
        )
    return SearchResults(
        hits=tuple(hits),
        total=total,
        page=q.page,
        per_page=q.per_page,
        relaxed=matching.relaxed,
        offer_total=offer_total,
        facets=MappingProxyType({name: MappingProxyType(counts[name]) for name in FACET_NAMES}),
        brand_labels=MappingProxyType(labels),
    )


def _param_facets(conn: Connection, schema: str, q: SearchQuery, matching: Matching) -> tuple[ParamFacet, ...]:
    """Return the param facets of the category's matches, counted as the Whoosh engine counts them."""
    bind = _Binds()
    plain = Matching(tsquery=matching.tsquery)
    cte, columns = _matched_rows(schema, q, plain, bind, extra=", o.param_facets")
    select = ", ".join(["product_id", "param_facets", *(column for column, _name in columns)])
    rows = conn.execute(text(f"WITH m AS ({cte}) SELECT {select} FROM m"), bind.values).all()
    size = len(rows)
    if not size:
        return ()
    table = ParamTable([row[1] for row in rows], size)
    masks = {
        name: np.fromiter((bool(row[2 + i]) for row in rows), np.bool_, size) for i, (_c, name) in enumerate(columns)
    }
    everything = Docs(size, mask=np.ones(size, dtype=np.bool_))

    def over(name: str) -> Docs:
        others = all_of([mask for key, mask in masks.items() if key != name])
        return everything if others is None else Docs(size, mask=others)

    products = None
    if q.by_product:
        _ids, dense = np.unique(np.fromiter((row[0] for row in rows), np.int64, size), return_inverse=True)
        products = dense.astype(np.int64)
    chosen = {key: values for key, values in q.params}
    return facets_for(table, everything, over, products, chosen)
