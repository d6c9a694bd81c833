"""The error page renders even when the database is what failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace import create_app, schema
from marketplace.accounts.models import Role
from marketplace.db import Database, database
from tests.support import factories
from tests.support.accounts import login
from tests.support.app import app_config


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_visitor_gets_the_error_page_when_the_database_is_down(tmp_path: Path, lang: str) -> None:
    app = create_app(
        app_config(tmp_path, f"sqlite:///{tmp_path / 'missing' / 'gone.sqlite'}", TESTING=False, DEBUG=True)
    )
    app.debug = False  # no debugger page: what a visitor of the production site sees
    response = app.test_client().get(f"/?lang={lang}")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "<title>" in body and ("Something went wrong" in body if lang == "en" else "Щось пішло не так" in body)


def test_a_signed_in_buyer_gets_the_error_page_when_the_database_is_down(tmp_path: Path) -> None:
    app = create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'site.sqlite'}"))
    schema.upgrade(database(app).engine)
    with app.app_context():
        session = database(app).session()
        buyer = factories.user(session, "buyer@example.com", role=Role.BUYER, display_name="Bohdana")
        session.commit()
        session.close()
    client = app.test_client()
    login(client, buyer)
    assert "Bohdana" in client.get("/").get_data(as_text=True)

    app.testing = False  # let the error handler answer instead of re-raising
    database(app).dispose()
    app.extensions["traderow.db"] = Database(f"sqlite:///{tmp_path / 'missing' / 'gone.sqlite'}")
    response = client.get("/")

    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "Bohdana" not in body
    app.extensions["traderow.index"].close()
