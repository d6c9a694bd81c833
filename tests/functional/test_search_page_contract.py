"""The search page and API: what a row shows, what the sidebar keeps, and what requests never do."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import update
from sqlalchemy.orm import Session
from whoosh.index import FileIndex

from marketplace.catalog.models import Offer
from marketplace.changes.outbox import queue_reindex
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.suppliers.models import Supplier
from search_index import OfferDocument

#: Each app test runs on Whoosh and on PostgreSQL (tests/support/pg_search_apps.py).
pytestmark = pytest.mark.search_engines


def test_a_product_row_shows_the_lowest_matching_price_and_its_sellers(
    app: Flask, client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    data = client.get("/api/v1/search?q=hartwell+28").get_json()
    row = next(r for r in data["results"] if r["offer_count"] > 1)
    # Make the cheapest matching offer out of stock: the row still shows the in-stock best
    # offer, but its "from" price is the lowest among the matching offers.
    cheapest = min(row["offer_ids"], key=lambda i: db_session.get(Offer, i).price_base)
    db_session.execute(update(Offer).where(Offer.id == cheapest).values(available=False))
    queue_reindex(db_session, [cheapest])
    db_session.commit()
    sync_index(db_session, get_index(app))

    row = next(r for r in client.get("/api/v1/search?q=hartwell+28").get_json()["results"] if r["offer_count"] > 1)
    lowest = min(db_session.get(Offer, i).price_base for i in row["offer_ids"])
    assert row["id"] != cheapest and row["lowest_price_base"] == str(lowest) != row["price_base"]
    assert row["seller_count"] == len({db_session.get(Offer, i).supplier_id for i in row["offer_ids"]})
    html = client.get("/search?q=hartwell+28").get_data(as_text=True)
    shown = re.findall(r'class="price">([^<]*)<', html)
    assert any(text.startswith("from ") and f"{lowest:,.2f}" in text for text in shown), shown

    # With one supplier chosen, the row counts only that supplier's offers.
    supplier = db_session.get(Offer, row["id"]).supplier.slug
    narrowed = client.get(f"/api/v1/search?q=hartwell+28&supplier={supplier}").get_json()["results"]
    assert all(r["seller_count"] == 1 for r in narrowed)


def test_a_chosen_brand_beyond_the_first_fifteen_stays_checked(
    app: Flask, client: FlaskClient, stocked: dict[str, Supplier]
) -> None:
    # Sixteen more frequent brands push a rare one out of the first fifteen.
    docs = [
        OfferDocument(offer_id=900_000 + n * 10 + k, product_id=900_000 + n * 10 + k, supplier="kitchen-pro",
                      title=f"Brandtest item {n}-{k}", brand=f"Common{n:02d}", price_minor=10_000)
        for n in range(16) for k in range(3)
    ] + [OfferDocument(offer_id=999_999, product_id=999_999, supplier="kitchen-pro", title="Brandtest rare",
                       brand="Rarebrand", price_minor=10_000)]  # fmt: skip
    get_index(app).index(docs)
    html = client.get("/search?q=brandtest&brand=rarebrand&brand=common00").get_data(as_text=True)
    assert 'value="rarebrand" checked' in html
    unchosen = client.get("/search?q=brandtest").get_data(as_text=True)
    assert 'value="rarebrand"' not in unchosen


@pytest.mark.whoosh_only  # Whoosh's writer and files; on PostgreSQL web requests write nothing by design
def test_web_requests_never_open_a_writer(
    app: Flask, client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], monkeypatch: pytest.MonkeyPatch
) -> None:
    index_root = Path(app.config["INDEX_PATH"])
    writers: list[Any] = []
    real_writer = FileIndex.writer

    def spy(self: FileIndex, *args: Any, **kwargs: Any) -> Any:
        writers.append(self)
        return real_writer(self, *args, **kwargs)

    monkeypatch.setattr(FileIndex, "writer", spy)  # Whoosh's, to see whether anyone calls it

    def files() -> dict[str, tuple[int, int]]:
        return {
            str(path.relative_to(index_root)): (path.stat().st_mtime_ns, path.stat().st_size)
            for path in index_root.rglob("*")
            if path.is_file()
        }

    before = files()
    # A catalog change is queued, but only the worker applies it.
    db_session.execute(update(Offer).values(available=True))
    queue_reindex(db_session, [offer_id for (offer_id,) in db_session.query(Offer.id)])
    db_session.commit()
    for url in (
        "/search?q=hartwell",
        "/search?q=hartwel&sort=price_asc&in_stock=y",
        "/search?q=",
        "/search?q=nothingatall&max_price=1",
        "/api/v1/search?q=pan&brand=hartwell&view=offers",
        "/api/v1/suggest?q=har",
    ):
        assert client.get(url).status_code == 200, url
    assert writers == []
    assert files() == before
    lock = index_root / "WRITE.lock"
    assert not lock.exists() or os.stat(lock).st_mtime_ns == before.get("WRITE.lock", (None,))[0]


def test_a_real_search_response_validates_against_the_openapi_schema(
    client: FlaskClient, stocked: dict[str, Supplier]
) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    registry: Registry = Registry().with_resource("urn:spec", Resource(contents=spec, specification=DRAFT202012))
    schema = {"$ref": "urn:spec#/components/schemas/SearchPage"}
    validator = OAS31Validator(schema, registry=registry)
    for url in (
        "/api/v1/search?q=hartwell",
        "/api/v1/search?q=hartwell&view=offers&sort=price_desc",
        "/api/v1/search?q=pan&min_price=100&max_price=5000&brand=hartwell",
        "/api/v1/search?q=zzzznothing&supplier=office-point",
    ):
        data = client.get(url).get_json()
        errors = sorted(validator.iter_errors(data), key=str)
        assert not errors, (url, [e.message for e in errors[:5]])
        assert data["results"] or data["total"] == 0
