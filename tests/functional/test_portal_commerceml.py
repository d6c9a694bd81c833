"""A 1C exchange (CommerceML 2) uploaded in the portal: the Bitrix zip, the pair, the price type choice."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from marketplace.accounts.models import User
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from marketplace.worker import work_once
from tests.support.accounts import login
from tests.support.commerceml import BITRIX_210_ZIP, CP1251_203
from tests.support.feeds import offers_of


def _last_run(session: Session) -> ImportRun:
    run = session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert run is not None
    session.refresh(run)
    return run


def _upload_pair(client: FlaskClient, **fields: str) -> TestResponse:
    return client.post(
        "/portal/upload",
        data={
            "feed": (io.BytesIO((CP1251_203 / "import.xml").read_bytes()), "import.xml"),
            "offers": (io.BytesIO((CP1251_203 / "offers.xml").read_bytes()), "offers.xml"),
            "mode": "auto",
            **fields,
        },
        content_type="multipart/form-data",
    )


def test_the_bitrix_zip_uploads_and_imports(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    form = client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="upload-price-type"' in form and 'name="offers"' in form

    response = client.post(
        "/portal/upload",
        data={"feed": (io.BytesIO(BITRIX_210_ZIP.read_bytes()), "webdata.zip"), "mode": "auto"},
        content_type="multipart/form-data",
    )
    # A zip of import.xml and offers.xml is no spreadsheet: it goes straight to the queue.
    assert response.status_code == 302 and "/mapping" not in response.headers["Location"]
    work_once(app)

    run = _last_run(db_session)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert (run.format, run.filename, run.created) == ("commerceml", "webdata.zip", 1)
    drill = offers_of(db_session, supplier)["4711"]
    assert (str(drill.price), drill.stock_quantity) == ("5299.00", 5)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<span data-testid="run-format">CommerceML 2</span>' in page
    assert "import_files/a1/a1f0c7e2.jpg" in page


def test_the_pair_asks_for_the_price_type_and_the_choice_is_kept(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    response = _upload_pair(client)
    assert response.status_code == 302
    work_once(app)

    run = _last_run(db_session)
    assert run.status == ImportStatus.FAILED
    assert run.report["price_types"] == ["Оптовая", "Дилерская"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="run-price-types"' in page
    assert '<option value="Дилерская">Дилерская</option>' in page

    # A type the file does not name is not a choice.
    refused = client.post(f"/portal/imports/{run.id}/price-type", data={"price_type": "Роздрібна"})
    assert refused.status_code == 400
    chosen = client.post(f"/portal/imports/{run.id}/price-type", data={"price_type": "Дилерская"})
    assert chosen.status_code == 302
    db_session.refresh(supplier)
    assert supplier.price_type == "Дилерская"
    # The upload form offers the choice back, and the next upload uses it.
    assert 'value="Дилерская"' in client.get("/portal/").get_data(as_text=True)

    _upload_pair(client)
    work_once(app)

    run = _last_run(db_session)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    offers = offers_of(db_session, supplier)
    assert str(offers["00000012345"].price) == "1080.00" and offers["00000012346"].available is False


def test_the_price_type_given_with_the_upload_is_used_and_remembered(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    _upload_pair(client, price_type="Оптовая")
    work_once(app)

    run = _last_run(db_session)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert str(offers_of(db_session, supplier)["00000012345"].price) == "1150.00"
    db_session.refresh(supplier)
    assert supplier.price_type == "Оптовая"


def test_the_cli_imports_the_pair_with_a_price_type(
    runner: FlaskCliRunner, db_session: Session, supplier: Supplier
) -> None:
    pair = [str(CP1251_203 / "import.xml"), "--offers", str(CP1251_203 / "offers.xml")]
    asked = runner.invoke(args=["feeds", "import", supplier.slug, *pair])
    assert asked.exit_code == 1
    assert "--price-type" in asked.output and "Оптовая, Дилерская" in asked.output

    result = runner.invoke(args=["feeds", "import", supplier.slug, *pair, "--price-type", "Дилерская", "--json"])
    assert result.exit_code == 0, result.output
    assert '"format": "commerceml"' in result.output
    assert str(offers_of(db_session, supplier)["00000012345"].price) == "1080.00"
    db_session.refresh(supplier)
    assert supplier.price_type == "Дилерская"


def test_the_feed_form_keeps_the_price_type(
    client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    response = client.post(
        "/portal/feeds",
        data={
            "url": "https://shop.example/bitrix/exchange.zip",
            "interval_hours": "24",
            "mode": "auto",
            "price_type": "Роздрібна",
        },
    )
    assert response.status_code == 302
    db_session.refresh(supplier)
    assert supplier.price_type == "Роздрібна"
