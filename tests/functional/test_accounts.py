"""Logging in, out, and registering as a buyer or a supplier."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.suppliers.models import Supplier
from tests.support.accounts import PASSWORD, login


def test_login_and_logout(client: FlaskClient, buyer: User) -> None:
    login(client, buyer)
    assert "Bohdana" in client.get("/").get_data(as_text=True)
    assert client.post("/account/logout").status_code == 302
    assert "Bohdana" not in client.get("/").get_data(as_text=True)


def test_wrong_password_is_a_field_error(client: FlaskClient, buyer: User) -> None:
    response = client.post("/account/login", data={"email": buyer.email, "password": "wrong password"})
    assert response.status_code == 200
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_login_never_redirects_off_site(client: FlaskClient, buyer: User) -> None:
    response = client.post(
        "/account/login?next=https://evil.example/", data={"email": buyer.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_register_a_supplier_creates_the_shop(client: FlaskClient, db_session: Session) -> None:
    response = client.post(
        "/account/register",
        data={
            "email": "New.Seller@Example.com", "display_name": "Nina", "password": PASSWORD,
            "account_type": "supplier", "shop_name": "Nina's Pans", "shop_slug": "ninas-pans",
            "store_url": "https://ninas-pans.example/",
        },
    )  # fmt: skip
    # Logged out on purpose: a taken address must get the very same answer (see test_account_security).
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    user = db_session.scalar(select(User).where(User.email == "new.seller@example.com"))
    assert user is not None and user.role == Role.SUPPLIER
    assert user.supplier is not None and user.supplier.slug == "ninas-pans"


def test_register_with_a_taken_slug_keeps_nothing(client: FlaskClient, db_session: Session, supplier: Supplier) -> None:
    response = client.post(
        "/account/register",
        data={
            "email": "x@example.com", "display_name": "X", "password": PASSWORD, "account_type": "supplier",
            "shop_name": "Copy", "shop_slug": supplier.slug, "store_url": "https://copy.example/",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert db_session.scalar(select(User).where(User.email == "x@example.com")) is None
