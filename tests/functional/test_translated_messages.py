"""Messages people read come from our translated texts, never werkzeug's English or unescaped markup."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import LazyString, force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from marketplace.accounts.models import User
from marketplace.buyer_requests.models import BuyerRequest
from marketplace.buyer_requests.units import UNITS, unit_code, unit_label
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


def test_a_known_unit_is_stored_as_its_code_and_shown_in_the_readers_language(
    app: Flask, client: FlaskClient, db_session: Session, shopper: User
) -> None:
    db_session.commit()
    login(client, shopper)
    with app.app_context():
        form = client.get("/requests/new?lang=uk").get_data(as_text=True)
        pcs_uk = unit_label("pcs")
    assert f'value="{pcs_uk}"' in form  # the default unit, in the buyer's language
    deadline = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    with app.app_context():
        response = client.post(
            "/requests/new?lang=uk",
            data={
                "title": "Посуд",
                "deadline": deadline,
                "items-0-text": "Тарілка",
                "items-0-quantity": "12",
                "items-0-unit": f"{pcs_uk.upper()}.",
                "items-1-text": "Цемент",
                "items-1-quantity": "3",
                "items-1-unit": "мішок",
            },
        )
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = db_session.scalars(select(BuyerRequest).where(BuyerRequest.title == "Посуд")).one()
    assert [i.unit for i in stored.items] == ["pcs", "мішок"]  # a known unit by code, any other as typed
    with app.app_context():
        detail = client.get(f"{response.headers['Location']}?lang=ru").get_data(as_text=True)
        pcs_ru = unit_label("pcs")
    assert f"12 {pcs_ru}" in detail and "3 мішок" in detail


def test_every_unit_reads_back_to_its_code_in_every_language(app: Flask) -> None:
    languages = app.config["LANGUAGES"]
    with app.test_request_context("/"):
        for lang in languages:
            with force_locale(lang):
                for code in UNITS:
                    assert unit_code(f" {unit_label(code)} ", languages) == code, (lang, code)
        assert unit_code("bags", languages) == "bags"
