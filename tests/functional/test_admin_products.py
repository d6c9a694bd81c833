"""The operators' product pages: who may open them, splitting an offer out, merging products, CSRF."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.models import GroupingDecision, Offer, Product
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import login
from tests.support.grouping import import_and_group, product_of


@pytest.fixture
def two_shops(db_session: Session) -> dict[str, Supplier]:
    alpha = factories.supplier(db_session, "alpha")
    beta = factories.supplier(db_session, "beta")
    import_and_group(
        db_session,
        alpha,
        [
            {"sku": "A-1", "name": "Sony Turntable - PSLX350H", "brand": "Sony"},
            {"sku": "A-2", "name": "Weber Cast Iron Griddle 7531", "brand": "Weber"},
        ],
    )
    import_and_group(
        db_session,
        beta,
        [
            {"sku": "B-1", "name": "Sony PS-LX350H Belt Drive Turntable", "brand": "Sony"},
            {"sku": "B-2", "name": "Griddle for Genesis grills", "brand": "Weber"},
        ],
    )
    db_session.commit()
    return {"alpha": alpha, "beta": beta}


def test_admin_pages_are_for_operators_only(
    client: FlaskClient, db_session: Session, buyer: User, two_shops: dict[str, Supplier]
) -> None:
    product_id = product_of(db_session, two_shops["alpha"], "A-1")
    for path in ("/admin/", "/admin/products", f"/admin/products/{product_id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    login(client, buyer)
    for path in ("/admin/", "/admin/products", f"/admin/products/{product_id}"):
        assert client.get(path).status_code == 403
    offer_id = db_session.scalar(select(Offer.id).where(Offer.supplier_sku == "B-1"))
    assert client.post(f"/admin/products/{product_id}/split", data={"offer_id": offer_id}).status_code == 403
    assert product_of(db_session, two_shops["beta"], "B-1") == product_id


def test_admin_finds_products_and_splits_an_offer_out(
    client: FlaskClient, db_session: Session, admin: User, two_shops: dict[str, Supplier]
) -> None:
    login(client, admin)
    index = client.get("/admin/").get_data(as_text=True)
    assert "/admin/products" in index and "admin-link" in index
    product_id = product_of(db_session, two_shops["alpha"], "A-1")
    listing = client.get("/admin/products").get_data(as_text=True)
    assert f'href="/admin/products/{product_id}"' in listing and "beta: B-1" in listing
    assert "Turntable" in client.get("/admin/products?q=turntable").get_data(as_text=True)

    page = client.get(f"/admin/products/{product_id}").get_data(as_text=True)
    assert page.count('data-testid="admin-offer-row"') == 2
    offer_id = db_session.scalar(select(Offer.id).where(Offer.supplier_sku == "B-1"))
    response = client.post(f"/admin/products/{product_id}/split", data={"offer_id": offer_id})
    assert response.status_code == 302
    db_session.expire_all()
    assert product_of(db_session, two_shops["beta"], "B-1") != product_id
    decision = db_session.scalar(select(GroupingDecision))
    assert decision is not None and decision.kind == "apart" and decision.decided_by_id == admin.id
    page = client.get(f"/admin/products/{product_id}").get_data(as_text=True)
    assert page.count('data-testid="admin-offer-row"') == 1 and "admin-decisions" in page

    # An offer of another product cannot be split from this one.
    other = db_session.scalar(select(Offer.id).where(Offer.supplier_sku == "A-2"))
    assert client.post(f"/admin/products/{product_id}/split", data={"offer_id": other}).status_code == 404


def test_admin_merges_two_products_and_the_old_one_redirects(
    client: FlaskClient, db_session: Session, admin: User, two_shops: dict[str, Supplier]
) -> None:
    login(client, admin)
    keep = product_of(db_session, two_shops["alpha"], "A-2")
    absorb = product_of(db_session, two_shops["beta"], "B-2")
    assert keep != absorb
    response = client.post(f"/admin/products/{keep}/merge", data={"other_id": absorb})
    assert response.status_code == 302
    db_session.expire_all()
    assert product_of(db_session, two_shops["beta"], "B-2") == keep
    retired = db_session.get(Product, absorb)
    assert retired is not None and retired.merged_into_id == keep
    response = client.get(f"/admin/products/{absorb}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/products/{keep}")

    # Nonsense is refused with the reason beside the field.
    response = client.post(f"/admin/products/{keep}/merge", data={"other_id": keep})
    assert response.status_code == 400 and "cannot be merged with itself" in response.get_data(as_text=True)
    response = client.post(f"/admin/products/{keep}/merge", data={"other_id": 999999})
    assert response.status_code == 400 and "no product with this id" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_posts_without_a_csrf_token_are_refused(
    client: FlaskClient, db_session: Session, admin: User, two_shops: dict[str, Supplier]
) -> None:
    with client.session_transaction() as browser:
        # Log in through the session: the login form itself would want a token too.
        browser["_user_id"] = admin.get_id()
        browser["_fresh"] = True
    keep = product_of(db_session, two_shops["alpha"], "A-2")
    absorb = product_of(db_session, two_shops["beta"], "B-2")
    pair = product_of(db_session, two_shops["alpha"], "A-1")
    offer_id = db_session.scalar(select(Offer.id).where(Offer.supplier_sku == "B-1"))

    assert client.post(f"/admin/products/{keep}/merge", data={"other_id": absorb}).status_code == 400
    assert client.post(f"/admin/products/{pair}/split", data={"offer_id": offer_id}).status_code == 400
    db_session.expire_all()
    assert product_of(db_session, two_shops["beta"], "B-2") == absorb
    assert product_of(db_session, two_shops["beta"], "B-1") == pair

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(f"/admin/products/{keep}").text)
    assert token is not None
    accepted = client.post(f"/admin/products/{keep}/merge", data={"other_id": absorb, "csrf_token": token.group(1)})
    assert accepted.status_code == 302
    db_session.expire_all()
    assert product_of(db_session, two_shops["beta"], "B-2") == keep
