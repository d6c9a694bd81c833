"""Accounts in tests: one password for every test user, and logging in through the real form."""

from __future__ import annotations

from flask.testing import FlaskClient

from marketplace.accounts.models import User

#: The password of every user the tests create.
PASSWORD = "correct horse battery"


def login(client: FlaskClient, user: User) -> None:
    """Log ``user`` in through the real login form, logging out whoever was logged in."""
    client.post("/account/logout")
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
