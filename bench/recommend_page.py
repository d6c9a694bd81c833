"""Time the product page's recommendations read, and the worker's refresh, on a synthetic catalog.

    .venv/bin/python bench/recommend_page.py                        # 100,000 products, 20 rows each, SQLite
    .venv/bin/python bench/recommend_page.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_rec
    .venv/bin/python bench/recommend_page.py --products 20000 --refresh  # the worker's job writes the rows

The catalog gets the migrated schema (a throwaway SQLite file, or ``--database-url``: give it an
empty database), two suppliers and ``--products`` products in 200 categories, each with one
offer and every third with a second seller's, with params and a model code, a YML-style ``recs``
on every tenth and a compatibility param naming two other products' models on every twentieth.
A ``--database-url`` that a previous run filled is reused as it is, so the reads can be timed
again (on a quieter machine) without filling it again.

The rows the page reads are written one of two ways:

- by default, ``--rows`` rows per product straight into ``product_recommendations``, spread over
  the kinds as a busy catalog fills them (6 similar, 6 also viewed, 4 accessories from
  compatibility, 2 from ``<rec>``, 2 complements): the size of table the page reads in production,
  without waiting for the job at that scale;
- with ``--refresh``, by the worker's job (:func:`refresh_recommendations`) from ``--visitors``
  visitors' click-outs (5 to 15 products each, mostly within one category), timed once.

Then :func:`product_recommendations`, the one call the product page's view makes, is timed for
``--reads`` random products with a fresh session each (as a request has), and its p50/p95/p99
printed with the database's plan of its query (EXPLAIN), which should read
``product_recommendations`` through ``ix_product_recommendations_product_kind_rank`` and the
offers through ``ix_offers_product_status``. It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.catalog.models import ClickOut, Offer, OfferStatus, Product
from marketplace.db import database, utcnow
from marketplace.recommendations.jobs import refresh_recommendations
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind
from marketplace.recommendations.services import product_recommendations, recommendations_query
from marketplace.schema import upgrade
from marketplace.suppliers.services import add_supplier
from marketplace.taxonomy.models import Category

WORDS = [
    "steel",
    "pan",
    "pot",
    "lid",
    "knife",
    "board",
    "glass",
    "oak",
    "cast",
    "iron",
    "non-stick",
    "ceramic",
    "wok",
    "grill",
    "deep",
    "small",
    "large",
]


#: How a busy catalog's 20 rows a product split over the kinds (the page's blocks), in order.
KIND_SHARES = [
    (RecommendationKind.SIMILAR, 6),
    (RecommendationKind.ALSO_VIEWED, 6),
    (RecommendationKind.COMPATIBLE, 4),
    (RecommendationKind.ACCESSORY, 2),
    (RecommendationKind.COMPLEMENT, 2),
]
BATCH = 20_000


def _batched(session: Session, table: type, rows: Sequence[Mapping[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])


def add_catalog(session: Session, rng: random.Random, products: int) -> tuple[list[int], list[int]]:
    """Add 200 categories, two suppliers and ``products`` products with their offers; return product and offer ids."""
    categories = []
    for number in range(200):
        category = Category(name=f"Category {number}", path=f"Category {number}", google_id=900_000 + number)
        session.add(category)
        categories.append(category)
    suppliers = [
        add_supplier(session, slug, name=slug.title(), store_url=f"https://{slug}.example/")
        for slug in ("bench", "other")
    ]
    session.flush()
    _batched(session, Product, [{"title": f"Product {n}"} for n in range(products)])
    product_ids = list(session.scalars(select(Product.id).order_by(Product.id)))
    offers: list[dict[str, object]] = []
    for n, product_id in enumerate(product_ids):
        for seller in suppliers[: 2 if n % 3 == 0 else 1]:
            price = Decimal(rng.randint(100, 20_000))
            offers.append(
                {
                    "supplier_id": seller.id,
                    "supplier_sku": f"S{n}",
                    "product_id": product_id,
                    "category_id": categories[n % 200].id,
                    "title": " ".join(rng.sample(WORDS, 4)) + f" {n % 40} cm",
                    "url": f"https://{seller.slug}.example/p/{n}",
                    "price": price,
                    "currency": "UAH",
                    "price_base": price,
                    "status": OfferStatus.ACTIVE,
                    "model": f"BX-{n:06d}",
                    "params": [["Diameter", f"{n % 40} cm"], ["Material", rng.choice(WORDS)]]
                    # Every twentieth is an accessory that states the models it fits, of other categories.
                    + (
                        [["Сумісність", f"BX-{(n + 7) % products:06d}, BX-{(n + 13) % products:06d}"]]
                        if n % 20 == 0
                        else []
                    ),
                    "recs": [f"S{n + 1}", f"S{n + 2}"] if n % 10 == 0 else [],
                    "pictures": [],
                }
            )
    _batched(session, Offer, offers)
    offer_ids = list(
        session.scalars(select(Offer.id).where(Offer.supplier_id == suppliers[0].id).order_by(Offer.product_id))
    )
    return product_ids, offer_ids


def add_rows(session: Session, rng: random.Random, product_ids: list[int], per_product: int) -> int:
    """Write ``per_product`` recommendation rows for every product, as the job would, spread over the kinds."""
    kinds = [kind for kind, share in KIND_SHARES for _ in range(share)]
    kinds = (kinds * (per_product // len(kinds) + 1))[:per_product]
    now, written, rows = utcnow(), 0, []
    for index, product_id in enumerate(product_ids):
        # Recommended products near it (its category's neighbourhood), never itself.
        others = rng.sample(range(1, 2_000), per_product)
        rank: dict[str, int] = {}
        for kind, offset in zip(kinds, others, strict=True):
            rank[kind] = rank.get(kind, 0) + 1
            rows.append(
                {
                    "product_id": product_id,
                    "kind": kind,
                    "rank": rank[kind],
                    "recommended_id": product_ids[(index + offset) % len(product_ids)],
                    "score": 1.0 / rank[kind],
                    "picture": None,
                    "computed_at": now,
                }
            )
        if len(rows) >= BATCH:
            _batched(session, ProductRecommendation, rows)
            written, rows = written + len(rows), []
    _batched(session, ProductRecommendation, rows)
    return written + len(rows)


def add_click_outs(session: Session, rng: random.Random, offer_ids: list[int], visitors: int) -> int:
    """Add visitors' click-outs, 5 to 15 products each, mostly within one category; return how many."""
    supplier_id = session.scalar(select(Offer.supplier_id).where(Offer.id == offer_ids[0]))
    now, clicks = utcnow(), []
    for visitor in range(visitors):
        home = rng.randrange(len(offer_ids))
        for _ in range(rng.randint(5, 15)):
            index = (
                (home + 200 * rng.randint(0, 5)) % len(offer_ids)
                if rng.random() < 0.8
                else rng.randrange(len(offer_ids))
            )
            clicks.append(
                {
                    "offer_id": offer_ids[index],
                    "supplier_id": supplier_id,
                    "visitor_id": f"v{visitor}",
                    "price_base": Decimal(1),
                    "target_url": "https://bench.example/",
                    "created_at": now,
                }
            )
    _batched(session, ClickOut, clicks)
    return len(clicks)


def query_plan(engine: Engine, product_id: int) -> list[str]:
    """Return the database's plan of the page's query for one product (EXPLAIN)."""
    statement = recommendations_query().params(product_id=product_id)
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return [str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
        return [str(row[0]) for row in connection.execute(text(f"EXPLAIN {compiled}"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=20, help="recommendation rows per product (without --refresh)")
    parser.add_argument("--refresh", action="store_true", help="let the worker's job write the rows, and time it")
    parser.add_argument("--visitors", type=int, default=20_000, help="visitors with click-outs (with --refresh)")
    parser.add_argument("--reads", type=int, default=2_000)
    parser.add_argument(
        "--database-url",
        help="an empty database to fill (default: a throwaway SQLite file); one a previous run filled is reused",
    )
    arguments = parser.parse_args()
    rng = random.Random(15)
    folder = Path(tempfile.mkdtemp(prefix="bench-recommend-"))
    url = arguments.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "INSTANCE_PATH": str(folder)})
    with app.app_context():
        engine = database(app).engine
        upgrade(engine)
        session = database(app).session()
        started = time.perf_counter()
        refresh_seconds: float | None = None
        product_ids = list(session.scalars(select(Product.id).order_by(Product.id)))
        filled = bool(product_ids)  # a --database-url a previous run filled: time the reads again
        if not filled:
            product_ids, offer_ids = add_catalog(session, rng, arguments.products)
            if arguments.refresh:
                clicks = add_click_outs(session, rng, offer_ids, arguments.visitors)
                session.commit()
                started = time.perf_counter()
                rows = refresh_recommendations(session)
                refresh_seconds = time.perf_counter() - started
            else:
                rows = add_rows(session, rng, product_ids, arguments.rows)
                session.commit()
        fill_seconds = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        with_rows = session.scalar(select(func.count(func.distinct(ProductRecommendation.product_id))))
        by_kind = session.execute(
            select(ProductRecommendation.kind, func.count()).group_by(ProductRecommendation.kind)
        ).all()
        offers = session.scalar(select(func.count(Offer.id)))
        session.close()

        timings, cpu, tiles = [], [], []
        for product_id in rng.sample(product_ids, min(arguments.reads, len(product_ids))):
            session = database(app).session()
            started, started_cpu = time.perf_counter(), time.process_time()
            recommended = product_recommendations(session, product_id)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            session.close()
            tiles.append(
                len(recommended.similar)
                + len(recommended.also_viewed)
                + len(recommended.accessories)
                + len(recommended.fits)
            )
        plan = query_plan(engine, product_ids[len(product_ids) // 2])
    quantile = statistics.quantiles(timings, n=100)
    cpu_quantile = statistics.quantiles(cpu, n=100)
    print(f"database: {engine.dialect.name}; catalog: {len(product_ids)} products, {offers} offers")
    if filled:
        print("reused the catalog and rows a previous run wrote")
    elif refresh_seconds is not None:
        print(f"refresh (worker job) over {clicks} click-outs: {refresh_seconds:.1f} s, {rows} rows")
        print(f"  for {with_rows} products")
    else:
        print(f"rows written directly: {rows} for {with_rows} products ({arguments.rows} each) in {fill_seconds:.0f} s")
    print("  rows by kind: " + ", ".join(f"{kind} {count}" for kind, count in sorted(by_kind)))
    print(
        f"product_recommendations over {len(timings)} reads: p50 {quantile[49]:.2f} ms, "
        f"p95 {quantile[94]:.2f} ms, p99 {quantile[98]:.2f} ms (wall clock); "
        f"{statistics.mean(tiles):.1f} tiles a page"
    )
    print(f"  CPU time of the reading process: p50 {cpu_quantile[49]:.2f} ms, p95 {cpu_quantile[94]:.2f} ms")
    print("query plan (EXPLAIN):")
    for line in plan:
        print(f"  {line}")
    used = " ".join(plan)
    for index in ("ix_product_recommendations_product_kind_rank", "ix_offers_product_status"):
        print(f"  {index}: {'used' if index in used else 'NOT used'}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
