"""Benchmark search: the engine call, the HTTP API and the search page, on N realistic offers.

    .venv/bin/python bench/search.py                 # 100k offers, reusing bench/.data/search-100000
    .venv/bin/python bench/search.py --offers 1000000
    .venv/bin/python bench/search.py --fresh          # rebuild the database and the index

The offers are generated (English, Russian and Ukrainian titles, brands, model codes written
three ways, the Google taxonomy's categories, prices, 60 suppliers, 1-5 sellers per product),
written to a real database (SQLite in the work folder, or ``--database-url``) and indexed
through ``rebuild_index``, the same service ``traderow index rebuild`` calls. The API and the
page are then served by gunicorn from that database on 127.0.0.1, and measured:

* the engine: ``SearchIndex.search`` for each of >=200 fixed queries, in-process;
* the API: ``GET /api/v1/search`` for the same queries, one client, one request at a time;
* the page: ``GET /search`` under concurrent load (wrk when installed, else a bounded
  Python thread pool), as requests per second.

Both latency passes are warm: the engine's measured pass follows a first (cold) pass in the
same process, and the API is measured after the whole mix was sent ``--workers + 1`` times
from twice as many client threads as workers (one request at a time can land on the same
worker again and again), so every worker has opened and warmed its searcher and seen most
queries. The index keeps a query's browse answer (no words) per searcher, so on both sides
warm browse queries are mostly answered from that cache, but a worker can still meet one
for the first time. The engine line "browse, not cached" shows what that costs: each
distinct browse query once more, at a page size the cache has not seen. It is printed for
information and is not part of the ratio.

Gunicorn runs ``--workers`` sync workers (default 2: one per core; the work is CPU-bound,
so more only share the same cores), with a timeout long enough for a worker's first search,
which opens and warms the index (seconds at 100k, more at 1M).

It prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# --- realistic offers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of goods: its Google taxonomy leaf, its names in three languages, a price range."""

    category: str
    en: str
    ru: str
    uk: str
    low: int
    high: int
    brands: tuple[str, ...]
    #: (English, Russian, Ukrainian) variants, e.g. sizes or colours.
    variants: tuple[tuple[str, str, str], ...]


_COLOURS = (("black", "чёрный", "чорний"), ("white", "белый", "білий"), ("red", "красный", "червоний"))
KINDS = (
    Kind(
        "Skillets & Frying Pans",
        "frying pan",
        "сковорода",
        "сковорода",
        300,
        4000,
        ("Tefal", "Hartwell", "Biol", "Kozak", "Ringel", "Rondell"),
        (("24 cm", "24 см", "24 см"), ("26 cm", "26 см", "26 см"), ("28 cm", "28 см", "28 см")),
    ),
    Kind(
        "Saucepans",
        "saucepan",
        "кастрюля",
        "каструля",
        400,
        3500,
        ("Tefal", "Hartwell", "Ringel", "Rondell", "Gipfel"),
        (("2 l", "2 л", "2 л"), ("3 l", "3 л", "3 л"), ("5 l", "5 л", "5 л")),
    ),
    Kind(
        "Kitchen Knives",
        "chef's knife",
        "нож кухонный",
        "ніж кухонний",
        200,
        3000,
        ("Fiskars", "Ferrum", "Tramontina", "Victorinox", "Zwilling"),
        (("18 cm", "18 см", "18 см"), ("20 cm", "20 см", "20 см")),
    ),
    Kind(
        "Cutting Boards",
        "cutting board",
        "разделочная доска",
        "обробна дошка",
        100,
        900,
        ("Verba", "Fiskars", "Tramontina"),
        (("oak", "дуб", "дуб"), ("bamboo", "бамбук", "бамбук")),
    ),
    Kind(
        "Electric Kettles",
        "electric kettle",
        "электрочайник",
        "електрочайник",
        500,
        3500,
        ("Bosch", "Philips", "Tefal", "Xiaomi", "Gorenje"),
        _COLOURS,
    ),
    Kind(
        "Coffee Makers & Espresso Machines",
        "coffee machine",
        "кофемашина",
        "кавоварка",
        3000,
        40000,
        ("DeLonghi", "Philips", "Krups", "Saeco"),
        _COLOURS[:2],
    ),
    Kind(
        "Vacuums",
        "vacuum cleaner",
        "пылесос",
        "пилосос",
        1500,
        25000,
        ("Dyson", "Samsung", "Philips", "Rowenta", "Xiaomi"),
        (("cordless", "беспроводной", "бездротовий"), ("bagless", "безмешковый", "безмішковий")),
    ),
    Kind(
        "Space Heaters",
        "convector heater",
        "конвектор",
        "конвектор",
        900,
        6000,
        ("Electrolux", "Ballu", "Термия", "Атем"),
        (("1 kW", "1 кВт", "1 кВт"), ("2 kW", "2 кВт", "2 кВт")),
    ),
    Kind(
        "Pruning Shears",
        "bypass pruner",
        "секатор",
        "секатор",
        150,
        1800,
        ("Fiskars", "Gardena", "Polissia", "Bahco"),
        (("plane", "плоскостной", "площинний"),),
    ),
    Kind(
        "Axes",
        "splitting axe",
        "топор-колун",
        "сокира-колун",
        400,
        3000,
        ("Fiskars", "Kozak", "Husqvarna"),
        (("1.6 kg", "1,6 кг", "1,6 кг"), ("2.5 kg", "2,5 кг", "2,5 кг")),
    ),
    Kind(
        "Lawn Mowers",
        "lawn mower",
        "газонокосилка",
        "газонокосарка",
        4000,
        30000,
        ("Bosch", "Makita", "Husqvarna", "Gardena", "Einhell"),
        (("electric", "электрическая", "електрична"), ("petrol", "бензиновая", "бензинова")),
    ),
    Kind(
        "Drills",
        "hammer drill",
        "дрель ударная",
        "дриль ударний",
        900,
        9000,
        ("Bosch", "Makita", "DeWalt", "Metabo", "Интерскол"),
        (("750 W", "750 Вт", "750 Вт"),),
    ),
    Kind(
        "Chainsaws",
        "chainsaw",
        "бензопила",
        "бензопила",
        3000,
        20000,
        ("Husqvarna", "Stihl", "Makita", "Einhell"),
        (("40 cm", "40 см", "40 см"),),
    ),
    Kind(
        "Garden Hoses",
        "garden hose",
        "шланг садовый",
        "шланг садовий",
        150,
        1500,
        ("Gardena", "Cellfast", "Bradas"),
        (("20 m", "20 м", "20 м"), ("50 m", "50 м", "50 м")),
    ),
    Kind(
        "Shovels & Spades",
        "spade",
        "лопата штыковая",
        "лопата штикова",
        150,
        1500,
        ("Fiskars", "Gardena", "Polissia"),
        (("steel", "стальная", "сталева"),),
    ),
    Kind(
        "Staplers",
        "stapler",
        "степлер",
        "степлер",
        50,
        600,
        ("Orbita", "Axent", "Buromax", "Rapid"),
        (("24/6", "24/6", "24/6"), ("No. 10", "№10", "№10")),
    ),
    Kind(
        "Pens",
        "ballpoint pen",
        "ручка шариковая",
        "ручка кулькова",
        10,
        300,
        ("Orbita", "Axent", "Buromax", "BIC", "Pilot"),
        (("blue", "синяя", "синя"), ("black", "чёрная", "чорна")),
    ),
    Kind(
        "Notebooks & Notepads",
        "notebook A5",
        "тетрадь А5",
        "зошит А5",
        15,
        200,
        ("Orbita", "Axent", "Buromax", "Leuchtturm"),
        (("96 sheets", "96 листов", "96 аркушів"),),
    ),
    Kind(
        "Mobile Phones",
        "smartphone",
        "смартфон",
        "смартфон",
        3000,
        60000,
        ("Samsung", "Apple", "Xiaomi", "Motorola", "Nokia"),
        (("128 GB", "128 ГБ", "128 ГБ"), ("256 GB", "256 ГБ", "256 ГБ")),
    ),
    Kind(
        "Laptops",
        "laptop",
        "ноутбук",
        "ноутбук",
        12000,
        90000,
        ("Lenovo", "Asus", "Acer", "HP", "Dell", "Apple"),
        (('15.6"', '15,6"', '15,6"'), ('14"', '14"', '14"')),
    ),
    Kind(
        "Headphones",
        "wireless headphones",
        "беспроводные наушники",
        "бездротові навушники",
        400,
        15000,
        ("Sony", "JBL", "Apple", "Xiaomi", "Sennheiser"),
        _COLOURS[:2],
    ),
    Kind(
        "Televisions",
        "LED TV",
        "телевизор",
        "телевізор",
        7000,
        80000,
        ("Samsung", "LG", "Sony", "Philips", "Xiaomi"),
        (('43"', '43"', '43"'), ('55"', '55"', '55"')),
    ),
    Kind(
        "Computer Monitors",
        "monitor",
        "монитор",
        "монітор",
        3000,
        30000,
        ("Dell", "LG", "Samsung", "Asus", "AOC"),
        (('24"', '24"', '24"'), ('27"', '27"', '27"')),
    ),
    Kind(
        "Backpacks",
        "city backpack",
        "рюкзак городской",
        "рюкзак міський",
        300,
        5000,
        ("Deuter", "Osprey", "Kite", "Xiaomi"),
        (("20 l", "20 л", "20 л"), ("30 l", "30 л", "30 л")),
    ),
    Kind(
        "Bicycles",
        "mountain bike",
        "горный велосипед",
        "гірський велосипед",
        8000,
        60000,
        ("Trek", "Merida", "Cannondale", "Formula"),
        (('29"', '29"', '29"'), ('27.5"', '27,5"', '27,5"')),
    ),
    Kind(
        "Tents",
        "camping tent",
        "палатка туристическая",
        "намет туристичний",
        1000,
        15000,
        ("Tramp", "Naturehike", "Coleman"),
        (("2-person", "2-местная", "2-місний"), ("4-person", "4-местная", "4-місний")),
    ),
    Kind(
        "Microwave Ovens",
        "microwave oven",
        "микроволновая печь",
        "мікрохвильова піч",
        2000,
        9000,
        ("Samsung", "LG", "Gorenje", "Whirlpool"),
        (("20 l", "20 л", "20 л"), ("23 l", "23 л", "23 л")),
    ),
    Kind(
        "Refrigerators",
        "refrigerator",
        "холодильник",
        "холодильник",
        9000,
        60000,
        ("Samsung", "LG", "Bosch", "Gorenje", "Indesit"),
        (("No Frost", "No Frost", "No Frost"),),
    ),
    Kind(
        "Washing Machines",
        "washing machine",
        "стиральная машина",
        "пральна машина",
        8000,
        40000,
        ("Bosch", "Samsung", "LG", "Electrolux", "Whirlpool"),
        (("7 kg", "7 кг", "7 кг"), ("9 kg", "9 кг", "9 кг")),
    ),
    Kind(
        "Hair Dryers",
        "hair dryer",
        "фен",
        "фен",
        400,
        12000,
        ("Philips", "Rowenta", "Dyson", "Braun"),
        (("2000 W", "2000 Вт", "2000 Вт"),),
    ),
    Kind(
        "Light Bulbs",
        "LED bulb",
        "лампа светодиодная",
        "лампа світлодіодна",
        30,
        300,
        ("Philips", "Osram", "Videx", "Eurolamp"),
        (("E27 10 W", "E27 10 Вт", "E27 10 Вт"),),
    ),
    Kind(
        "Toasters",
        "toaster",
        "тостер",
        "тостер",
        600,
        4000,
        ("Philips", "Bosch", "Tefal", "Russell Hobbs"),
        _COLOURS[:2],
    ),
    Kind(
        "Baby Strollers",
        "baby stroller",
        "детская коляска",
        "дитяча коляска",
        5000,
        40000,
        ("Cybex", "Anex", "Carrello", "Tutis"),
        (("2 in 1", "2 в 1", "2 в 1"),),
    ),
)
_DESCRIPTIONS = {
    "en": "Official warranty 12 months. Delivery across Ukraine by Nova Poshta, pick-up in Kyiv.",
    "ru": "Официальная гарантия 12 месяцев. Доставка по всей Украине Новой Почтой, самовывоз в Киеве.",
    "uk": "Офіційна гарантія 12 місяців. Доставка по всій Україні Новою Поштою, самовивіз у Києві.",
}
_CITIES = ("kyiv", "lviv", "odesa", "dnipro", "kharkiv", "poltava", "vinnytsia", "rivne", "sumy", "lutsk")
_TRADES = ("tech", "dom", "market", "shop", "trade", "opt", "store", "sklad")
SUPPLIER_SLUGS = tuple(f"{city}-{trade}" for city in _CITIES for trade in _TRADES[:6])  # 60 suppliers


@dataclass(frozen=True)
class BenchOffer:
    """One generated supplier offer, before it becomes a database row."""

    sku: str
    product_key: int
    supplier: str
    kind: Kind
    title: str
    title_uk: str | None
    brand: str
    model: str
    gtin: str
    description: str
    price: Decimal
    available: bool
    condition: str | None
    created_days_ago: int


def _model_code(rng: random.Random, brand: str) -> str:
    letters = "".join(ch for ch in brand.upper() if "A" <= ch <= "Z")[:2] or "XX"
    suffix = rng.choice(("", "", "F", "X", "S", "PRO"))
    return f"{letters}-{rng.randint(100, 9999)}{suffix}"


def _written(rng: random.Random, code: str) -> str:
    """Return the code as one supplier writes it: "GD-4186F", "GD4186F" or "GD 4186F"."""
    return rng.choice((code, code, code.replace("-", ""), code.replace("-", " ")))


def generate_offers(count: int, seed: int = 42) -> Iterator[BenchOffer]:
    """Yield ``count`` offers of about ``count / 2.2`` products, deterministically from ``seed``."""
    rng = random.Random(seed)
    made = 0
    product = 0
    while made < count:
        product += 1
        kind = rng.choice(KINDS)
        brand = rng.choice(kind.brands)
        model = _model_code(rng, brand)
        variant = rng.choice(kind.variants)
        base = rng.uniform(kind.low, kind.high)
        gtin = f"482{rng.randint(0, 10**9 - 1):09d}0"
        sellers = rng.sample(SUPPLIER_SLUGS, min(count - made, rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))))
        for supplier in sellers:
            language = ("en", "ru", "uk")[hash(supplier) % 3] if rng.random() < 0.9 else rng.choice(("en", "ru", "uk"))
            code = _written(rng, model)
            en = f"{brand} {kind.en.capitalize()} {code} {variant[0]}"
            ru = f"{kind.ru.capitalize()} {brand} {code} {variant[1]}"
            uk = f"{kind.uk.capitalize()} {brand} {code} {variant[2]}"
            title, title_uk = {"en": (en, None), "ru": (ru, uk if rng.random() < 0.5 else None), "uk": (uk, None)}[
                language
            ]
            condition = rng.choices((None, "new", "used", "refurbished"), (70, 22, 5, 3))[0]
            yield BenchOffer(
                sku=f"{supplier[:3]}-{product}-{made}",
                product_key=product,
                supplier=supplier,
                kind=kind,
                title=title,
                title_uk=title_uk,
                brand=brand,
                model=model,
                gtin=gtin if rng.random() < 0.7 else "",
                description=f"{title}. {_DESCRIPTIONS[language]}",
                price=Decimal(str(round(base * rng.uniform(0.9, 1.15)))),
                available=rng.random() < 0.85,
                condition=condition,
                created_days_ago=rng.randint(0, 720),
            )
            made += 1


# --- filling the database and the index ---------------------------------------------------


def _app(workdir: Path, database_url: str) -> Any:
    from marketplace import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(workdir / "instance"),
            "INDEX_PATH": str(workdir / "index"),
            "UPLOAD_PATH": str(workdir / "uploads"),
            "LOG_LEVEL": "WARNING",
        }
    )


def fill(workdir: Path, database_url: str, count: int, fresh: bool) -> None:
    """Write ``count`` offers to the database and index them with ``rebuild_index``, unless done."""
    from sqlalchemy import MetaData, func, insert, select

    from marketplace import schema
    from marketplace.catalog.models import Offer, Product
    from marketplace.db import database, make_engine
    from marketplace.search.index_runtime import get_index
    from marketplace.search.jobs import rebuild_index
    from marketplace.suppliers.services import add_supplier
    from marketplace.taxonomy.models import Category
    from marketplace.taxonomy.seed import seed_categories

    if fresh:
        shutil.rmtree(workdir / "index", ignore_errors=True)
        engine = make_engine(database_url)
        # Whatever tables the database holds: Base.metadata knows only the models imported so far.
        existing = MetaData()
        existing.reflect(engine)
        existing.drop_all(engine)
        engine.dispose()
        if database_url.startswith("sqlite:///"):
            Path(database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = make_engine(database_url)
    schema.upgrade(engine)
    engine.dispose()
    app = _app(workdir, database_url)
    with app.app_context():
        session = database(app).session()
        index = get_index(app)
        have = session.scalar(select(func.count()).select_from(Offer)) or 0
        if have not in (0, count):
            sys.exit(f"{database_url} holds {have} offers, not {count}: run with --fresh")
        if have == 0:
            seed_categories(session)
            by_name = {name: cid for cid, name in session.execute(select(Category.id, Category.name))}
            suppliers = {
                slug: add_supplier(session, slug, name=slug.title(), store_url=f"https://{slug}.example/")
                for slug in SUPPLIER_SLUGS
            }
            session.flush()
            supplier_ids = {slug: s.id for slug, s in suppliers.items()}
            started = time.perf_counter()
            products: dict[int, int] = {}
            offers: list[dict[str, Any]] = []
            next_product = (session.scalar(select(func.max(Product.id))) or 0) + 1
            now = dt.datetime.now(dt.UTC)
            for offer in generate_offers(count):
                if offer.product_key not in products:
                    products[offer.product_key] = next_product
                    session.execute(insert(Product), [{"id": next_product, "title": offer.title, "brand": offer.brand,
                                                       "model": offer.model, "gtin": offer.gtin or None,
                                                       "category_id": by_name[offer.kind.category]}])  # fmt: skip
                    next_product += 1
                when = now - dt.timedelta(days=offer.created_days_ago)
                offers.append(
                    {
                        "supplier_id": supplier_ids[offer.supplier], "supplier_sku": offer.sku,
                        "product_id": products[offer.product_key], "category_id": by_name[offer.kind.category],
                        "title": offer.title, "title_uk": offer.title_uk, "description": offer.description,
                        "brand": offer.brand, "model": offer.model, "gtin": offer.gtin or None,
                        "condition": offer.condition, "url": f"https://{offer.supplier}.example/p/{offer.sku}",
                        "pictures": [], "params": [], "price": offer.price, "currency": "UAH",
                        "price_base": offer.price, "available": offer.available, "status": "active",
                        "created_at": when, "updated_at": when,
                    }
                )  # fmt: skip
                if len(offers) >= 5000:
                    session.execute(insert(Offer), offers)
                    offers.clear()
            if offers:
                session.execute(insert(Offer), offers)
            session.commit()
            print(f"database: {count} offers, {len(products)} products in {time.perf_counter() - started:.0f} s")
        if index.is_outdated():
            print(f"reusing {workdir}: the index was built with an older schema, rebuilding it")
        if index.doc_count() != count or index.is_outdated():
            started = time.perf_counter()
            written = rebuild_index(session, index)
            print(f"index: rebuild_index wrote {written} offers in {time.perf_counter() - started:.0f} s")
        else:
            print(f"reusing {workdir}: {count} offers in the database and the index")
        session.close()
        index.close()
        database(app).dispose()


# --- the fixed query mix ------------------------------------------------------------------


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix, as URL parameters; ``kind`` says which part of the mix it is."""

    kind: str
    params: tuple[tuple[str, str], ...]

    def url(self, path: str) -> str:
        return path + "?" + urllib.parse.urlencode(self.params)


def query_mix(count: int) -> list[BenchQuery]:
    """Return >=200 fixed queries: plain, filtered (+facets), sorted and browsing; EN/RU/UK."""
    rng = random.Random(7)
    sample = list(generate_offers(min(count, 20_000), seed=42))
    words: list[str] = []
    for kind in KINDS:
        words += [kind.en, kind.ru, kind.uk]
    mix: list[BenchQuery] = []
    for text in words:  # 99 plain queries, a third each in English, Russian and Ukrainian
        mix.append(BenchQuery("plain", (("q", text),)))
    for kind in KINDS:  # brand + kind, and a model code written another way
        offer = rng.choice([o for o in sample if o.kind == kind])
        mix.append(BenchQuery("plain", (("q", f"{offer.brand} {rng.choice((kind.en, kind.ru, kind.uk))}"),)))
        mix.append(BenchQuery("plain", (("q", offer.model.replace("-", rng.choice(("", " ", "-")))),)))
    for i, kind in enumerate(KINDS):  # keyword + filters (+ the facets every answer has)
        suppliers = rng.sample(SUPPLIER_SLUGS, 3)
        cap = str(round((kind.low + kind.high) / 2))
        params: list[tuple[str, str]] = [("q", (kind.en, kind.ru, kind.uk)[i % 3]), ("max_price", cap)]
        params += [("supplier", s) for s in suppliers]
        mix.append(BenchQuery("filtered", tuple(params)))
        mix.append(BenchQuery("filtered", (("q", kind.brands[0]), ("in_stock", "y"), ("min_price", str(kind.low)))))
        text = (kind.uk, kind.ru, kind.en)[i % 3]
        mix.append(BenchQuery("filtered", (("q", text), ("brand", kind.brands[-1].lower()), ("condition", "new"))))
    sorts = ("price_asc", "price_desc", "newest")
    for i, kind in enumerate(KINDS):
        mix.append(BenchQuery("sorted", (("q", (kind.ru, kind.en, kind.uk)[i % 3]), ("sort", sorts[i % 3]))))
    for i in range(12):  # browsing without words: the whole catalog, sorted or filtered
        params = [("sort", sorts[i % 3])] if i % 2 else [("in_stock", "y"), ("max_price", str(500 * (i + 1)))]
        mix.append(BenchQuery("browse", tuple(params)))
    return mix


# --- measuring ----------------------------------------------------------------------------


def percentile(samples: list[float], p: float) -> float:
    """Return the nearest-rank ``p``-th percentile of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def percentiles(samples: list[float]) -> str:
    p50, p95, p99 = (percentile(samples, p) for p in (50, 95, 99))
    return f"p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f} ms  (n={len(samples)})"


def to_search_query(query: BenchQuery, per_page: int = 20) -> Any:
    from marketplace.catalog.pricing import to_minor
    from search_index import SearchQuery

    params: dict[str, list[str]] = {}
    for name, value in query.params:
        params.setdefault(name, []).append(value)

    def one(name: str) -> str | None:
        return params.get(name, [None])[0]

    return SearchQuery(
        text=one("q") or "",
        min_price_minor=to_minor(Decimal(one("min_price"))) if one("min_price") else None,  # type: ignore[arg-type]
        max_price_minor=to_minor(Decimal(one("max_price"))) if one("max_price") else None,  # type: ignore[arg-type]
        suppliers=tuple(params.get("supplier", ())),
        brands=tuple(params.get("brand", ())),
        in_stock=True if one("in_stock") else None,
        conditions=tuple(params.get("condition", ())),
        sort=one("sort") or "relevance",
        by_product=True,
        per_page=per_page,
    )


def bench_engine(index_path: Path, mix: list[BenchQuery]) -> dict[str, list[float]]:
    from search_index import SearchIndex

    index = SearchIndex(index_path)
    times: dict[str, list[float]] = {}
    started = time.perf_counter()
    cold: list[float] = []
    for query in mix:  # the first pass opens the searcher and reads the columns
        t0 = time.perf_counter()
        index.search(to_search_query(query))
        cold.append((time.perf_counter() - t0) * 1000)
    print(
        f"engine, first pass (cold)  {percentiles(cold)}; the first query (opening) {cold[0]:.0f} ms, "
        f"the pass {time.perf_counter() - started:.1f} s"
    )
    for query in mix:
        t0 = time.perf_counter()
        index.search(to_search_query(query))
        times.setdefault(query.kind, []).append((time.perf_counter() - t0) * 1000)
    uncached = []
    # Each distinct browse query once, at a page size no pass asked for: not from the cache.
    for query in dict.fromkeys(query for query in mix if query.kind == "browse"):
        t0 = time.perf_counter()
        index.search(to_search_query(query, per_page=19))
        uncached.append((time.perf_counter() - t0) * 1000)
    print(f"engine, browse, not cached  {percentiles(uncached)}")
    index.close()
    return times


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workdir: Path, database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {
        "TRADEROW_DATABASE_URL": database_url,
        "TRADEROW_INDEX_PATH": str(workdir / "index"),
        "TRADEROW_INSTANCE_PATH": str(workdir / "instance"),
        "TRADEROW_UPLOAD_PATH": str(workdir / "uploads"),
        "TRADEROW_SECRET_KEY": "bench-secret-" + os.urandom(8).hex(),
        "TRADEROW_LOG_LEVEL": "WARNING",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    # A worker's first search opens and warms the index; gunicorn's default 30 s timeout
    # would kill (and restart, and kill) workers doing that at 1M offers.
    server = subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "300",
         "--log-level", "warning", "marketplace:create_app()"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2).read()  # noqa: S310
            return server, base
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not start")


def bench_api(base: str, mix: list[BenchQuery], workers: int) -> dict[str, list[float]]:
    # Each worker process has its own searcher: warm them all. One request at a time may
    # land on the same worker again and again; concurrent ones keep every worker busy, and
    # the first search of each (opening the index, seconds) sends the rest to the others.
    def warm(query: BenchQuery) -> None:
        urllib.request.urlopen(base + query.url("/api/v1/search"), timeout=300).read()  # noqa: S310

    started = time.perf_counter()
    with ThreadPoolExecutor(2 * workers) as pool:
        list(pool.map(warm, mix * (workers + 1)))
    print(f"api warm-up: {workers + 1} x {len(mix)} requests from {2 * workers} threads in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    times: dict[str, list[float]] = {}
    for query in mix:
        t0 = time.perf_counter()
        with urllib.request.urlopen(base + query.url("/api/v1/search"), timeout=60) as response:  # noqa: S310
            json.loads(response.read())
        times.setdefault(query.kind, []).append((time.perf_counter() - t0) * 1000)
    return times


def bench_page(base: str, mix: list[BenchQuery], seconds: int, connections: int) -> None:
    paths = [query.url("/search") for query in mix if query.kind != "browse"]
    wrk = shutil.which("wrk")
    if wrk:
        script = Path(ROOT / "bench" / ".data" / "search-paths.lua")
        script.parent.mkdir(parents=True, exist_ok=True)
        lua_paths = ",".join(json.dumps(path) for path in paths)
        script.write_text(
            f"local paths = {{{lua_paths}}}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
        )
        done = subprocess.run(
            [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script), base],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode == 0 and "Requests/sec" in done.stdout:
            wanted = ("Requests/sec", "Non-2xx", "Socket errors", "Latency ", "%")
            lines = [ln for ln in done.stdout.splitlines() if any(word in ln for word in wanted)]
            print(f"search page under wrk, {connections} connections for {seconds} s:")
            for line in lines:
                print("   ", line.strip())
            return
        print(f"wrk failed (exit {done.returncode}): {done.stderr.strip()[:200]}; using the Python load loop")
    # A bounded Python load loop: `connections` threads, `seconds` seconds.
    stop = time.monotonic() + seconds
    counts = [0] * connections
    errors = [0]

    def loop(slot: int) -> None:
        i = slot
        while time.monotonic() < stop:
            try:
                urllib.request.urlopen(base + paths[i % len(paths)], timeout=30).read()  # noqa: S310
                counts[slot] += 1
            except OSError:
                errors[0] += 1
            i += connections

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(loop, range(connections)))
    print(
        f"search page, {connections} threads for {seconds} s: "
        f"{sum(counts) / seconds:.1f} requests/s, errors {errors[0]}"
    )


def report(label: str, times: dict[str, list[float]]) -> list[float]:
    everything = [t for samples in times.values() for t in samples]
    print(f"{label:<8} all       {percentiles(everything)}")
    for kind in ("plain", "filtered", "sorted", "browse"):
        if kind in times:
            print(f"{label:<8} {kind:<9} {percentiles(times[kind])}")
    return everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None, help="default: bench/.data/search-<offers>")
    parser.add_argument("--database-url", default=None, help="default: SQLite in the work folder")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database and the index")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=int, default=20, help="length of the page load test")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    workdir = (args.workdir or ROOT / "bench" / ".data" / f"search-{args.offers}").resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or "sqlite:///" + str(workdir / "bench.sqlite")
    print(f"bench/search.py: {args.offers} offers, {os.cpu_count()} CPUs, work folder {workdir}")
    fill(workdir, database_url, args.offers, args.fresh)
    mix = query_mix(args.offers)
    print(f"query mix: {len(mix)} queries: " + ", ".join(f"{k} {sum(q.kind == k for q in mix)}" for k in
                                                       ("plain", "filtered", "sorted", "browse")))  # fmt: skip
    engine = report("engine", bench_engine(workdir / "index", mix))
    server, base = start_server(workdir, database_url, args.workers)
    try:
        api_times = bench_api(base, mix, args.workers)
        api = report("api", api_times)
        engine_p95, api_p95 = percentile(engine, 95), percentile(api, 95)
        print(f"api p95 / engine p95 = {api_p95:.1f} / {engine_p95:.1f} = {api_p95 / engine_p95:.2f}")
        bench_page(base, mix, args.seconds, args.connections)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
