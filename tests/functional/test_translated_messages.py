"""Messages people read come from our translated texts, never werkzeug's English or unescaped markup."""

from __future__ import annotations

from flask.testing import FlaskClient
from flask_babel import LazyString
from werkzeug.exceptions import NotFound

from marketplace.accounts.models import User
from marketplace.errors import DESCRIPTIONS, TITLES
from tests.support.accounts import login


def test_the_404_page_says_it_in_our_words_not_werkzeugs(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "404 — Page not found" in body and str(DESCRIPTIONS[404]) in body
    assert NotFound.description not in body and "Not Found" not in body


def test_an_api_404_answers_json_with_the_same_words(client: FlaskClient) -> None:
    response = client.get("/api/v1/requests/999999")
    assert response.status_code == 404
    error = response.get_json()["error"]
    # The description given to abort() is kept; the title is ours.
    assert error["code"] == 404 and error["title"] == "Page not found" and error["message"] != NotFound.description


def test_a_description_given_to_abort_is_kept(client: FlaskClient) -> None:
    response = client.get("/api/v1/requests/1/quotes")
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "This call needs an API token: 'Authorization: Bearer <token>'."


def test_every_error_title_and_description_is_a_translated_text() -> None:
    # Lazy: read in the reader's language when shown, never werkzeug's class text.
    assert TITLES.keys() == DESCRIPTIONS.keys()
    assert all(isinstance(text, LazyString) for text in [*TITLES.values(), *DESCRIPTIONS.values()])


def test_the_account_page_shows_the_authorization_header_escaped(client: FlaskClient, buyer: User) -> None:
    login(client, buyer)
    body = client.get("/account/").get_data(as_text=True)
    assert "Authorization: Bearer &lt;token&gt;" in body and "<token>" not in body
