"""A broken request rule reaches a Ukrainian reader in Ukrainian: on the page and in the API's JSON.

The services raise ``RequestError`` with a lazy message; it is rendered in the request's language
only where it is shown. Flask-Babel caches the locale on ``g`` for the whole test (``db_session``
keeps an app context pushed), so each test makes its first request in Ukrainian.
"""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.accounts.tokens import create_token
from marketplace.buyer_requests.models import BuyerRequest
from tests.support.accounts import PASSWORD

PAST_DEADLINE = "the deadline is in the past"
PAST_DEADLINE_UK = "крайній термін уже минув"


def test_the_publish_page_shows_a_broken_rule_in_ukrainian(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    db_session.commit()
    response = client.post("/account/login?lang=uk", data={"email": shopper.email, "password": PASSWORD})
    assert response.status_code == 302
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()

    response = client.post(
        "/requests/new?lang=uk",
        data={"title": "Сковорідки", "deadline": yesterday, "items-0-text": "сковорідка", "items-0-quantity": "4"},
    )

    page = response.get_data(as_text=True)
    assert '<html lang="uk">' in page
    assert PAST_DEADLINE_UK in page and PAST_DEADLINE not in page
    assert db_session.scalars(select(BuyerRequest)).all() == []


def test_the_api_answers_a_broken_rule_in_the_callers_language(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    _token, secret = create_token(db_session, shopper, "tests")
    db_session.commit()
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()

    response = client.post(
        "/api/v1/requests",
        json={"title": "Сковорідки", "deadline": yesterday, "items": [{"text": "сковорідка", "quantity": 4}]},
        headers={"Authorization": f"Bearer {secret}", "Accept-Language": "uk"},
    )

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["field"], error["message"]) == ("deadline", PAST_DEADLINE_UK)
