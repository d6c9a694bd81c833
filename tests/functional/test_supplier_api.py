"""The supplier API (/api/v1/supplier): pushes through the import pipeline, runs, offers, feeds, tokens, limits."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import create_token, revoke_token
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.supplier_api.idempotency import KeyReused, remember_answer, stored_answer
from marketplace.supplier_api.models import IdempotencyKey
from marketplace.suppliers.models import FeedSource, ImportRun, Supplier
from tests.support import factories
from tests.support.accounts import login
from tests.support.search import found

OFFERS = "/api/v1/supplier/offers"


def pan(sku: str = "PAN-28", **fields: Any) -> dict[str, Any]:
    """Return one offer of a batch: a frying pan unless ``fields`` say otherwise."""
    return {
        "sku": sku,
        "title": "Tefal frying pan 28 cm",
        "price": "1299.00",
        "currency": "UAH",
        "stock_quantity": 7,
        **fields,
    }


@pytest.fixture
def headers(db_session: Session, supplier_member: User) -> dict[str, str]:
    """Return the bearer header of a token of the kitchen-pro supplier's member."""
    _token, secret = create_token(db_session, supplier_member, "ERP")
    db_session.commit()
    return {"Authorization": f"Bearer {secret}"}


def offers_of(session: Session, supplier: Supplier) -> dict[str, Offer]:
    session.expire_all()
    return {o.supplier_sku: o for o in session.scalars(select(Offer).where(Offer.supplier_id == supplier.id))}


def test_a_pushed_batch_creates_offers_with_a_run_the_supplier_reads(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    response = client.post(
        OFFERS, json={"offers": [pan(), pan("PAN-24", title="Tefal frying pan 24 cm")]}, headers=headers
    )

    assert response.status_code == 201, response.get_json()
    run = response.get_json()["import"]
    assert (run["status"], run["mode"], run["counts"]["created"]) == ("succeeded", "upsert", 2)
    assert response.headers["Location"] == f"/api/v1/supplier/imports/{run['id']}"
    offers = offers_of(db_session, supplier)
    assert offers["PAN-28"].price == Decimal("1299.00") and offers["PAN-28"].stock_quantity == 7
    assert offers["PAN-24"].status == OfferStatus.ACTIVE

    listed = client.get("/api/v1/supplier/imports", headers=headers).get_json()
    assert [r["id"] for r in listed["imports"]] == [run["id"]] and listed["total"] == 1
    shown = client.get(run["url"], headers=headers).get_json()
    assert shown["counts"]["created"] == 2
    # Warnings do not refuse a batch; the report keeps them, as for a file.
    assert shown["report"]["counts"] == {"missing_url": 2}
    assert shown["report"]["problems"][0]["severity"] == "warning"


def test_an_upsert_updates_what_it_names_and_withdraws_nothing(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    assert client.post(OFFERS, json={"offers": [pan(), pan("PAN-24")]}, headers=headers).status_code == 201

    response = client.post(OFFERS, json={"offers": [pan(price="999.00")]}, headers=headers)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["import"]["counts"]["updated"] == 1
    offers = offers_of(db_session, supplier)
    assert offers["PAN-28"].price == Decimal("999.00")
    assert offers["PAN-24"].status == OfferStatus.ACTIVE  # not in the batch, still on sale


def test_a_partial_update_changes_only_the_fields_sent(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    client.post(OFFERS, json={"offers": [pan(), pan("PAN-24", price="899.00")]}, headers=headers)

    response = client.patch(
        OFFERS, json={"offers": [{"sku": "PAN-28", "stock_quantity": 0}, {"sku": "PAN-24", "price": "850.00"}]},
        headers=headers,
    )  # fmt: skip

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["import"]["partial"] is True
    offers = offers_of(db_session, supplier)
    assert (offers["PAN-28"].price, offers["PAN-28"].stock_quantity, offers["PAN-28"].available) == (
        Decimal("1299.00"), 0, False,
    )  # fmt: skip
    assert (offers["PAN-24"].price, offers["PAN-24"].stock_quantity) == (Decimal("850.00"), 7)
    assert offers["PAN-24"].title == "Tefal frying pan 28 cm"


def test_a_malformed_batch_gets_every_problem_by_offer_and_changes_nothing(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    client.post(OFFERS, json={"offers": [pan()]}, headers=headers)
    runs_before = db_session.scalar(select(func.count()).select_from(ImportRun))

    batch = {"offers": [pan(price="1.00"), pan("PAN-24", title=""), pan("PAN-26", price="abc"), "not an offer"]}
    response = client.post(OFFERS, json=batch, headers=headers)

    assert response.status_code == 422
    problems = response.get_json()["error"]["problems"]
    assert {(p["index"], p["field"]) for p in problems} == {(1, "title"), (2, "price"), (3, None)}
    assert all(p["message"] and p["code"] for p in problems)
    assert offers_of(db_session, supplier)["PAN-28"].price == Decimal("1299.00")
    assert set(offers_of(db_session, supplier)) == {"PAN-28"}
    assert db_session.scalar(select(func.count()).select_from(ImportRun)) == runs_before


def test_a_batch_the_import_rejects_is_undone_whole(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    # The parser reads both rows; the import rejects the unknown currency. The good row must not stay.
    batch = {"offers": [pan(), pan("PAN-24", currency="XYZ")]}
    response = client.post(OFFERS, json=batch, headers=headers)

    assert response.status_code == 422, response.get_json()
    assert any(p["index"] == 1 for p in response.get_json()["error"]["problems"])
    assert offers_of(db_session, supplier) == {}

    unknown = client.patch(OFFERS, json={"offers": [{"sku": "NOPE", "price": "10"}]}, headers=headers)
    assert unknown.status_code == 422
    assert [(p["index"], p["code"]) for p in unknown.get_json()["error"]["problems"]] == [(0, "unknown_sku")]


def test_unknown_fields_and_too_large_batches_are_refused(
    app: Flask, client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    typo = client.patch(OFFERS, json={"offers": [{"sku": "PAN-28", "prise": "10"}]}, headers=headers)
    assert typo.status_code == 422
    assert typo.get_json()["error"]["problems"][0] == {
        "index": 0, "sku": None, "field": "prise", "code": "unknown_field",
        "message": "“prise” is not a field of this call.",
    }  # fmt: skip

    app.config["SUPPLIER_API_BATCH_MAX"] = 2
    large = client.post(OFFERS, json={"offers": [pan("A"), pan("B"), pan("C")]}, headers=headers)
    assert large.status_code == 413
    assert offers_of(db_session, supplier) == {}


def test_the_same_idempotency_key_answers_once(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    keyed = {**headers, "Idempotency-Key": "batch-0001"}
    first = client.post(OFFERS, json={"offers": [pan()]}, headers=keyed)
    again = client.post(OFFERS, json={"offers": [pan()]}, headers=keyed)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db_session.scalar(select(func.count()).select_from(ImportRun)) == 1

    other = client.post(OFFERS, json={"offers": [pan(price="1.50")]}, headers=keyed)
    assert other.status_code == 409
    assert offers_of(db_session, supplier)["PAN-28"].price == Decimal("1299.00")
    assert db_session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_a_pushed_batch_lands_in_search(
    app: Flask, client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    response = client.post(OFFERS, json={"offers": [pan("ZX-81", title="Spectrum cast iron skillet")]}, headers=headers)
    assert response.status_code == 201

    sync_index(db_session, get_index(app))

    offer = offers_of(db_session, supplier)["ZX-81"]
    assert found(get_index(app), "skillet") == {offer.id}


def test_offers_are_listed_a_page_at_a_time(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    client.post(OFFERS, json={"offers": [pan(f"SKU-{n}") for n in range(5)]}, headers=headers)

    first = client.get(OFFERS + "?per_page=2", headers=headers).get_json()
    last = client.get(OFFERS + "?per_page=2&page=3", headers=headers).get_json()

    assert (first["total"], len(first["offers"]), len(last["offers"])) == (5, 2, 1)
    assert first["offers"][0]["sku"] == "SKU-0" and first["offers"][0]["price"] == "1299.00"
    assert client.get(OFFERS + "?per_page=0", headers=headers).status_code == 400
    assert client.get(OFFERS + "?status=gone", headers=headers).status_code == 400


def test_a_file_is_uploaded_and_queued(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    yml = b'<?xml version="1.0"?><yml_catalog><shop><offers></offers></shop></yml_catalog>'
    response = client.post(
        "/api/v1/supplier/imports", data={"file": (io.BytesIO(yml), "price.yml"), "mode": "full"}, headers=headers
    )

    assert response.status_code == 202, response.get_json()
    run = db_session.get(ImportRun, response.get_json()["import"]["id"])
    assert run is not None and (run.status, run.mode, run.filename) == ("queued", "full", "price.yml")
    empty = client.post("/api/v1/supplier/imports", data={}, headers=headers)
    assert empty.status_code == 400


def test_feed_urls_are_registered_edited_and_removed(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    feeds = "/api/v1/supplier/feeds"
    created = client.post(feeds, json={"url": "https://kitchen.example/feed.xml", "interval_hours": 6}, headers=headers)
    assert created.status_code == 201, created.get_json()
    feed_id = created.get_json()["id"]

    edited = client.patch(f"{feeds}/{feed_id}", json={"interval_hours": 12}, headers=headers)
    assert edited.status_code == 200 and edited.get_json()["url"] == "https://kitchen.example/feed.xml"
    assert db_session.get(FeedSource, feed_id).interval_hours == 12  # type: ignore[union-attr]
    # The portal's rules: the same message for the same broken rule.
    bad = client.patch(f"{feeds}/{feed_id}", json={"url": "ftp://kitchen.example/feed.xml"}, headers=headers)
    assert bad.status_code == 422 and "http://" in bad.get_json()["error"]["message"]
    assert client.get(feeds, headers=headers).get_json()["feeds"][0]["interval_hours"] == 12

    assert client.delete(f"{feeds}/{feed_id}", headers=headers).status_code == 204
    db_session.expire_all()
    assert db_session.get(FeedSource, feed_id) is None
    assert client.delete(f"{feeds}/{feed_id}", headers=headers).status_code == 404


def test_tokens_that_are_missing_unknown_revoked_or_not_a_suppliers_are_refused(
    client: FlaskClient, db_session: Session, supplier_member: User, buyer: User
) -> None:
    token, secret = create_token(db_session, supplier_member, "old")
    _token, buyer_secret = create_token(db_session, buyer, "mine")
    revoke_token(db_session, supplier_member, token.id)
    db_session.commit()

    for headers in ({}, {"Authorization": "Bearer trw_nonsense"}, {"Authorization": f"Bearer {secret}"}):
        response = client.get(OFFERS, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == 401
    assert client.get(OFFERS, headers={"Authorization": f"Bearer {buyer_secret}"}).status_code == 403


class TestRateLimits:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"SUPPLIER_API_LIMIT": "3 per minute", "SUPPLIER_API_PUSH_LIMIT": "1 per minute"}

    def test_each_token_has_its_own_limit_with_a_clear_429(
        self, client: FlaskClient, db_session: Session, supplier_member: User, headers: dict[str, str]
    ) -> None:
        spelt_otherwise = {"Authorization": headers["Authorization"].replace("Bearer ", "bearer  ")}
        answers = [client.get(OFFERS, headers=h).status_code for h in (headers, spelt_otherwise, headers, headers)]

        assert answers == [200, 200, 200, 429]
        refused = client.get("/api/v1/supplier/feeds", headers=headers)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "Retry-After" in refused.get_json()["error"]["message"]
        _token, other = create_token(db_session, supplier_member, "second")
        db_session.commit()
        assert client.get(OFFERS, headers={"Authorization": f"Bearer {other}"}).status_code == 200

    def test_pushes_have_a_smaller_limit(
        self, client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
    ) -> None:
        assert client.post(OFFERS, json={"offers": [pan()]}, headers=headers).status_code == 201
        assert client.post(OFFERS, json={"offers": [pan("PAN-2")]}, headers=headers).status_code == 429
        assert set(offers_of(db_session, supplier)) == {"PAN-28"}


def test_a_supplier_reads_and_changes_only_its_own_catalog(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    rival = factories.supplier(db_session, "rival-pans")
    rival_member = factories.user(db_session, "sales@rival.example", role=Role.SUPPLIER, supplier=rival)
    _token, rival_secret = create_token(db_session, rival_member, "ERP")
    db_session.commit()
    rival_headers = {"Authorization": f"Bearer {rival_secret}"}
    run_id = client.post(OFFERS, json={"offers": [pan()]}, headers=rival_headers).get_json()["import"]["id"]
    feed_id = client.post(
        "/api/v1/supplier/feeds", json={"url": "https://rival.example/feed.xml"}, headers=rival_headers
    ).get_json()["id"]

    assert client.get(f"/api/v1/supplier/imports/{run_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/supplier/imports", headers=headers).get_json()["imports"] == []
    assert client.get(OFFERS, headers=headers).get_json()["offers"] == []
    assert client.get("/api/v1/supplier/feeds", headers=headers).get_json()["feeds"] == []
    assert (
        client.patch(f"/api/v1/supplier/feeds/{feed_id}", json={"interval_hours": 2}, headers=headers).status_code
        == 404
    )
    assert client.delete(f"/api/v1/supplier/feeds/{feed_id}", headers=headers).status_code == 404
    # The same sku is the caller's own offer: an update of it cannot reach the rival's.
    assert client.patch(OFFERS, json={"offers": [{"sku": "PAN-28", "price": "1"}]}, headers=headers).status_code == 422
    assert offers_of(db_session, rival)["PAN-28"].price == Decimal("1299.00")
    assert db_session.get(FeedSource, feed_id) is not None


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_token_calls_need_no_csrf_token(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str], app_overrides: dict[str, Any]
) -> None:
    assert client.post(OFFERS, json={"offers": [pan()]}, headers=headers).status_code == 201
    # The session cookie never stands in for a token.
    assert client.post(OFFERS, json={"offers": [pan()]}).status_code == 401


def test_an_idempotency_key_is_kept_for_a_day(db_session: Session, supplier: Supplier) -> None:
    now = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
    remember_answer(db_session, supplier, "k-1", "a" * 64, 201, {"import": {}}, now=now)

    assert stored_answer(db_session, supplier, "k-1", "a" * 64, now=now + dt.timedelta(hours=23)) is not None
    with pytest.raises(KeyReused):
        stored_answer(db_session, supplier, "k-1", "b" * 64, now=now + dt.timedelta(hours=23))
    # A day on, the key starts afresh, and a new answer clears the expired ones.
    remember_answer(db_session, supplier, "k-2", "c" * 64, 201, {}, now=now + dt.timedelta(hours=25))
    assert db_session.scalars(select(IdempotencyKey.key)).all() == ["k-2"]
    assert stored_answer(db_session, supplier, "k-2", "c" * 64, now=now + dt.timedelta(hours=50)) is None


def test_the_portal_shows_a_pushed_batch_like_any_import(
    client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User, headers: dict[str, str]
) -> None:
    run = client.post(OFFERS, json={"offers": [pan()]}, headers=headers).get_json()["import"]

    login(client, supplier_member)
    assert "API offers" in client.get("/portal/").get_data(as_text=True)
    page = client.get(f"/portal/imports/{run['id']}")
    assert page.status_code == 200


def test_every_problem_is_listed_however_many_share_a_code(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    # An import report lists at most 100 of one code; a refused batch names every offer at fault.
    batch = {"offers": [pan(f"SKU-{n}", price="abc") for n in range(150)]}

    response = client.post(OFFERS, json=batch, headers=headers)

    assert response.status_code == 422
    problems = response.get_json()["error"]["problems"]
    assert [(p["index"], p["field"], p["code"]) for p in problems] == [
        (n, "price", "invalid_price") for n in range(150)
    ]


def test_a_batch_brings_its_own_categories(
    client: FlaskClient, db_session: Session, supplier: Supplier, headers: dict[str, str]
) -> None:
    batch = {
        "categories": [{"id": "10", "name": "Cookware"}, {"id": "11", "name": "Frying pans", "parent_id": "10"}],
        "offers": [pan(category_id="11")],
    }

    response = client.post(OFFERS, json=batch, headers=headers)

    assert response.status_code == 201, response.get_json()
    offer = offers_of(db_session, supplier)["PAN-28"]
    assert offer.supplier_category is not None and offer.supplier_category.name == "Frying pans"
