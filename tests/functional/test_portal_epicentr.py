"""An Epicentr K YML feed uploaded in the portal: its offers keep their categories, UAH is said once."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from marketplace.accounts.models import User
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier, SupplierCategory
from marketplace.worker import work_once
from tests.support.accounts import login
from tests.support.feeds import offers_of
from tests.support.paths import FIXTURES

EPICENTR = (FIXTURES / "feeds" / "epicentr.yml").read_bytes()


def _last_run(session: Session) -> ImportRun:
    run = session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert run is not None
    session.refresh(run)
    return run


def _upload(app: Flask, client: FlaskClient) -> TestResponse:
    response = client.post(
        "/portal/upload",
        data={"feed": (io.BytesIO(EPICENTR), "epicentr.xml"), "mode": "auto"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    work_once(app)
    return response


def test_an_epicentr_feed_imports_with_its_categories_and_one_currency_notice(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    response = _upload(app, client)

    run = _last_run(db_session)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert (run.format, run.created) == ("yml_epicentr", 3)
    counts = run.report["counts"]
    assert counts.get("currency_assumed") == 1
    assert "missing_currency" not in counts

    offers = offers_of(db_session, supplier)
    categories = {sku: offer.supplier_category for sku, offer in offers.items()}
    assert {sku: (c.external_id, c.name) for sku, c in categories.items() if c is not None} == {
        "68377850AA": ("epicentr:2866", "Фільтри паливні"),
        "68191349AC": ("epicentr:2866", "Фільтри паливні"),
        "CE278A-EPC": ("epicentr:3158", "Картриджі для лазерних принтерів"),
    }
    assert {offer.currency for offer in offers.values()} == {"UAH"}
    assert str(offers["68377850AA"].price) == "2150.00"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<span data-testid="run-format">YML (Epicentr)</span>' in page
    assert "as Epicentr feeds do not; its prices were read as UAH." in page


def test_the_same_feed_again_keeps_the_categories_and_adds_none(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    _upload(app, client)
    _upload(app, client)

    run = _last_run(db_session)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert (run.format, run.created) == ("yml_epicentr", 0)
    external_ids = db_session.scalars(
        select(SupplierCategory.external_id).where(SupplierCategory.supplier_id == supplier.id)
    ).all()
    assert sorted(external_ids) == ["epicentr:2866", "epicentr:3158"]
    assert all(offer.supplier_category is not None for offer in offers_of(db_session, supplier).values())
