"""The rest of a request's life through the API: publishing a draft, editing, closing, awarding, threads."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.accounts.tokens import create_token
from marketplace.buyer_requests.models import BuyerRequest, QuoteMessage, RequestEvent, RequestStatus
from marketplace.notifications.models import Notification


@pytest.fixture
def tokens(db_session: Session, shopper: User, sellers: dict[str, User]) -> dict[str, dict[str, str]]:
    found = {"buyer": shopper, **sellers}
    headers = {
        name: {"Authorization": f"Bearer {create_token(db_session, u, 'tests')[1]}"} for name, u in found.items()
    }
    db_session.commit()
    return headers


def status_of(session: Session, request_id: int) -> RequestStatus:
    session.expire_all()
    return session.scalar(select(BuyerRequest.status).where(BuyerRequest.id == request_id))  # type: ignore[return-value]


def create(client: FlaskClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("title", "Café kitchen")
    body.setdefault("items", [{"text": "frying pan", "quantity": 2}, {"text": "chef's knife", "quantity": 1}])
    response = client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def quote(client: FlaskClient, headers: dict[str, str], request_id: int, item_id: int, price: str) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/requests/{request_id}/quotes", json={"item_id": item_id, "price": price}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_a_draft_is_published_through_the_api(
    client: FlaskClient, db_session: Session, tokens: dict[str, dict[str, str]]
) -> None:
    draft = create(client, tokens["buyer"], publish=False)

    assert client.post(f"/api/v1/requests/{draft['id']}/publish", headers=tokens["kitchen-pro"]).status_code == 404
    response = client.post(f"/api/v1/requests/{draft['id']}/publish", headers=tokens["buyer"])

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "open"
    assert status_of(db_session, draft["id"]) == RequestStatus.OPEN
    again = client.post(f"/api/v1/requests/{draft['id']}/publish", headers=tokens["buyer"])
    assert again.status_code == 422 and again.get_json()["error"]["message"] == "only a draft can be published"


def test_patch_edits_like_the_web_and_keeps_what_is_left_out(
    client: FlaskClient, db_session: Session, tokens: dict[str, dict[str, str]], sellers: dict[str, User]
) -> None:
    created = create(client, tokens["buyer"], region="Lviv")
    pan, knife = created["items"]
    quote(client, tokens["kitchen-pro"], created["id"], pan["id"], "1000")

    response = client.patch(
        f"/api/v1/requests/{created['id']}",
        json={"title": "Café kitchen, more", "items": [{"id": pan["id"], "text": "frying pan", "quantity": 200}]},
        headers=tokens["buyer"],
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Café kitchen, more" and body["region"] == "Lviv"
    assert [i["quantity"] for i in body["items"]] == ["200"]
    assert {"id": pan["id"], "quantity": ["2", "200"], "quoted_by": ["Kitchen Pro"]} in body["changes"]["items"]
    assert {"removed": "chef's knife"} in body["changes"]["items"]
    kinds = db_session.scalars(select(Notification.kind).where(Notification.user_id == sellers["kitchen-pro"].id))
    assert "quote.item_changed" in list(kinds)
    assert db_session.scalar(
        select(RequestEvent.id).where(RequestEvent.request_id == created["id"], RequestEvent.kind == "edited")
    )
    # Only the title: the items stay.
    only_title = client.patch(f"/api/v1/requests/{created['id']}", json={"title": "Pans"}, headers=tokens["buyer"])
    assert only_title.status_code == 200 and only_title.get_json()["changes"] == {
        "title": ["Café kitchen, more", "Pans"]
    }
    assert knife["id"] not in {i["id"] for i in only_title.get_json()["items"]}


def test_patch_refuses_to_change_an_item_with_an_accepted_quote(
    client: FlaskClient, db_session: Session, tokens: dict[str, dict[str, str]]
) -> None:
    created = create(client, tokens["buyer"])
    pan, knife = created["items"]
    accepted = quote(client, tokens["kitchen-pro"], created["id"], pan["id"], "1000")
    assert (
        client.post(
            f"/api/v1/requests/{created['id']}/quotes/{accepted['id']}/accept", headers=tokens["buyer"]
        ).status_code
        == 200
    )

    response = client.patch(
        f"/api/v1/requests/{created['id']}",
        json={
            "items": [
                {"id": pan["id"], "text": "completely different thing", "quantity": 200},
                {"id": knife["id"], "text": "chef's knife", "quantity": 1},
            ]
        },
        headers=tokens["buyer"],
    )

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "text" and response.get_json()["error"]["item"] == 0
    removed = client.patch(
        f"/api/v1/requests/{created['id']}",
        json={"items": [{"id": knife["id"], "text": "chef's knife", "quantity": 1}]},
        headers=tokens["buyer"],
    )
    assert removed.status_code == 422
    listed = client.get(f"/api/v1/requests/{created['id']}/quotes", headers=tokens["buyer"]).get_json()
    assert [(q["id"], q["total"]) for q in listed["quotes"]] == [(accepted["id"], "2000.00")]


def test_only_the_buyer_patches_closes_and_awards(
    client: FlaskClient, db_session: Session, tokens: dict[str, dict[str, str]]
) -> None:
    created = create(client, tokens["buyer"])
    pan, _knife = created["items"]
    url = f"/api/v1/requests/{created['id']}"

    assert client.patch(url, json={"title": "Mine"}, headers=tokens["kitchen-pro"]).status_code == 403
    assert client.post(f"{url}/close", headers=tokens["kitchen-pro"]).status_code == 403
    assert client.post(f"{url}/award", headers=tokens["kitchen-pro"]).status_code == 403
    assert client.post(f"{url}/award").status_code == 401
    not_yet = client.post(f"{url}/award", headers=tokens["buyer"])
    assert not_yet.status_code == 422 and not_yet.get_json()["error"]["message"] == "accept a quote first"

    accepted = quote(client, tokens["kitchen-pro"], created["id"], pan["id"], "1000")
    client.post(f"{url}/quotes/{accepted['id']}/accept", headers=tokens["buyer"])
    awarded = client.post(f"{url}/award", headers=tokens["buyer"])

    assert awarded.status_code == 200 and awarded.get_json()["status"] == "awarded"
    assert status_of(db_session, created["id"]) == RequestStatus.AWARDED
    assert client.post(f"{url}/close", headers=tokens["buyer"]).status_code == 422


def test_the_buyer_closes_through_the_api(
    client: FlaskClient, db_session: Session, tokens: dict[str, dict[str, str]]
) -> None:
    created = create(client, tokens["buyer"])

    response = client.post(f"/api/v1/requests/{created['id']}/close", headers=tokens["buyer"])

    assert response.status_code == 200 and response.get_json()["accepts_quotes"] is False
    assert status_of(db_session, created["id"]) == RequestStatus.CLOSED


def test_both_sides_write_in_a_quotes_thread_and_nobody_else(
    client: FlaskClient, db_session: Session, tokens: dict[str, dict[str, str]], shopper: User, sellers: dict[str, User]
) -> None:
    created = create(client, tokens["buyer"])
    pan = created["items"][0]
    own = quote(client, tokens["kitchen-pro"], created["id"], pan["id"], "1000")
    url = f"/api/v1/requests/{created['id']}/quotes/{own['id']}/messages"

    asked = client.post(url, json={"body": "Is it induction-ready?"}, headers=tokens["buyer"])
    answered = client.post(url, json={"body": "Yes, it is."}, headers=tokens["kitchen-pro"])

    assert asked.status_code == 201 and asked.get_json()["side"] == "buyer"
    assert answered.status_code == 201 and answered.get_json()["side"] == "supplier"
    # Sealed: the other supplier does not learn that the quote exists.
    assert client.post(url, json={"body": "Hi"}, headers=tokens["office-point"]).status_code == 404
    assert client.post(url, json={"body": "Hi"}).status_code == 401
    blank = client.post(url, json={"body": "  "}, headers=tokens["buyer"])
    assert blank.status_code == 422 and blank.get_json()["error"]["field"] == "body"
    assert client.post(url, json={}, headers=tokens["buyer"]).status_code == 422
    bodies = db_session.scalars(select(QuoteMessage.body).where(QuoteMessage.quote_id == own["id"]))
    assert list(bodies) == ["Is it induction-ready?", "Yes, it is."]
    seller_kinds = db_session.scalars(
        select(Notification.kind).where(Notification.user_id == sellers["kitchen-pro"].id)
    )
    assert "quote.question" in list(seller_kinds)
    buyer_kinds = db_session.scalars(select(Notification.kind).where(Notification.user_id == shopper.id))
    assert "quote.answer" in list(buyer_kinds)
    listed = client.get(f"/api/v1/requests/{created['id']}/quotes", headers=tokens["kitchen-pro"]).get_json()
    assert [m["body"] for m in listed["quotes"][0]["messages"]] == ["Is it induction-ready?", "Yes, it is."]
