"""Benchmark the PostgreSQL search engine alone: build, re-import, and the query mix of bench/search.py.

    .venv/bin/python bench/pg_search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/pgengine_db
    .venv/bin/python bench/pg_search.py --offers 1000000 --fresh
    .venv/bin/python bench/pg_search.py --explain        # EXPLAIN ANALYZE of the slowest statements too

The offers come from bench/search_offers.py (the generator bench/search.py uses), turned into
``OfferDocument``s directly, without the app or its database: this measures the engine, not the
import pipeline. The index lives in its own schema (``--schema``), kept between runs unless
``--fresh``. Prints numbers; asserts nothing. The side-by-side benchmark of the engines is
bench/engines.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search import percentiles, query_mix, to_search_query  # noqa: E402
from bench.search_offers import KINDS, BenchOffer, generate_offers  # noqa: E402


def documents(count: int, seed: int = 42) -> Iterator[Any]:
    """Yield ``count`` generated offers as the index's documents."""
    from search_index import OfferDocument

    kinds = {kind.category: number for number, kind in enumerate(KINDS)}
    now = int(time.time())
    for offer_id, offer in enumerate(generate_offers(count, seed=seed), start=1):
        yield _document(OfferDocument, offer_id, offer, kinds[offer.kind.category], now)


def _document(cls: Any, offer_id: int, offer: BenchOffer, kind: int, now: int) -> Any:
    return cls(
        offer_id=offer_id,
        product_id=offer.product_key,
        supplier=offer.supplier,
        title=offer.title,
        alt_title=offer.title_uk or "",
        brand=offer.brand,
        model=offer.model,
        gtin=offer.gtin,
        sku=offer.sku,
        description=offer.description,
        category_ids=(1 + kind // 10, 100 + kind),
        category_path=offer.kind.category,
        param_pairs=offer.params,
        price_minor=int(offer.price * 100),
        in_stock=offer.available,
        condition=offer.condition or "new",
        created_at=now - offer.created_days_ago * 86_400,
        updated_at=now,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/pgengine_db")
    parser.add_argument("--schema", default=None, help="default: bench_<offers>")
    parser.add_argument("--fresh", action="store_true", help="rebuild even if the schema holds the offers")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the five slowest searches")
    parser.add_argument("--rounds", type=int, default=2, help="measured passes over the mix")
    args = parser.parse_args()

    from sqlalchemy import create_engine, event

    from search_index import PostgresSearchIndex

    engine = create_engine(args.database_url, pool_size=4)
    index = PostgresSearchIndex(engine, schema=args.schema or f"bench_{args.offers}")
    index.ensure()
    if args.fresh or index.doc_count() != args.offers:
        started = time.perf_counter()
        written = index.rebuild(documents(args.offers))
        took = time.perf_counter() - started
        print(f"rebuild: {written} offers in {took:.1f} s ({written / took:,.0f} offers/s)")
        changed = [doc for doc in documents(args.offers) if doc.offer_id % 20 == 0]
        repriced = [_repriced(doc) for doc in changed]
        started = time.perf_counter()
        index.apply(repriced)
        print(f"apply: {len(repriced)} repriced offers (5 %) in {time.perf_counter() - started:.1f} s")
    with engine.connect() as conn:
        size = conn.exec_driver_sql(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s AND c.relkind = 'r'",
            {"s": index.schema},
        ).scalar()
    print(f"index: {index.doc_count()} offers, {size} with indexes and TOAST")

    mix = query_mix(args.offers)
    for query in mix:  # warm: the buffers and the connection pool
        index.search(to_search_query(query))
    times: dict[str, list[float]] = {}
    slowest: list[tuple[float, Any]] = []
    for _round in range(args.rounds):
        for query in mix:
            q = to_search_query(query)
            t0 = time.perf_counter()
            index.search(q)
            took = (time.perf_counter() - t0) * 1000
            times.setdefault(query.kind, []).append(took)
            slowest.append((took, q))
    everything = [t for samples in times.values() for t in samples]
    for kind, samples in times.items():
        print(f"engine {kind:9} {percentiles(samples)}")
    print(f"engine all       {percentiles(everything)}")
    started = time.perf_counter()
    for query in mix:
        text = dict(query.params).get("q", "")
        if text:
            index.suggest(text[:3])
    print(f"suggest: {(time.perf_counter() - started) * 1000 / len(mix):.1f} ms per prefix")

    if args.explain:
        captured: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
            if statement.startswith("WITH m AS"):
                captured.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        seen = set()
        for took, q in sorted(slowest, key=lambda item: -item[0]):
            if q in seen:
                continue
            seen.add(q)
            captured.clear()
            index.search(q)
            print(f"\n--- {took:.1f} ms: {q}")
            with engine.connect() as conn:
                for statement, parameters in captured[:1]:
                    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars()
                    print("\n".join(plan))
            if len(seen) >= 5:
                break
        event.remove(engine, "before_cursor_execute", capture)
    engine.dispose()


def _repriced(doc: Any) -> Any:
    from dataclasses import replace

    return replace(doc, price_minor=doc.price_minor + 100, in_stock=not doc.in_stock)


if __name__ == "__main__":
    main()
