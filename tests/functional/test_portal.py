"""The supplier portal: upload through the web, the worker imports, the report shows each row."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.models import Offer
from marketplace.suppliers.models import ImportRun, Supplier
from marketplace.worker import work_once
from tests.support import factories
from tests.support.accounts import login
from tests.support.paths import FIXTURES


def upload(client: FlaskClient, data: bytes, name: str = "kitchen.yml"):
    return client.post("/portal/upload", data={"feed": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_supplier_uploads_and_the_worker_imports(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    response = upload(client, (FIXTURES / "feeds" / "kitchen.yml").read_bytes())
    assert response.status_code == 302
    run_url = response.headers["Location"]
    assert 'data-status="queued"' in client.get(run_url).get_data(as_text=True)

    done = work_once(app)

    assert (done.imports, done.indexed) == (1, 3)
    html = client.get(run_url).get_data(as_text=True)
    assert 'data-status="succeeded"' in html
    assert "BROKEN-1" in html and "invalid_price" in html and "NOPRICE-1" in html
    assert len(db_session.scalars(select(Offer).where(Offer.supplier_id == supplier.id)).all()) == 3
    portal = client.get("/portal/").get_data(as_text=True)
    assert "kitchen.yml" in portal and "3 offers on show" in portal
    # The worker indexed the offers: buyers can find them.
    assert client.get("/api/v1/search?q=Hartwell").get_json()["total"] == 1


def test_a_bad_file_fails_with_a_clear_error(app: Flask, client: FlaskClient, supplier_member: User) -> None:
    login(client, supplier_member)
    run_url = upload(client, b"\x00\x01 definitely not a feed", "feed.xml").headers["Location"]
    work_once(app)
    html = client.get(run_url).get_data(as_text=True)
    assert 'data-status="failed"' in html
    assert 'data-testid="run-error"' in html


def test_upload_without_a_file_is_a_form_error(client: FlaskClient, supplier_member: User) -> None:
    login(client, supplier_member)
    response = client.post("/portal/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_portal_is_for_supplier_members_only(client: FlaskClient, buyer: User) -> None:
    assert client.get("/portal/").status_code == 302  # anonymous: to the login page
    login(client, buyer)
    assert client.get("/portal/").status_code == 403


def test_a_supplier_cannot_read_another_suppliers_import(
    client: FlaskClient, db_session: Session, supplier_member: User
) -> None:

    other = factories.supplier(db_session, "rival")
    run = ImportRun(supplier=other, filename="secret.yml")
    db_session.add(run)
    db_session.flush()
    login(client, supplier_member)
    assert client.get(f"/portal/imports/{run.id}").status_code == 404


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_a_post_without_a_csrf_token_is_refused(
    client: FlaskClient, db_session: Session, supplier_member: User, app_overrides: dict[str, Any]
) -> None:
    response = client.post("/account/login", data={"email": supplier_member.email, "password": "x" * 10})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
