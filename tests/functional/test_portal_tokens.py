"""A supplier's member makes the supplier API's tokens on the account page, where every token lives.

The portal links there; the tokens are the account's personal ones, so one page creates, lists
and revokes them for every API.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.accounts.tokens import ApiToken, hash_token
from tests.support.accounts import login


def _secret(page: str) -> str:
    return page.split('data-testid="new-token-value">', 1)[1].split("<", 1)[0]


def test_the_portal_links_to_the_account_s_tokens_which_say_what_the_supplier_api_does(
    client: FlaskClient, supplier_member: User, buyer: User
) -> None:
    login(client, supplier_member)
    assert 'href="/account/#api-tokens"' in client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="supplier-api-note"' in client.get("/account/").get_data(as_text=True)

    login(client, buyer)  # a buyer's tokens serve the requests API only: no word of the supplier API
    assert 'data-testid="supplier-api-note"' not in client.get("/account/").get_data(as_text=True)


def test_a_member_s_token_works_on_the_supplier_api_until_it_is_revoked(
    client: FlaskClient, db_session: Session, supplier_member: User
) -> None:
    login(client, supplier_member)
    secret = _secret(client.post("/account/tokens", data={"name": "1C exchange"}).get_data(as_text=True))
    token = db_session.scalars(select(ApiToken).where(ApiToken.user_id == supplier_member.id)).one()
    assert (token.name, token.token_hash) == ("1C exchange", hash_token(secret))
    auth = {"Authorization": f"Bearer {secret}"}

    assert client.get("/api/v1/supplier/offers", headers=auth).status_code == 200
    db_session.expire_all()
    assert token.last_used_at is not None

    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/supplier/offers", headers=auth).status_code == 401
