"""Time the product page's recommendations read, and the worker's refresh, on a synthetic catalog.

    .venv/bin/python bench/recommend_page.py                       # 20,000 products, 2,000 reads
    .venv/bin/python bench/recommend_page.py --products 50000 --reads 5000

A throwaway SQLite instance gets the migrated schema, one supplier and ``--products`` products
(one offer each, in 200 categories, with params and a YML-style ``recs`` on every tenth), and
``--visitors`` visitors' click-outs (5 to 15 products each, mostly within one category). The
worker's job (:func:`refresh_recommendations`) is timed once; then
:func:`product_recommendations`, the one call the product page's view makes, is timed for
``--reads`` random products with a fresh session each (as a request has), and its p50/p95/p99
printed. It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from marketplace import create_app
from marketplace.catalog.models import ClickOut, Offer, OfferStatus, Product
from marketplace.db import database, utcnow
from marketplace.recommendations.jobs import refresh_recommendations
from marketplace.recommendations.models import ProductRecommendation
from marketplace.recommendations.services import product_recommendations
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--visitors", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=2_000)
    arguments = parser.parse_args()
    rng = random.Random(15)
    folder = Path(tempfile.mkdtemp(prefix="bench-recommend-"))
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "INSTANCE_PATH": str(folder)})
    with app.app_context():
        upgrade(database(app).engine)
        session = database(app).session()
        categories = []
        for number in range(200):
            category = Category(name=f"Category {number}", path=f"Category {number}", google_id=900_000 + number)
            session.add(category)
            categories.append(category)
        supplier = add_supplier(session, "bench", name="Bench", store_url="https://bench.example/")
        session.flush()
        product_rows = [{"title": f"Product {n}"} for n in range(arguments.products)]
        session.execute(insert(Product), product_rows)
        product_ids = list(session.scalars(select(Product.id).order_by(Product.id)))
        offers = []
        for n, product_id in enumerate(product_ids):
            price = Decimal(rng.randint(100, 20_000))
            offers.append(
                {
                    "supplier_id": supplier.id,
                    "supplier_sku": f"S{n}",
                    "product_id": product_id,
                    "category_id": categories[n % 200].id,
                    "title": " ".join(rng.sample(WORDS, 4)) + f" {n % 40} cm",
                    "url": f"https://bench.example/p/{n}",
                    "price": price,
                    "currency": "UAH",
                    "price_base": price,
                    "status": OfferStatus.ACTIVE,
                    "params": [["Diameter", f"{n % 40} cm"], ["Material", rng.choice(WORDS)]],
                    "recs": [f"S{n + 1}", f"S{n + 2}"] if n % 10 == 0 else [],
                    "pictures": [],
                }
            )
        session.execute(insert(Offer), offers)
        offer_ids = list(session.scalars(select(Offer.id).order_by(Offer.product_id)))
        now = utcnow()
        clicks = []
        for visitor in range(arguments.visitors):
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
                        "supplier_id": supplier.id,
                        "visitor_id": f"v{visitor}",
                        "price_base": Decimal(1),
                        "target_url": "https://bench.example/",
                        "created_at": now,
                    }
                )
        session.execute(insert(ClickOut), clicks)
        session.commit()

        started = time.perf_counter()
        rows = refresh_recommendations(session)
        refresh_seconds = time.perf_counter() - started
        with_rows = session.scalar(select(func.count(func.distinct(ProductRecommendation.product_id))))
        session.close()

        timings, cpu = [], []
        for product_id in rng.sample(product_ids, min(arguments.reads, len(product_ids))):
            session = database(app).session()
            started, started_cpu = time.perf_counter(), time.process_time()
            product_recommendations(session, product_id)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            session.close()
    quantile = statistics.quantiles(timings, n=100)
    cpu_quantile = statistics.quantiles(cpu, n=100)
    print(f"catalog: {arguments.products} products, {len(clicks)} click-outs of {arguments.visitors} visitors")
    print(f"refresh (worker job): {refresh_seconds:.1f} s, {rows} rows for {with_rows} products")
    print(
        f"product_recommendations over {len(timings)} reads: p50 {quantile[49]:.2f} ms, "
        f"p95 {quantile[94]:.2f} ms, p99 {quantile[98]:.2f} ms (wall clock)"
    )
    print(f"  CPU time of the reading process: p50 {cpu_quantile[49]:.2f} ms, p95 {cpu_quantile[94]:.2f} ms")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
