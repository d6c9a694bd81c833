"""The authorisation matrix: every role against every page and API route of buyer requests.

The routes come from ``app.url_map``, so a new route of the feature without an expectation
here fails ``test_every_route_of_the_feature_has_expectations``. Each call runs inside a
savepoint that is rolled back, so every role meets the same world.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, select

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.accounts.tokens import create_token
from marketplace.buyer_requests.models import Visibility
from marketplace.buyer_requests.services import ItemInput, publish_request, submit_quote
from marketplace.catalog.models import Category, Offer, Product
from marketplace.db import get_session
from marketplace.notifications.models import Notification
from marketplace.suppliers.services import add_supplier

PASSWORD = "a long enough password"
ROLES = ("anonymous", "owner", "other_buyer", "supplier_matched", "supplier_unmatched", "admin")
#: Blueprints of the feature; the account page's token routes are added by name.
FEATURE_BLUEPRINTS = ("buyer_requests", "requests_api", "notifications", "dev")
FEATURE_ENDPOINTS = ("accounts.account", "accounts.create_api_token", "accounts.revoke_api_token")

#: Shorthands: ``LOGIN`` is the redirect to the login page.
LOGIN = "login"


def by_role(anonymous: Any, owner: Any, other_buyer: Any, matched: Any, unmatched: Any, admin: Any) -> dict[str, Any]:
    return dict(zip(ROLES, (anonymous, owner, other_buyer, matched, unmatched, admin), strict=True))


def hidden_or(public: int) -> Callable[[str], int]:
    """404 while the request is for matched suppliers only, ``public`` when everyone sees it."""
    return lambda visibility: 404 if visibility == "matched" else public


@dataclass(frozen=True)
class Call:
    #: Statuses by role; a callable takes the request's visibility.
    expect: dict[str, Any]
    #: Form data (pages) or JSON (API) sent with a POST.
    body: Callable[[dict[str, int]], dict[str, Any]] | None = None


H = hidden_or
EXPECTATIONS: dict[tuple[str, str], Call] = {
    # --- pages ----------------------------------------------------------------------------
    ("buyer_requests.index", "GET"): Call(by_role(200, 200, 200, 200, 200, 200)),
    ("buyer_requests.new", "GET"): Call(by_role(LOGIN, 200, 200, 403, 403, 200)),
    ("buyer_requests.new", "POST"): Call(
        by_role(LOGIN, 302, 302, 403, 403, 302),
        lambda w: {"title": "Mine", "items-0-text": "Pan", "items-0-quantity": "1"},
    ),
    ("buyer_requests.detail", "GET"): Call(by_role(H(200), 200, H(200), 200, H(200), 200)),
    ("buyer_requests.edit", "GET"): Call(by_role(LOGIN, 200, H(403), 403, H(403), 403)),
    ("buyer_requests.edit", "POST"): Call(
        by_role(LOGIN, 302, H(403), 403, H(403), 403),
        lambda w: {
            "title": "Renamed",
            "items-0-id": str(w["item_id"]),
            "items-0-text": "Knife",
            "items-0-quantity": "2",
        },
    ),
    ("buyer_requests.publish", "POST"): Call(by_role(LOGIN, 302, H(403), 403, H(403), 403), lambda w: {}),
    ("buyer_requests.close", "POST"): Call(by_role(LOGIN, 302, H(403), 403, H(403), 403), lambda w: {}),
    ("buyer_requests.award", "POST"): Call(by_role(LOGIN, 302, H(403), 403, H(403), 403), lambda w: {}),
    ("buyer_requests.quote", "POST"): Call(
        by_role(LOGIN, 403, 403, 302, H(302), 403),
        lambda w: {f"item-{w['item_id']}-price": "10", f"item-{w['item_id']}-currency": "UAH"},
    ),
    ("buyer_requests.message", "POST"): Call(
        by_role(LOGIN, 302, 404, 302, 404, 403), lambda w: {f"quote-{w['quote_id']}-body": "Hello"}
    ),
    ("buyer_requests.accept", "POST"): Call(by_role(LOGIN, 302, 404, 403, 404, 403), lambda w: {}),
    ("notifications.index", "GET"): Call(by_role(LOGIN, 200, 200, 200, 200, 200)),
    ("notifications.read", "POST"): Call(by_role(LOGIN, 302, 404, 404, 404, 404), lambda w: {}),
    ("notifications.read_all", "POST"): Call(by_role(LOGIN, 302, 302, 302, 302, 302), lambda w: {}),
    # The outbox exists in debug and testing only; there anyone may look (it is a developer's machine).
    ("dev.dev_outbox", "GET"): Call(by_role(200, 200, 200, 200, 200, 200)),
    ("accounts.account", "GET"): Call(by_role(LOGIN, 200, 200, 200, 200, 200)),
    ("accounts.create_api_token", "POST"): Call(by_role(LOGIN, 200, 200, 200, 200, 200), lambda w: {"name": "x"}),
    ("accounts.revoke_api_token", "POST"): Call(by_role(LOGIN, 302, 404, 404, 404, 404), lambda w: {}),
    # --- API (bearer tokens) --------------------------------------------------------------
    ("requests_api.list_requests", "GET"): Call(by_role(200, 200, 200, 200, 200, 200)),
    ("requests_api.create_request", "POST"): Call(
        by_role(401, 201, 201, 403, 403, 201), lambda w: {"title": "Via API", "items": [{"text": "Pan", "quantity": 1}]}
    ),
    ("requests_api.show_request", "GET"): Call(by_role(H(200), 200, H(200), 200, H(200), 200)),
    ("requests_api.list_quotes", "GET"): Call(by_role(401, 200, H(403), 200, H(200), 200)),
    ("requests_api.create_quote", "POST"): Call(
        by_role(401, 403, H(403), 201, H(201), 403), lambda w: {"item_id": w["item_id"], "price": "9.50"}
    ),
    ("requests_api.accept", "POST"): Call(by_role(401, 200, 404, 404, 404, 403), lambda w: {}),
}


def feature_rules(app: Flask) -> list[tuple[str, str, Any]]:
    """Return ``(endpoint, method, rule)`` for every route of the feature."""
    found = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint.split(".", 1)[0] in FEATURE_BLUEPRINTS or endpoint in FEATURE_ENDPOINTS:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((endpoint, method, rule))
    return found


def test_every_route_of_the_feature_has_expectations(app: Flask) -> None:
    routes = {(endpoint, method) for endpoint, method, _rule in feature_rules(app)}

    assert routes - EXPECTATIONS.keys() == set(), "a route of the feature has no row in the matrix"
    assert EXPECTATIONS.keys() - routes == set(), "the matrix names a route that no longer exists"


def build_world(app: Flask, visibility: str) -> dict[str, Any]:
    """Create the people, a request (matched suppliers only, or public) with a quote; return ids and tokens."""
    with app.app_context():
        session = get_session()
        category_id = session.scalar(select(Category.id).where(Category.google_id == 665))
        matched = add_supplier(session, "knife-house", name="Knife House", store_url="https://knife.example/")
        unmatched = add_supplier(session, "garden-co", name="Garden Co", store_url="https://garden.example/")
        session.add(
            Offer(supplier=matched, supplier_sku="K1", product=Product(title="Knife"), title="Chef's knife",
                  url="https://knife.example/k1", price=Decimal(900), currency="UAH", price_base=Decimal(900),
                  category_id=category_id)
        )  # fmt: skip
        users = {
            "owner": create_user(session, "owner@example.com", PASSWORD, role=Role.BUYER, display_name="Owner Person"),
            "other_buyer": create_user(session, "other@example.com", PASSWORD, role=Role.BUYER),
            "supplier_matched": create_user(
                session, "s1@knife.example", PASSWORD, role=Role.SUPPLIER, supplier=matched
            ),
            "supplier_unmatched": create_user(
                session, "s2@garden.example", PASSWORD, role=Role.SUPPLIER, supplier=unmatched
            ),
            "admin": create_user(session, "ops@example.com", PASSWORD, role=Role.ADMIN),
        }
        buyer_request = publish_request(
            session,
            users["owner"],
            title="Knives",
            items=[ItemInput("Chef's knife", Decimal(2), category_id=category_id)],
            visibility=Visibility(visibility),
        )
        assert [m.supplier_id for m in buyer_request.matches] == [matched.id]
        item = buyer_request.items[0]
        quote = submit_quote(session, matched, item, price=Decimal(880), currency="UAH")
        notification = session.scalar(select(Notification.id).where(Notification.user_id == users["owner"].id))
        token, _secret = create_token(session, users["owner"], "owner's")
        secrets = {role: create_token(session, user, "matrix")[1] for role, user in users.items()}
        session.commit()
        return {
            "ids": {
                "request_id": buyer_request.id,
                "item_id": item.id,
                "quote_id": quote.id,
                "notification_id": notification,
                "token_id": token.id,
            },
            "users": {role: user.id for role, user in users.items()},
            "secrets": secrets,
        }


@pytest.mark.parametrize("visibility", ["matched", "all"])
def test_the_authorisation_matrix(app: Flask, connection: Connection, visibility: str) -> None:
    world = build_world(app, visibility)
    ids = world["ids"]
    failures = []
    for endpoint, method, rule in feature_rules(app):
        call = EXPECTATIONS[(endpoint, method)]
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        is_api = url.startswith("/api/")
        for role in ROLES:
            expected = call.expect[role]
            expected = expected(visibility) if callable(expected) else expected
            client = app.test_client()
            headers = {}
            if role != "anonymous":
                if is_api:
                    headers["Authorization"] = f"Bearer {world['secrets'][role]}"
                else:
                    with client.session_transaction() as flask_session:
                        flask_session["_user_id"] = str(world["users"][role])
                        flask_session["_fresh"] = True
            kwargs: dict[str, Any] = {"headers": headers}
            if call.body is not None:
                kwargs["json" if is_api else "data"] = call.body(ids)
            savepoint = connection.begin_nested()
            try:
                response = client.open(url, method=method, **kwargs)
            finally:
                savepoint.rollback()
            got: Any = response.status_code
            if got == 302 and "/account/login" in response.headers.get("Location", ""):
                got = LOGIN
            if got != expected:
                failures.append(f"{method} {url} as {role}: expected {expected}, got {got}")
            # The development outbox shows every mail by design, and exists only in debug and testing.
            if role in ("anonymous", "other_buyer") and not endpoint.startswith("dev."):
                # Nobody but the two sides ever reads the other side's contacts.
                html = response.get_data(as_text=True)
                assert "owner@example.com" not in html and "s1@knife.example" not in html, (method, url, role)
    assert failures == []
