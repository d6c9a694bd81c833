"""The requests API with personal tokens: publishing, quoting, reading, accepting; JSON errors; token life."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

import marketplace.buyer_requests
from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import ApiToken, authenticate_token, create_token, hash_token
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestStatus
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import PASSWORD
from tests.support.api import bearer, publish

#: A deadline within the horizon (366 days ahead) whenever the test runs.
DEADLINE = (dt.date.today() + dt.timedelta(days=300)).isoformat()


def test_a_buyer_publishes_and_gets_catalog_matches_back(
    client: FlaskClient, db_session: Session, shopper: User, sellers: dict[str, User]
) -> None:
    response = publish(
        client,
        bearer(db_session, shopper),
        region="Lviv",
        deadline=DEADLINE,
        items=[
            {"text": "frying pan", "quantity": "6", "unit": "pcs", "max_price": 1900, "currency": "UAH"},
            {"text": "chef's knife", "quantity": 2.5},
        ],
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/requests/{body['id']}"
    assert (body["status"], body["visibility"], body["region"], body["deadline"]) == (
        "open",
        "all",
        "Lviv",
        DEADLINE,
    )
    assert body["mine"] is True and body["accepts_quotes"] is True
    pan, knife = body["items"]
    assert (pan["quantity"], pan["max_price"], knife["quantity"]) == ("6", "1900.00", "2.5")
    assert [m["supplier"] for m in body["matches"][str(pan["id"])]] == ["kitchen-pro"]  # 1950 is over the ceiling
    assert body["matches"][str(pan["id"])][0]["buy_url"].startswith("/go/")
    stored = db_session.get(BuyerRequest, body["id"])
    assert stored is not None and stored.buyer_id == shopper.id


def test_a_supplier_quotes_and_each_side_reads_what_it_may(
    client: FlaskClient, db_session: Session, shopper: User, sellers: dict[str, User], stocked: dict[str, Supplier]
) -> None:
    buyer_headers = bearer(db_session, shopper)
    kitchen, office = bearer(db_session, sellers["kitchen-pro"]), bearer(db_session, sellers["office-point"])
    created = publish(client, buyer_headers).get_json()
    item_id = created["items"][0]["id"]
    url = f"/api/v1/requests/{created['id']}/quotes"

    first = client.post(url, json={"item_id": item_id, "price": "1800", "delivery_cost": 150,
                                   "availability": "In stock", "note": "Glass lid"}, headers=kitchen)  # fmt: skip
    client.post(url, json={"item_id": item_id, "price": 1750, "currency": "uah"}, headers=office)

    assert first.status_code == 201, first.get_json()
    assert first.get_json()["total"] == "10950.00"  # 1800 × 6 + 150
    as_buyer = client.get(url, headers=buyer_headers).get_json()["quotes"]
    assert [(q["supplier"]["slug"], q["total"]) for q in as_buyer] == [
        ("office-point", "10500.00"),
        ("kitchen-pro", "10950.00"),
    ]
    as_kitchen = client.get(url, headers=kitchen).get_json()["quotes"]
    assert [q["supplier"]["slug"] for q in as_kitchen] == ["kitchen-pro"]
    other_buyer = factories.user(db_session, "other@example.com", role=Role.BUYER)
    assert client.get(url, headers=bearer(db_session, other_buyer)).status_code == 403

    kitchen_quote = next(q for q in as_buyer if q["supplier"]["slug"] == "kitchen-pro")
    accepted = client.post(f"{url}/{kitchen_quote['id']}/accept", headers=buyer_headers)
    assert accepted.status_code == 200
    assert accepted.get_json()["contact"]["email"] == "sales@kitchen-pro.example"
    seller_side = client.get(url, headers=kitchen).get_json()["quotes"][0]
    assert seller_side["accepted"] is True and seller_side["contact"]["email"] == "olena@example.com"
    assert client.get(url, headers=office).get_json()["quotes"][0]["contact"] is None
    assert client.get(f"/api/v1/requests/{created['id']}", headers=buyer_headers).get_json()["status"] == "awarded"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"items": []}, 422, "items"),
        ({"title": " "}, 422, "title"),
        ({"items": [{"text": "x", "quantity": "lots"}]}, 422, "quantity"),
        ({"items": [{"text": "x"}]}, 422, "quantity"),
        ({"items": [{"text": "x", "quantity": 1, "category_id": "7"}]}, 422, "category_id"),
        ({"items": "pans"}, 422, "items"),
        ({"deadline": "tomorrow"}, 422, "deadline"),
        ({"deadline": "2000-01-01"}, 422, "deadline"),
        ({"deadline": "9999-12-31"}, 422, "deadline"),  # at most 366 days ahead
        ({"visibility": "friends"}, 422, "visibility"),
    ],
)
def test_bad_requests_get_a_json_error_naming_the_field(
    client: FlaskClient, db_session: Session, shopper: User, body: dict[str, Any], status: int, field: str
) -> None:
    response = publish(client, bearer(db_session, shopper), **body)

    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == status and error["field"] == field and error["message"]
    assert db_session.scalars(select(BuyerRequest)).all() == []


def test_a_body_that_is_not_json_is_a_400(client: FlaskClient, db_session: Session, shopper: User) -> None:
    headers = {**bearer(db_session, shopper), "Content-Type": "application/json"}

    response = client.post("/api/v1/requests", data="{not json", headers=headers)

    assert response.status_code == 400 and response.get_json()["error"]["code"] == 400


def test_calls_without_a_valid_token_are_401_in_json(client: FlaskClient, db_session: Session, shopper: User) -> None:
    token, secret = create_token(db_session, shopper, "old")
    token.revoked_at = token.created_at
    db_session.commit()

    for headers in ({}, {"Authorization": f"Bearer {secret}"}, {"Authorization": "Bearer trw_forged"},
                    {"Authorization": "Basic b2xlbmE6cHc="}):  # fmt: skip
        response = publish(client, headers)
        assert response.status_code == 401, headers
        assert response.get_json()["error"]["code"] == 401
    assert db_session.scalars(select(BuyerRequest)).all() == []


def test_the_session_cookie_does_not_authenticate_the_api(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    db_session.commit()
    client.post("/account/login", data={"email": shopper.email, "password": PASSWORD})

    assert publish(client, {}).status_code == 401


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_token_calls_need_no_csrf_token_but_forms_still_do(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    headers = bearer(db_session, shopper)

    assert publish(client, headers).status_code == 201
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = shopper.get_id()
        flask_session["_fresh"] = True
    form = {"title": "Forged", "items-0-text": "Knife", "items-0-quantity": "1"}
    assert client.post("/requests/new", data=form).status_code == 400


def test_anonymous_callers_list_public_requests_without_contacts(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    headers = bearer(db_session, shopper)
    public = publish(client, headers, title="Public").get_json()
    publish(client, headers, title="Quiet", visibility="matched", items=[{"text": "zzz unmatched", "quantity": 1}])
    publish(client, headers, title="Draft", publish=False)

    anonymous = client.get("/api/v1/requests").get_json()["requests"]
    own = client.get("/api/v1/requests", headers=headers).get_json()["requests"]

    assert [r["title"] for r in anonymous] == ["Public"]
    assert "olena" not in str(anonymous).lower()
    assert sorted(r["title"] for r in own) == ["Draft", "Public", "Quiet"]
    assert client.get(f"/api/v1/requests/{public['id']}").get_json()["title"] == "Public"
    assert "matches" not in client.get(f"/api/v1/requests/{public['id']}").get_json()


def test_quote_errors_are_json(
    client: FlaskClient, db_session: Session, shopper: User, sellers: dict[str, User]
) -> None:
    created = publish(client, bearer(db_session, shopper)).get_json()
    kitchen = bearer(db_session, sellers["kitchen-pro"])
    url = f"/api/v1/requests/{created['id']}/quotes"

    missing = client.post(url, json={"price": 1}, headers=kitchen)
    wrong_item = client.post(url, json={"item_id": 999999, "price": 1}, headers=kitchen)
    zero = client.post(url, json={"item_id": created["items"][0]["id"], "price": 0}, headers=kitchen)
    by_buyer = client.post(
        url, json={"item_id": created["items"][0]["id"], "price": 1}, headers=bearer(db_session, shopper)
    )

    assert (missing.status_code, missing.get_json()["error"]["field"]) == (422, "item_id")
    assert (wrong_item.status_code, wrong_item.get_json()["error"]["field"]) == (422, "item_id")
    assert (zero.status_code, zero.get_json()["error"]["field"]) == (422, "price")
    assert by_buyer.status_code == 403
    assert db_session.scalars(select(Quote)).all() == []
    assert client.get("/api/v1/requests/987654").status_code == 404


# --- tokens -------------------------------------------------------------------------------


def test_only_a_hash_of_the_token_is_stored(db_session: Session, shopper: User) -> None:
    token, secret = create_token(db_session, shopper, "ERP connector")

    assert secret.startswith("trw_") and len(secret) > 40
    assert token.token_hash == hash_token(secret) and secret not in (token.token_hash, token.hint)
    assert authenticate_token(db_session, secret) is shopper
    assert token.last_used_at is not None
    shopper.active = False
    assert authenticate_token(db_session, secret) is None


def test_the_account_page_creates_shows_once_and_revokes_tokens(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    db_session.commit()
    client.post("/account/login", data={"email": shopper.email, "password": PASSWORD})

    created = client.post("/account/tokens", data={"name": "ERP connector"})

    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    match = re.search(r'data-testid="new-token-value">(trw_[^<]+)<', html)
    assert match is not None
    secret = match.group(1)
    token = db_session.scalars(select(ApiToken)).one()
    assert token.name == "ERP connector" and token.token_hash == hash_token(secret)
    assert secret not in client.get("/account/").get_data(as_text=True)
    assert publish(client, {"Authorization": f"Bearer {secret}"}).status_code == 201

    revoked = client.post(f"/account/tokens/{token.id}/revoke")

    assert revoked.status_code == 302
    assert publish(client, {"Authorization": f"Bearer {secret}"}).status_code == 401
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/account/tokens", data={"name": ""}).status_code == 400


def test_someone_elses_token_cannot_be_revoked(client: FlaskClient, db_session: Session, shopper: User) -> None:
    other = factories.user(db_session, "other@example.com", role=Role.BUYER)
    token, secret = create_token(db_session, other, "theirs")
    db_session.commit()
    client.post("/account/login", data={"email": shopper.email, "password": PASSWORD})

    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert authenticate_token(db_session, secret) is other


def test_the_cli_prints_a_token_once(runner: FlaskCliRunner, db_session: Session, shopper: User) -> None:
    db_session.commit()

    result = runner.invoke(args=["tokens", "create", "OLENA@example.com", "--name", "import script"])

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("trw_")
    assert authenticate_token(db_session, secret) is not None
    assert db_session.scalars(select(ApiToken.name)).all() == ["import script"]
    missing = runner.invoke(args=["tokens", "create", "nobody@example.com"])
    assert missing.exit_code != 0 and "no account" in missing.output


def test_drafts_published_through_the_api_stay_drafts(client: FlaskClient, db_session: Session, shopper: User) -> None:
    body = publish(client, bearer(db_session, shopper), publish=False).get_json()

    assert body["status"] == "draft"
    assert db_session.get_one(BuyerRequest, body["id"]).status == RequestStatus.DRAFT
    assert client.get(f"/api/v1/requests/{body['id']}").status_code == 404
    assert Decimal(body["items"][0]["max_price"]) == Decimal(1950)


def test_the_openapi_fragment_is_valid_and_documents_every_route(app: Flask) -> None:
    from openapi_spec_validator import validate

    fragment = json.loads((Path(marketplace.buyer_requests.__file__).parent / "openapi.json").read_text("utf-8"))
    validate(fragment)
    documented = {
        (re.sub(r"\{(\w+)\}", r"<int:\1>", path), method.upper())
        for path, operations in fragment["paths"].items()
        for method in operations
    }
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("requests_api.")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }

    assert documented == routes
