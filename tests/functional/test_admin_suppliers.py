"""The operators' supplier page: the extra hosts offer links may lead to."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.suppliers.models import Supplier
from tests.support.accounts import login


def test_an_operator_allows_another_site_for_a_supplier(
    client: FlaskClient, db_session: Session, admin: User, supplier: Supplier
) -> None:
    login(client, admin)
    page = client.get("/admin/suppliers/").text
    assert 'data-testid="supplier-kitchen-pro"' in page and "kitchen-pro.example" in page
    assert "/admin/suppliers/" in client.get("/admin/").text

    bad = client.post(f"/admin/suppliers/{supplier.id}/hosts", data={"hosts": "shop.prom.ua\nnot a host!"})
    assert bad.status_code == 400 and "is not a host name" in bad.text
    db_session.expire_all()
    assert supplier.extra_offer_hosts is None

    saved = client.post(f"/admin/suppliers/{supplier.id}/hosts", data={"hosts": "https://www.Shop.prom.ua/\nshop.ua"})
    assert saved.status_code == 302
    db_session.expire_all()
    assert supplier.extra_offer_hosts == ["shop.prom.ua", "shop.ua"]
    assert re.search(r"shop\.prom\.ua\s+shop\.ua", client.get("/admin/suppliers/").text)


def test_only_operators_see_it(client: FlaskClient, supplier_member: User, supplier: Supplier) -> None:
    login(client, supplier_member)
    assert client.get("/admin/suppliers/").status_code == 403
    assert client.post(f"/admin/suppliers/{supplier.id}/hosts", data={"hosts": "evil.example"}).status_code == 403


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_a_post_without_a_csrf_token_is_refused(
    client: FlaskClient, db_session: Session, admin: User, supplier: Supplier
) -> None:
    with client.session_transaction() as browser:
        browser["_user_id"] = admin.get_id()
        browser["_fresh"] = True
    assert client.post(f"/admin/suppliers/{supplier.id}/hosts", data={"hosts": "evil.example"}).status_code == 400
    db_session.expire_all()
    assert supplier.extra_offer_hosts is None
