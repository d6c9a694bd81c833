"""Group every product-matching set we have through the real import path and score it.

Each set runs in a process of its own, so that its peak RSS is its own, and prints one line a
script can read::

    SET precision P recall R F1 F time T s peak_rss M MB

``time`` is the imports and their grouping together; ``peak_rss`` is the whole process's
(Python, the database and the matcher). A set whose files are missing prints a line saying so
on stderr and is skipped.

Abt and Buy become two suppliers. Their rows are written as CSV price lists into a temp
directory and imported with ``marketplace.imports.run.import_feed`` into a temp
SQLite database (``marketplace.schema.upgrade`` plus the category seed); the groups are then
read back from the database and compared pairwise with the perfect mapping.

Nothing here looks at the labels before the grouping is done: the matcher's parameters are
fixed in ``product_matching/``.

A second, held-out check groups two warehouses of a Ukrainian tyre wholesaler
(``feeds/rezina13.kharkiv.1c.xls`` and ``rezina13.poltava.1c.xls``), imported as they are. The
product code both files share is their supplier sku, which no grouping rule reads, so it is
hidden from the matcher and gives the truth: 626 shared codes. Tyres of one model differ
only by size and load index, so this check is mostly about precision.

WDC Block small (``matching/wdc-block-small/``) is scored as its README says: tableA and
tableB become two suppliers, offers with the same ``cluster_id`` are one product, and every pair
that involves the catch-all cluster 2432 is left out of both the prediction and the truth. One
supplier's offers never share a product by text, so the truth is the 7,556 cross-table pairs.

``wdc-identical-records`` scores the simplest matcher on the same truth: join two offers whose
brand, title, description, price and currency are all equal. 3,266 cross pairs are such
records, and the labels call 2,171 of them (66 %) different products, for example
"CORSAIR CARBIDE SPEC-01 Mid-Tower Gaming Case with Red LED Fan | CC-9011050-WW" at 220.00
with the same description in cluster 1333 (table A) and cluster 2 (table B). Inside one table
equal records never disagree; across the tables, clusters numbered below about 2,500 mostly do,
and the original WDC ids (in the millions) never do. No matcher that reads the offers can tell
those pairs apart, so its precision on them is at most this line's, whatever it does elsewhere.

``scale-20k-into-200k`` is generated: ten suppliers of 20,000 offers build a 200,000-offer
catalog, then a newcomer of 20,000 joins it (half of its products are already there). Its time
is the newcomer's import alone; it takes minutes, since the catalog is imported first.

A third check groups the three feeds of one shop (``feeds/fiskars-gratis.rozetka.yml.xml``,
``.eva.yml.xml`` and ``.allo.price.xml``) as three suppliers. The shop's article code (the
offer id in all three, ``<article>`` in EVA, ``<code>`` in Allo) and the barcodes (Allo's
``<barcode>``, EVA's "Штрихкод" param) give the truth; they are removed from the feeds before
import, so only titles, brands and descriptions reach the grouping. Titles often still carry
the article in brackets, as the shop wrote them.

    .venv/bin/python bench/matching.py [--data ../shared/data/matching] [--feeds ../shared/data/feeds]
                                       [--set abt-buy] [--json]

Targets (issue 13): precision >= 0.95 on every set; F1 >= 0.95 on Abt-Buy; WDC Block small
grouped in under 60 s with peak RSS under 1 GB; the newcomer grouped in under 30 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from marketplace import schema  # noqa: E402
from marketplace.catalog.models import Offer  # noqa: E402
from marketplace.db import make_engine  # noqa: E402
from marketplace.imports import run as import_run  # noqa: E402
from marketplace.imports.run import import_feed  # noqa: E402
from marketplace.suppliers.models import Supplier  # noqa: E402
from marketplace.suppliers.services import add_supplier  # noqa: E402
from marketplace.taxonomy.seed import seed_categories  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "matching"
FEEDS = ROOT.parent / "shared" / "data" / "feeds"
TAXONOMY = ROOT / "tests" / "fixtures" / "taxonomy.txt"


def read_rows(path: Path, encoding: str) -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def price_of(value: str) -> str:
    """Return the benchmark's "$1,299.00" as "1299.00"; rows without a price get 1 (price plays no part)."""
    digits = value.replace("$", "").replace(",", "").strip()
    try:
        return str(Decimal(digits)) if digits and Decimal(digits) > 0 else "1"
    except ArithmeticError:
        return "1"


def feed_csv(rows: list[dict[str, str]], slug: str) -> bytes:
    """Write benchmark rows as a supplier's CSV price list (UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "name", "description", "manufacturer", "price", "currency", "url"])
    for row in rows:
        writer.writerow(
            [
                row["id"],
                row["name"].strip(),
                (row.get("description") or "").strip(),
                (row.get("manufacturer") or "").strip(),
                price_of(row.get("price") or ""),
                "USD",
                f"https://{slug}.example/p/{row['id']}",
            ]
        )
    return out.getvalue().encode("utf-8")


def pairs_from_groups(groups: dict[int, list[tuple[str, str]]], left: str, right: str) -> set[tuple[str, str]]:
    """Return every (left sku, right sku) pair that shares a product."""
    found = set()
    for offers in groups.values():
        lefts = [sku for slug, sku in offers if slug == left]
        rights = [sku for slug, sku in offers if slug == right]
        found.update((a, b) for a in lefts for b in rights)
    return found


#: The grouping step's own time in the import being measured (see ``_timed_grouping``).
grouping: dict[str, float] = {}


def _timed_grouping(group_new_offers: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the import's grouping step so that the bench can print its time apart from parsing and writing."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0, cpu0 = time.perf_counter(), time.process_time()
        try:
            return group_new_offers(*args, **kwargs)
        finally:
            grouping["seconds"] = grouping.get("seconds", 0.0) + time.perf_counter() - t0
            grouping["cpu"] = grouping.get("cpu", 0.0) + time.process_time() - cpu0

    return timed


import_run.group_new_offers = _timed_grouping(import_run.group_new_offers)


def group_feeds(
    feeds: dict[str, tuple[str, bytes]], currency: str, store_url: str | None = None
) -> tuple[dict[int, list[tuple[str, str]]], float, dict[str, dict[str, float]]]:
    """Import ``feeds`` (slug -> (filename, data)) in order into a fresh database; return the groups and times.

    Each supplier's store is ``https://<slug>.example/`` unless ``store_url`` names the site the
    feeds link to (the importer refuses links to another site than the supplier's own).
    """
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.sqlite")
        schema.upgrade(engine)
        with Session(engine) as session:
            seed_categories(session, TAXONOMY.read_text("utf-8"))
            suppliers = {
                slug: add_supplier(session, slug, name=slug.title(), store_url=store_url or f"https://{slug}.example/")
                for slug in feeds
            }
            session.commit()
            started = time.perf_counter()
            timings = {}
            for slug, (filename, data) in feeds.items():
                grouping.clear()
                t0, cpu0 = time.perf_counter(), time.process_time()
                run = import_feed(
                    session,
                    suppliers[slug],
                    data,
                    filename=filename,
                    base_currency=currency,
                    rates={currency: Decimal(1)},
                )
                if run.status != "succeeded":
                    raise SystemExit(f"import of {slug} failed: {run.error}")
                session.commit()
                # CPU seconds beside wall seconds: on a busy machine the wall clock counts others' work too.
                timings[slug] = {
                    "seconds": round(time.perf_counter() - t0, 2),
                    "cpu": round(time.process_time() - cpu0, 2),
                    "grouping": round(grouping.get("seconds", 0.0), 2),
                    "grouping_cpu": round(grouping.get("cpu", 0.0), 2),
                }
            elapsed = time.perf_counter() - started
            groups: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for product_id, slug, sku in session.execute(
                select(Offer.product_id, Supplier.slug, Offer.supplier_sku).join(
                    Supplier, Supplier.id == Offer.supplier_id
                )
            ):
                groups[product_id].append((slug, sku))
        engine.dispose()
    return groups, elapsed, timings


def score(predicted: set[tuple[str, str]], gold: set[tuple[str, str]]) -> dict[str, float]:
    """Return pairwise precision, recall and F1 of ``predicted`` against ``gold``."""
    true_positives = len(predicted & gold)
    precision = true_positives / len(predicted) if predicted else 0.0
    recall = true_positives / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "gold_pairs": len(gold),
        "predicted_pairs": len(predicted),
        "true_positives": true_positives,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def held_out(feeds_dir: Path) -> dict[str, object] | None:
    """Group the two rezina13 warehouses and score them by their shared product codes."""
    names = {"kharkiv": "rezina13.kharkiv.1c.xls", "poltava": "rezina13.poltava.1c.xls"}
    if not all((feeds_dir / name).exists() for name in names.values()):
        return None
    feeds = {slug: (name, (feeds_dir / name).read_bytes()) for slug, name in names.items()}
    groups, elapsed, timings = group_feeds(feeds, "UAH")
    skus = {slug: {sku for offers in groups.values() for s, sku in offers if s == slug} for slug in names}
    gold = {(sku, sku) for sku in skus["kharkiv"] & skus["poltava"]}
    result = score(pairs_from_groups(groups, "kharkiv", "poltava"), gold)
    offers = {slug: len(skus[slug]) for slug in names}
    return {"dataset": "rezina13 kharkiv x poltava", "offers": offers, **result, "seconds": round(elapsed, 2),
            "seconds_per_import": timings}  # fmt: skip


#: Elements and <param> names that carry the fiskars shop's article code or barcode.
_HIDDEN_TAGS = {"article", "code", "barcode", "vendorCode"}
_HIDDEN_PARAMS = {"артикул", "штрихкод"}


def hide_codes(data: bytes) -> tuple[bytes, dict[str, set[str]]]:
    """Return a YML or Allo feed without its article and barcode fields, and the keys they held per offer id."""
    from lxml import etree

    tree = etree.fromstring(data, etree.XMLParser(strip_cdata=False, resolve_entities=False))
    keys: dict[str, set[str]] = {}
    for offer in tree.iter("offer", "item"):
        sku = offer.get("id") or (offer.findtext("id") or "").strip()
        found = keys.setdefault(sku, {f"article:{sku}"})
        for child in list(offer):
            name = child.tag if isinstance(child.tag, str) else ""
            param = (child.get("name") or "").strip().casefold() if name == "param" else ""
            if name in _HIDDEN_TAGS or param in _HIDDEN_PARAMS:
                value = "".join(child.itertext()).strip()
                if value:
                    kind = "barcode" if name == "barcode" or param == "штрихкод" else "article"
                    found.add(f"{kind}:{value}")
                offer.remove(child)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8"), keys


def cross_pairs(groups: dict[int, list[tuple[str, str]]], slugs: list[str]) -> set[tuple[str, str, str, str]]:
    """Return every pair of offers of two different suppliers that share a product, as (slug, sku, slug, sku)."""
    order = {slug: k for k, slug in enumerate(slugs)}
    found = set()
    for offers in groups.values():
        for a in offers:
            for b in offers:
                if order[a[0]] < order[b[0]]:
                    found.add((*a, *b))
    return found


def fiskars(feeds_dir: Path) -> dict[str, object] | None:
    """Group the three feeds of the fiskars-gratis shop and score them by the codes hidden from the matcher."""
    names = {
        "rozetka": "fiskars-gratis.rozetka.yml.xml",
        "eva": "fiskars-gratis.eva.yml.xml",
        "allo": "fiskars-gratis.allo.price.xml",
    }
    if not all((feeds_dir / name).exists() for name in names.values()):
        return None
    feeds, keys = {}, {}
    for slug, name in names.items():
        data, keys[slug] = hide_codes((feeds_dir / name).read_bytes())
        feeds[slug] = (name, data)
    slugs = list(names)
    gold = set()
    for x, left in enumerate(slugs):
        for right in slugs[x + 1 :]:
            by_key: dict[str, set[str]] = defaultdict(set)
            for sku, values in keys[right].items():
                for value in values:
                    by_key[value].add(sku)
            for sku, values in keys[left].items():
                gold.update((left, sku, right, other) for value in values for other in by_key.get(value, ()))
    # Three feeds of one shop, whose links all lead to its own site.
    groups, elapsed, timings = group_feeds(feeds, "UAH", store_url="https://fiskars-gratis.com.ua/")
    offers = {slug: sum(1 for g in groups.values() for s, _ in g if s == slug) for slug in slugs}
    result = score(cross_pairs(groups, slugs), gold)
    return {"dataset": "fiskars-gratis rozetka x eva x allo", "offers": offers, **result,
            "seconds": round(elapsed, 2), "seconds_per_import": timings}  # fmt: skip


def abt_buy(data: Path) -> dict[str, object] | None:
    """Group Abt and Buy as two suppliers and score them by the perfect mapping."""
    data = data / "abt-buy"
    if not (data / "abt_buy_perfectMapping.csv").exists():
        return None
    abt = read_rows(data / "Abt.csv", "iso-8859-1")
    buy = read_rows(data / "Buy.csv", "utf-8")
    gold = {(r["idAbt"], r["idBuy"]) for r in read_rows(data / "abt_buy_perfectMapping.csv", "utf-8")}
    feeds = {"abt": ("abt.csv", feed_csv(abt, "abt")), "buy": ("buy.csv", feed_csv(buy, "buy"))}
    groups, elapsed, timings = group_feeds(feeds, "USD")
    return {"dataset": "abt-buy", "offers": {"abt": len(abt), "buy": len(buy)},
            **score(pairs_from_groups(groups, "abt", "buy"), gold),
            "seconds": round(elapsed, 2), "seconds_per_import": timings}  # fmt: skip


#: The WDC Block cluster that gathers unrelated products; its pairs are no evidence either way.
WDC_CATCH_ALL = "2432"


def wdc_block_small(data: Path) -> dict[str, object] | None:
    """Group WDC Block small's two tables as two suppliers and score them as its README says."""
    data = data / "wdc-block-small"
    if not (data / "tableA.csv").exists() or not (data / "tableB.csv").exists():
        return None
    tables = {slug: read_rows(data / f"table{slug[-1].upper()}.csv", "utf-8") for slug in ("wdc-a", "wdc-b")}
    # The feed's columns are Abt-Buy's: the title is the offer's name and the brand its manufacturer.
    feeds = {
        slug: (f"{slug}.csv", feed_csv([{**r, "name": r["title"], "manufacturer": r["brand"]} for r in rows], slug))
        for slug, rows in tables.items()
    }
    cluster = {slug: {r["id"]: r["cluster_id"] for r in rows} for slug, rows in tables.items()}
    kept = {slug: {sku for sku, c in clusters.items() if c != WDC_CATCH_ALL} for slug, clusters in cluster.items()}
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for sku in kept["wdc-b"]:
        by_cluster[cluster["wdc-b"][sku]].append(sku)
    gold = {(a, b) for a in kept["wdc-a"] for b in by_cluster.get(cluster["wdc-a"][a], ())}
    groups, elapsed, timings = group_feeds(feeds, "USD")
    predicted = {
        (a, b) for a, b in pairs_from_groups(groups, "wdc-a", "wdc-b") if a in kept["wdc-a"] and b in kept["wdc-b"]
    }
    return {"dataset": "wdc-block-small", "offers": {slug: len(skus) for slug, skus in kept.items()},
            **score(predicted, gold), "seconds": round(elapsed, 2), "seconds_per_import": timings}  # fmt: skip


def wdc_identical_records(data: Path) -> dict[str, object] | None:
    """The simplest matcher there is, scored on WDC Block small like any other: join records equal in every column.

    Two offers whose brand, title, description, price and currency are all the same cannot be
    told apart by any matcher that reads them. Where the labels call such pairs different
    products, no matcher reaches a higher precision on them: this line is the labels' own
    ceiling, printed beside our score so that the two are read together.
    """
    data = data / "wdc-block-small"
    if not (data / "tableA.csv").exists() or not (data / "tableB.csv").exists():
        return None
    columns = ("brand", "title", "description", "price", "pricecurrency")
    tables = {t: [r for r in read_rows(data / f"table{t}.csv", "utf-8") if r["cluster_id"] != WDC_CATCH_ALL]
              for t in ("A", "B")}  # fmt: skip

    def record(row: dict[str, str]) -> tuple[str, ...]:
        return tuple(" ".join(row[c].casefold().split()) for c in columns)

    b_by_record: dict[tuple[str, ...], list[str]] = defaultdict(list)
    b_by_cluster: dict[str, list[str]] = defaultdict(list)
    for r in tables["B"]:
        b_by_record[record(r)].append(r["id"])
        b_by_cluster[r["cluster_id"]].append(r["id"])
    predicted = {(r["id"], b) for r in tables["A"] for b in b_by_record.get(record(r), ())}
    gold = {(r["id"], b) for r in tables["A"] for b in b_by_cluster.get(r["cluster_id"], ())}
    return {"dataset": "wdc-block-small, records equal in every column", **score(predicted, gold), "seconds": 0.0}


#: The generated catalog of the scale check: suppliers, offers each, and how far apart their ranges start.
SCALE_SUPPLIERS, SCALE_OFFERS, SCALE_STEP = 10, 20_000, 9_000
_SCALE_BRANDS = ("Hartwell", "Fiskars", "Gardena", "Bosch", "Makita", "Tefal", "Philips", "Samsung", "Xiaomi", "Vitek")
_SCALE_NOUNS = ("Сковорода", "Секатор", "Дриль", "Чайник", "Лопата", "Пилка", "Ліхтар", "Шланг", "frying pan", "drill")
_SCALE_WORDS = ("сталь", "чорний", "професійний", "компактний", "steel", "black", "pro", "compact", "new", "2024")


def scale_feed(slug: str, products: range) -> bytes:
    """A YML price list of ``products`` as supplier ``slug`` writes them.

    Product ``p`` has one brand, noun and model code everywhere; each supplier words its title
    in its own order with its own extra words, states the code as vendorCode or only in the
    title, and a third of the products carry a GTIN. So the matcher joins by GTIN, by brand and
    code, and by text, as it does on real lists.
    """
    import random

    out = ['<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="2026-12-06 10:00"><shop>'
           f"<name>{slug}</name><url>https://{slug}.example/</url>"
           '<currencies><currency id="UAH" rate="1"/></currencies>'
           '<categories><category id="1">Товари</category></categories><offers>']  # fmt: skip
    for p in products:
        rnd = random.Random(f"{slug}:{p}")
        brand, noun = _SCALE_BRANDS[p % 10], _SCALE_NOUNS[(p // 10) % 10]
        code = f"{brand[:2].upper()}-{p:06d}"
        words = rnd.sample(_SCALE_WORDS, 2)
        title = " ".join([noun, brand, code, *words] if rnd.random() < 0.5 else [brand, *words, noun, code])
        vendor_code = f"<vendorCode>{code}</vendorCode>" if rnd.random() < 0.5 else ""
        gtin = f"<barcode>{4820000000000 + p}</barcode>" if p % 3 == 0 else ""
        price = 100 + (p * 7919) % 50_000 + rnd.randrange(0, 300)
        out.append(
            f'<offer id="{p}" available="true"><url>https://{slug}.example/p/{p}</url><price>{price}</price>'
            f"<currencyId>UAH</currencyId><categoryId>1</categoryId><vendor>{brand}</vendor>{vendor_code}{gtin}"
            f"<name>{title}</name></offer>"
        )
    out.append("</offers></shop></yml_catalog>")
    return "".join(out).encode("utf-8")


def scale(data: Path) -> dict[str, object]:
    """Time a 20,000-offer supplier joining a generated 200,000-offer catalog, and score its merges.

    The catalog is ten suppliers of 20,000 offers whose ranges overlap; the newcomer lists
    10,000 products the catalog has and 10,000 it has not. The time is the newcomer's import
    alone (parse, write and group); the truth is the generator's product number, which is
    each offer's sku.
    """
    feeds = {
        f"s{k}": (f"s{k}.yml", scale_feed(f"s{k}", range(k * SCALE_STEP, k * SCALE_STEP + SCALE_OFFERS)))
        for k in range(SCALE_SUPPLIERS)
    }
    catalog_end = (SCALE_SUPPLIERS - 1) * SCALE_STEP + SCALE_OFFERS
    newcomer = range(catalog_end - SCALE_OFFERS // 2, catalog_end + SCALE_OFFERS // 2)
    feeds["newcomer"] = ("newcomer.yml", scale_feed("newcomer", newcomer))
    groups, _elapsed, timings = group_feeds(feeds, "UAH")
    predicted = set()
    for offers in groups.values():
        new = [sku for slug, sku in offers if slug == "newcomer"]
        predicted.update((n, (slug, sku)) for n in new for slug, sku in offers if slug != "newcomer")
    gold = {
        (str(p), (f"s{k}", str(p)))
        for p in newcomer
        for k in range(SCALE_SUPPLIERS)
        if k * SCALE_STEP <= p < k * SCALE_STEP + SCALE_OFFERS
    }
    catalog = sum(len(o) for o in groups.values()) - len(newcomer)
    offers = {"catalog": catalog, "newcomer": len(newcomer)}
    newcomer_times = timings["newcomer"]
    return {"dataset": f"{len(newcomer)} offers joining {catalog}", "offers": offers, **score(predicted, gold),
            "seconds": newcomer_times["seconds"], "cpu_seconds": newcomer_times["cpu"],
            "grouping_seconds": newcomer_times["grouping"], "grouping_cpu_seconds": newcomer_times["grouping_cpu"],
            "seconds_per_import": timings}  # fmt: skip


#: Every set, by the name its line starts with, and how to run it from the matching and feeds folders.
SETS = {
    "abt-buy": lambda data, feeds: abt_buy(data),
    "wdc-block-small": lambda data, feeds: wdc_block_small(data),
    "wdc-identical-records": lambda data, feeds: wdc_identical_records(data),
    "rezina13": lambda data, feeds: held_out(feeds),
    "fiskars-gratis": lambda data, feeds: fiskars(feeds),
    # Generated, so it always runs; minutes long (the catalog is imported first): run it with --set scale.
    "scale-20k-into-200k": lambda data, feeds: scale(data),
}


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the matching/ folder of the shared data")
    parser.add_argument("--feeds", type=Path, default=FEEDS, help="where the held-out feeds are")
    parser.add_argument("--set", choices=sorted(SETS), action="append", help="run only these sets (repeatable)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per set instead of the line")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = args.set or list(SETS)
    if args.in_process:
        (name,) = names
        outcome = SETS[name](args.data, args.feeds)
        if outcome is not None:
            outcome["peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(outcome))
        return 0
    for name in names:
        # A fresh process per set: peak RSS is a high-water mark, so a shared one would report the largest set's.
        command = [sys.executable, __file__, "--set", name, "--in-process", "--data", str(args.data)]
        done = subprocess.run([*command, "--feeds", str(args.feeds)], capture_output=True, text=True, check=False)
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"{name}: the bench failed")
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
        if outcome is None:
            print(f"{name}: data not found under {args.data} or {args.feeds}; skipped", file=sys.stderr)
        elif args.json:
            print(json.dumps(outcome))
        else:
            print(line(name, outcome), flush=True)
    return 0


def line(name: str, outcome: dict[str, object]) -> str:
    """Return one set's scores as the line a script reads."""
    return (
        f"{name} precision {outcome['precision']:.4f} recall {outcome['recall']:.4f} F1 {outcome['f1']:.4f}"
        f" time {outcome['seconds']:.2f} s peak_rss {outcome['peak_rss_mb']:.0f} MB"
        + (f" cpu {outcome['cpu_seconds']:.2f} s" if "cpu_seconds" in outcome else "")
        + (f" grouping {outcome['grouping_seconds']:.2f} s" if "grouping_seconds" in outcome else "")
    )


if __name__ == "__main__":
    raise SystemExit(main())
