"""Precision@5 of search over a judged set of queries (judged.yaml): demo data and real feeds.

Run with ``-s`` to see both figures per query (standard and capped precision@5; see judged.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
import yaml
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.category_mapping import supplier_category_path
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.demo.catalog import PRODUCTS
from marketplace.demo.loader import load_demo
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.search.services import search_offers
from marketplace.suppliers.models import SupplierCategory
from marketplace.taxonomy.models import Category
from search_index import SearchQuery
from tests.support.realfeeds import REZINA13_GROUPS, import_real_feed, map_groups

#: Each app test runs on Whoosh and on PostgreSQL (tests/support/pg_search_apps.py).
pytestmark = pytest.mark.search_engines

JUDGED = yaml.safe_load((Path(__file__).with_name("judged.yaml")).read_text("utf-8"))
K = 5
#: Floors of the capped precision@5 (see judged.yaml), under the figures measured when they
#: were set (demo 1.00, real feeds 1.00): a change that costs a few queries their best
#: results fails. Standard precision@5 is reported beside it; it cannot reach 1.0 on a
#: set where most queries have fewer than five relevant products.
DEMO_FLOOR = 0.95
REALDATA_FLOOR = 0.95
#: Real feeds imported for the realdata queries: a garden-and-kitchen shop in two YML
#: dialects (Ukrainian titles), a heating shop (Russian titles, RUB prices) and a tyre
#: wholesaler's 1C price list (titles of brand, model and size only; Russian group names),
#: whose groups are mapped onto the category tree (REZINA13_GROUPS) as an operator would.
REAL_FEEDS = (
    "fiskars-gratis.rozetka.yml.xml",
    "fiskars-gratis.eva.yml.xml",
    "teritoriya-tepla.yml.xml",
    "rezina13.kharkiv.1c.xls",
)


@dataclass
class Scored:
    """One judged query's outcome."""

    query: str
    #: Relevance of each row shown, top first.
    marks: list[bool]
    #: Relevant products that exist.
    available: int
    #: Whether the relevant rows must come first (judged.yaml's `first`).
    first: bool
    shown: list[str]

    @property
    def precision(self) -> float:
        """Return standard precision@5: relevant rows in the top 5 / 5."""
        return sum(self.marks[:K]) / K

    @property
    def capped_precision(self) -> float:
        """Return relevant rows in the top 5 / min(5, relevant products that exist)."""
        return sum(self.marks[:K]) / min(K, self.available)

    @property
    def relevant_first(self) -> bool:
        """Return True when the first min(5, available) rows are all relevant."""
        return all(self.marks[: min(K, self.available)])


def top_rows(app: Flask, session: Session, text: str) -> list[Offer]:
    page = search_offers(session, get_index(app), SearchQuery(text=text, by_product=True, per_page=K))
    return [hit.offer for hit in page.hits]


def check(label: str, scores: list[Scored], floor: float) -> None:
    """Print both figures per query and overall, then assert the floor and the orderings."""
    precision = mean(score.precision for score in scores)
    capped = mean(score.capped_precision for score in scores)
    lines = [
        f"{score.precision:.2f} {score.capped_precision:.2f} {'   ' if score.relevant_first else 'ORD'} "
        f"{score.query!r}: {score.shown}"
        for score in scores
    ]
    print(
        f"\n{label}: precision@5 {precision:.3f}, capped precision@5 {capped:.3f} over {len(scores)} queries"
        "\n(P@5, capped P@5, ORD = relevant rows not ranked first)\n" + "\n".join(lines)
    )
    assert capped >= floor, "\n".join(lines)
    misordered = [score.query for score in scores if score.first and not score.relevant_first]
    assert not misordered, f"relevant rows not ranked first for {misordered}\n" + "\n".join(lines)


def test_precision_at_5_on_the_demo_catalog(app: Flask, db_session: Session) -> None:
    load_demo(db_session, base_currency="UAH", rates=app.config["CURRENCY_RATES"])
    db_session.commit()
    sync_index(db_session, get_index(app))
    key_by_gtin = {product.gtin: key for key, product in PRODUCTS.items()}
    scores = []
    for case in JUDGED["demo"]:
        relevant = set(case["relevant"])
        assert relevant <= set(PRODUCTS), case
        shown = [key_by_gtin.get(offer.gtin or "", "?") for offer in top_rows(app, db_session, case["query"])]
        marks = [key in relevant for key in shown]
        scores.append(Scored(case["query"], marks, len(relevant), case.get("first", True), shown))
    check("demo", scores, DEMO_FLOOR)


def _title(offer: Offer) -> str:
    return f"{offer.title} {offer.title_uk or ''}".casefold()


def _has_word(title: str, word: str) -> bool:
    """Return True when ``word`` stands alone in ``title``: not inside "1.24f" or "p900"."""
    return re.search(rf"(?<![\w.,]){re.escape(word)}(?![\w]|[.,]\d)", title) is not None


def _category_texts(session: Session) -> dict[int, str]:
    """Return offer id -> its marketplace category path (en) and its supplier's own category path."""
    paths: dict[int, str] = {row.id: row.path for row in session.execute(select(Category.id, Category.path))}
    supplier_paths: dict[int, str] = {}
    for category in session.scalars(select(SupplierCategory)).all():
        supplier_paths[category.id] = " > ".join(supplier_category_path(session, category))
    rows = session.execute(select(Offer.id, Offer.category_id, Offer.supplier_category_id)).all()
    return {
        offer_id: f"{paths.get(category_id or 0, '')} | {supplier_paths.get(supplier_category_id or 0, '')}".casefold()
        for offer_id, category_id, supplier_category_id in rows
    }


@pytest.mark.slow
@pytest.mark.realdata
def test_precision_at_5_on_real_feeds(app: Flask, db_session: Session, shared_data: Path, admin: User) -> None:
    for name in REAL_FEEDS:
        supplier = import_real_feed(app, db_session, shared_data, name)
        if name.startswith("rezina13."):
            map_groups(db_session, supplier, REZINA13_GROUPS, admin)
    db_session.commit()
    sync_index(db_session, get_index(app))
    offers = db_session.scalars(select(Offer).where(Offer.status == OfferStatus.ACTIVE)).all()
    categories = _category_texts(db_session)
    scores = []
    for case in JUDGED["realdata"]:
        needles = [needle.casefold() for needle in case["title_has"]]
        words = [word.casefold() for word in case.get("title_words", ())]
        in_category = [needle.casefold() for needle in case.get("category_has", ())]

        def relevant(
            offer: Offer, needles: list[str] = needles, words: list[str] = words, in_category: list[str] = in_category
        ) -> bool:
            title = _title(offer)
            return (
                all(needle in title for needle in needles)
                and all(_has_word(title, w) for w in words)
                and all(needle in categories[offer.id] for needle in in_category)
            )

        available = len({offer.product_id for offer in offers if relevant(offer)})
        assert available, f"no offer is relevant to {case['query']!r}: fix judged.yaml"
        rows = top_rows(app, db_session, case["query"])
        marks = [relevant(offer) for offer in rows]
        shown = [("+ " if mark else "- ") + offer.title[:50] for offer, mark in zip(rows, marks, strict=True)]
        scores.append(Scored(case["query"], marks, available, case.get("first", True), shown))
    check("real feeds", scores, REALDATA_FLOOR)


def test_the_judged_set_is_big_enough() -> None:
    cases: list[dict[str, Any]] = JUDGED["demo"] + JUDGED["realdata"]
    assert len(cases) >= 40
    assert len({case["query"] for case in cases}) == len(cases)
    # Most buyers search in Ukrainian or Russian (issue 19): so do most real-feed queries.
    cyrillic = [case for case in JUDGED["realdata"] if re.search("[а-яіїєґ]", case["query"], re.IGNORECASE)]
    assert len(cyrillic) >= 50
