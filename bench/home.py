"""Time the home page of a returning visitor against a first visit's, on a synthetic catalog and event log.

    .venv/bin/python bench/home.py                                  # 20,000 products, 300 renders each
    .venv/bin/python bench/home.py --products 50000 --events 2000000 --renders 500

A throwaway SQLite instance gets the migrated schema, one supplier and ``--products`` products
(one offer each, in 200 categories; three price history points per offer; ten precomputed
recommendations per product) and an event log of ``--events`` rows from 20,000 other visitors.
``--returning`` visitors were here yesterday, each with a long history (``--history`` events:
page views, product views and searches); a fifth of the catalog was listed today. Then ``GET /``
is rendered through the test client, with a browser's user agent and the visitor cookie, for
each returning visitor in turn and as many first visits, and the wall-clock p50/p95 printed,
with the personal part alone (``personal_home``) timed too. It asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select

from marketplace import create_app
from marketplace.catalog.models import Offer, OfferStatus, PriceHistory, Product
from marketplace.db import database, utcnow
from marketplace.events.models import AnalyticsEvent
from marketplace.personal.history import Who
from marketplace.personal.home import personal_home
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind
from marketplace.recommendations.services import recommendations_of
from marketplace.schema import upgrade
from marketplace.suppliers.services import add_supplier
from marketplace.taxonomy.models import Category

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def quantiles(timings: list[float]) -> str:
    cut = statistics.quantiles(timings, n=100)
    return f"p50 {cut[49]:.1f} ms, p95 {cut[94]:.1f} ms, p99 {cut[98]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--returning", type=int, default=300)
    parser.add_argument("--history", type=int, default=2_000)
    parser.add_argument("--renders", type=int, default=300)
    arguments = parser.parse_args()
    rng = random.Random(15)
    folder = Path(tempfile.mkdtemp(prefix="bench-home-"))
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            # As in production: events are written in batches, not after every request.
            "ANALYTICS_FLUSH_SECONDS": 5.0,
        }
    )
    now = utcnow()
    yesterday = now - dt.timedelta(days=1)
    with app.app_context():
        upgrade(database(app).engine)
        session = database(app).session()
        categories = [Category(name=f"Category {n}", path=f"Category {n}", google_id=900_000 + n) for n in range(200)]
        session.add_all(categories)
        supplier = add_supplier(session, "bench", name="Bench", store_url="https://bench.example/")
        session.flush()
        session.execute(insert(Product), [{"title": f"Product {n}"} for n in range(arguments.products)])
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
                    "title": f"Product {n}",
                    "url": f"https://bench.example/p/{n}",
                    "price": price,
                    "currency": "UAH",
                    "price_base": price,
                    "status": OfferStatus.ACTIVE,
                    "params": [],
                    "pictures": [],
                    "created_at": now if n % 5 == 0 else now - dt.timedelta(days=60),
                }
            )
        session.execute(insert(Offer), offers)
        history = []
        for offer_id, product_id, price in session.execute(select(Offer.id, Offer.product_id, Offer.price_base)):
            for days in (40, 20, 2):
                history.append(
                    {
                        "offer_id": offer_id,
                        "product_id": product_id,
                        "price": price * Decimal("1.1"),
                        "currency": "UAH",
                        "price_base": price * Decimal("1.1"),
                        "available": True,
                        "active": True,
                        "recorded_at": now - dt.timedelta(days=days),
                    }
                )
        session.execute(insert(PriceHistory), history)
        recommendations = [
            {
                "product_id": product_id,
                "kind": RecommendationKind.SIMILAR,
                "rank": rank,
                "recommended_id": product_ids[(n + 200 * rank) % len(product_ids)],
                "score": 1.0 / rank,
                "computed_at": now,
            }
            for n, product_id in enumerate(product_ids)
            for rank in range(1, 11)
        ]
        session.execute(insert(ProductRecommendation), recommendations)

        def event(visitor: str, at: dt.datetime) -> dict[str, object]:
            kind = rng.choices(("pageview", "product_view", "search"), (6, 3, 1))[0]
            product_id = rng.choice(product_ids) if kind == "product_view" else None
            data = {"query": f"word {rng.randrange(50)}", "filters": {"text": "w"}} if kind == "search" else None
            return {
                "id": secrets.randbits(63),
                "occurred_at": at,
                "kind": kind,
                "visitor_id": visitor,
                "user_id": None,
                "product_id": product_id,
                "data": data,
            }

        batch = []
        for n in range(arguments.events):
            batch.append(event(f"{n % 20_000:032x}", now - dt.timedelta(seconds=rng.randrange(30 * 86_400))))
            if len(batch) == 50_000:
                session.execute(insert(AnalyticsEvent), batch)
                batch = []
        returning = [secrets.token_hex(16) for _ in range(arguments.returning)]
        for visitor in returning:
            batch.extend(
                event(visitor, yesterday - dt.timedelta(seconds=rng.randrange(20 * 86_400)))
                for _ in range(arguments.history)
            )
            if len(batch) >= 50_000:
                session.execute(insert(AnalyticsEvent), batch)
                batch = []
        if batch:
            session.execute(insert(AnalyticsEvent), batch)
        session.commit()
        session.close()

        service = []
        for visitor in returning:
            session = database(app).session()
            started = time.perf_counter()
            personal_home(session, Who(visitor), now, (), recommendations_of)
            service.append((time.perf_counter() - started) * 1000)
            session.close()

    client = app.test_client()
    renders: dict[str, list[float]] = {"returning": [], "first visit": []}
    shown = 0
    for n in range(arguments.renders):
        for label in ("returning", "first visit"):
            client.delete_cookie("visitor")
            if label == "returning":
                client.set_cookie("visitor", returning[n % len(returning)])
            started = time.perf_counter()
            response = client.get("/", headers={"User-Agent": AGENT})
            renders[label].append((time.perf_counter() - started) * 1000)
            if label == "returning":
                shown += b'data-testid="personal-home"' in response.data
    total = arguments.events + arguments.returning * arguments.history
    print(f"catalog: {arguments.products} products; event log: {total} events")
    print(f"returning visitors: {arguments.returning}, {arguments.history} events each; personal part shown {shown}x")
    print(f"personal_home (service): {quantiles(service)}")
    for label, timings in renders.items():
        print(f"GET / {label}: {quantiles(timings)} over {len(timings)} renders")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
