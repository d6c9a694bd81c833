"""What a visitor can put in the query string or the path must never crash a page or steer its links."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.models import Offer
from marketplace.suppliers.models import Supplier
from tests.support.api import bearer

#: Keys that ``url_for`` would read itself, or that collide with its own argument.
HOSTILE = ["_anchor=x", "_method=x", "_scheme=x", "_external=1", "_scheme=javascript&_external=1", "endpoint=x"]
PAGES = ["/", "/categories/", "/search?q=knife", "/search?q=knife&page=2", "/account/login", "/requests/", "/nowhere"]


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("page", PAGES)
def test_url_for_parameters_in_the_query_string_are_ignored(
    client: FlaskClient, stocked: dict[str, Supplier], page: str, query: str
) -> None:
    url = f"{page}{'&' if '?' in page else '?'}{query}"
    response = client.get(url, headers={"Host": "evil.example"})
    assert response.status_code == (404 if page == "/nowhere" else 200), url
    body = response.get_data(as_text=True)
    assert "evil.example" not in body
    assert "javascript:" not in body
    assert "#x" not in body


@pytest.mark.parametrize("query", HOSTILE)
def test_product_pages_ignore_them_too(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], query: str
) -> None:
    offer = db_session.scalars(select(Offer).where(Offer.product_id.is_not(None))).first()
    assert offer is not None
    response = client.get(
        f"/products/{offer.product_id}?sort=total&product_id=1&{query}",
        headers={"Host": "evil.example"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "evil.example" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/products/9223372036854775808",
        "/products/2147483648",
        "/products/99999999999999999999999999",
        "/categories/9223372036854775808",
        "/go/9223372036854775808",
        "/requests/9223372036854775808",
        "/api/v1/requests/9223372036854775808",
        "/api/v1/requests/1/quotes/18446744073709551616/accept",
    ],
)
def test_ids_beyond_what_a_key_holds_are_not_found(client: FlaskClient, path: str) -> None:
    method = client.post if path.endswith("/accept") else client.get
    assert method(path).status_code == 404


def test_the_largest_id_a_key_can_hold_is_still_looked_up(client: FlaskClient) -> None:
    assert client.get("/products/2147483647").status_code == 404
    assert client.get("/api/v1/requests/2147483647").status_code == 404


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/v1/requests?category={HUGE}", 400),
        (f"/api/v1/search?category={HUGE}", 400),
        (f"/search?category={HUGE}", 200),
        (f"/compare/?ids=1,{HUGE}", 200),
    ],
)
def test_ids_beyond_what_a_key_holds_in_the_query_are_refused_or_ignored(
    client: FlaskClient, path: str, status: int
) -> None:
    assert client.get(path).status_code == status


def test_ids_beyond_what_a_key_holds_in_a_json_body_are_refused(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    body = {"title": "Café kitchen", "items": [{"text": "pan", "quantity": 1, "category_id": int(HUGE)}]}
    response = client.post("/api/v1/requests", json=body, headers=bearer(db_session, shopper))
    assert response.status_code == 422
    assert "category_id" in response.get_data(as_text=True)
