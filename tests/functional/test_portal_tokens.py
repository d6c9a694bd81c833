"""The portal's API tokens page: a supplier's member creates, names and revokes the supplier API's tokens."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.accounts.tokens import ApiToken, hash_token
from tests.support.accounts import login


def test_a_member_creates_a_token_shown_once_and_stored_as_a_hash(
    client: FlaskClient, db_session: Session, supplier_member: User
) -> None:
    login(client, supplier_member)
    assert 'href="/portal/tokens"' in client.get("/portal/").get_data(as_text=True)

    response = client.post("/portal/tokens", data={"name": "1C exchange"})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = page.split('data-testid="new-token-value">', 1)[1].split("<", 1)[0]
    token = db_session.scalars(select(ApiToken).where(ApiToken.user_id == supplier_member.id)).one()
    assert (token.name, token.token_hash) == ("1C exchange", hash_token(secret))
    assert secret not in client.get("/portal/tokens").get_data(as_text=True)
    assert token.hint in client.get("/portal/tokens").get_data(as_text=True)

    # The token works on the supplier API, and is noted as used.
    assert client.get("/api/v1/supplier/offers", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    db_session.expire_all()
    assert token.last_used_at is not None
    assert "never" not in client.get("/portal/tokens").get_data(as_text=True)


def test_a_token_is_revoked_and_the_api_refuses_it(
    client: FlaskClient, db_session: Session, supplier_member: User
) -> None:
    login(client, supplier_member)
    page = client.post("/portal/tokens", data={"name": "ERP"}).get_data(as_text=True)
    secret = page.split('data-testid="new-token-value">', 1)[1].split("<", 1)[0]
    token = db_session.scalars(select(ApiToken).where(ApiToken.user_id == supplier_member.id)).one()

    response = client.post(f"/portal/tokens/{token.id}/revoke")

    assert response.status_code == 302 and response.headers["Location"] == "/portal/tokens"
    assert client.get("/api/v1/supplier/offers", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert client.post(f"/portal/tokens/{token.id}/revoke").status_code == 404


def test_a_blank_name_is_refused_and_other_accounts_cannot_reach_the_page(
    client: FlaskClient, db_session: Session, supplier_member: User, buyer: User
) -> None:
    login(client, supplier_member)
    assert client.post("/portal/tokens", data={"name": "   "}).status_code == 400
    assert db_session.scalars(select(ApiToken)).all() == []

    login(client, buyer)
    assert client.get("/portal/tokens").status_code == 403
    assert client.post("/portal/tokens", data={"name": "x"}).status_code == 403


def test_someone_elses_token_cannot_be_revoked_here(
    client: FlaskClient, db_session: Session, supplier_member: User, buyer: User
) -> None:
    login(client, buyer)
    client.post("/account/tokens", data={"name": "buyer's"})
    token = db_session.scalars(select(ApiToken).where(ApiToken.user_id == buyer.id)).one()

    login(client, supplier_member)
    assert client.post(f"/portal/tokens/{token.id}/revoke").status_code == 404
    db_session.expire_all()
    assert token.revoked_at is None


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_creating_a_token_without_a_csrf_token_is_refused(
    client: FlaskClient, db_session: Session, supplier_member: User, app_overrides: dict[str, Any]
) -> None:
    client.get("/account/login")  # a session, so that only the form's token is missing
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = supplier_member.get_id()
        flask_session["_fresh"] = True

    assert client.post("/portal/tokens", data={"name": "ERP"}).status_code == 400
    assert db_session.scalars(select(ApiToken)).all() == []
