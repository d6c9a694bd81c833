"""The supplier portal's import pages: column mapping, dry runs, partial updates, feed URLs, big uploads."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.models import OfferStatus
from marketplace.files.store import file_store
from marketplace.imports.progress import progress_writer
from marketplace.suppliers.models import FeedSource, ImportRun, ImportStatus, Supplier, SupplierColumnMapping
from marketplace.worker import work_once
from tests.support import factories
from tests.support.accounts import login
from tests.support.feeds import FIVE, offers_of, update_feed, yml_feed, yml_offer

#: A supplier's own CSV: "Товар" and "Вартість" are names we know, "Шифр" and "Склад" are not.
OWN_COLUMNS = (
    "Шифр;Товар;Вартість;Склад\r\n"
    "A-1;Сковорода чавунна 24 см;1200;5\r\n"
    "A-2;Каструля 3 л;950,50;0\r\n"
    "A-3;Ніж кухарський;430;12\r\n"
).encode()


def upload(client: FlaskClient, data: bytes, name: str, **fields: Any):  # type: ignore[no-untyped-def]
    return client.post(
        "/portal/upload",
        data={"feed": (io.BytesIO(data), name), "mode": "auto", **fields},
        content_type="multipart/form-data",
    )


def test_unrecognised_columns_are_mapped_once_and_the_mapping_is_reused(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    response = upload(client, OWN_COLUMNS, "prices.csv")
    assert response.status_code == 302 and response.headers["Location"].endswith("/mapping")
    work_once(app)  # the worker reads the first rows
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="mapping-form"' in page and "Сковорода чавунна 24 см" in page
    # The parser's suggestion pre-fills what it recognised.
    assert re.search(r'<option selected value="title">|<option value="title" selected>', page)

    mapped = client.post(
        response.headers["Location"],
        data={"col_0": "sku", "col_1": "title", "col_2": "price", "col_3": "stock_quantity"},
    )
    assert mapped.status_code == 302
    work_once(app)

    run = db_session.scalars(select(ImportRun)).one()
    db_session.refresh(run)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    offers = offers_of(db_session, supplier)
    assert offers["A-1"].title == "Сковорода чавунна 24 см" and str(offers["A-2"].price) == "950.50"
    assert offers["A-2"].available is False and offers["A-3"].stock_quantity == 12
    assert db_session.scalars(select(SupplierColumnMapping)).one().mapping["Товар"] == "title"

    # The next file with the same columns goes to the queue once the worker has seen its
    # layout, with the saved mapping; its mapping page sends the supplier on to the run.
    again = upload(client, OWN_COLUMNS.replace(b"1200", b"1100"), "prices-2.csv")
    work_once(app)
    assert offers_of(db_session, supplier)["A-1"].price == 1100
    onwards = client.get(again.headers["Location"])
    assert onwards.status_code == 302 and "/mapping" not in onwards.headers["Location"]


def test_the_upload_request_reads_no_rows_the_worker_prepares_the_preview(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User
) -> None:
    login(client, supplier_member)
    location = upload(client, OWN_COLUMNS, "prices.csv").headers["Location"]

    run = db_session.scalars(select(ImportRun)).one()
    assert (run.status, run.preview) == (ImportStatus.PREPARING, None)
    waiting = client.get(location).get_data(as_text=True)
    assert 'data-testid="preview-pending"' in waiting and 'http-equiv="refresh"' in waiting
    assert 'data-testid="preview-reload"' in waiting  # works without JavaScript and without the meta refresh
    assert 'data-testid="mapping-form"' not in waiting and "Сковорода" not in waiting

    work_once(app)

    db_session.refresh(run)
    assert run.status == ImportStatus.NEEDS_MAPPING
    assert run.preview is not None and run.preview["rows"][0][1] == "Сковорода чавунна 24 см"
    ready = client.get(location).get_data(as_text=True)
    assert 'data-testid="mapping-form"' in ready and 'http-equiv="refresh"' not in ready


def test_a_run_waiting_for_its_mapping_from_before_the_upgrade_gets_its_preview_from_the_worker(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    location = upload(client, OWN_COLUMNS, "prices.csv").headers["Location"]
    work_once(app)
    run = db_session.scalars(select(ImportRun)).one()
    run.preview = None  # as every run waiting for a mapping was when migration 0014 ran
    db_session.flush()

    assert 'data-testid="preview-pending"' in client.get(location).get_data(as_text=True)
    work_once(app)
    db_session.expire_all()  # the test's session serves the requests too; a real request starts afresh

    assert 'data-testid="mapping-form"' in client.get(location).get_data(as_text=True)


def test_a_preview_that_outlasts_an_import_jobs_time_fails_the_run_with_the_reason(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, supplier_member)
    location = upload(client, OWN_COLUMNS, "prices.csv").headers["Location"]
    # The parser process gets what an import job gets; none can open a file in a millisecond.
    monkeypatch.setitem(app.config, "JOB_TIMEOUT", 0.001)

    work_once(app)

    run = db_session.scalars(select(ImportRun)).one()
    db_session.refresh(run)
    assert run.status == ImportStatus.FAILED and "longer than 0.001 seconds" in (run.error or "")
    page = client.get(location, follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="run-error"' in page and "within the limits of an import" in page


def test_a_mapping_with_neither_an_id_nor_a_name_column_is_refused(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User
) -> None:
    login(client, supplier_member)
    location = upload(client, OWN_COLUMNS, "prices.csv").headers["Location"]
    work_once(app)

    # With a name column and no id column, ids are made from names (test_portal_column_mapping).
    response = client.post(location, data={"col_0": "", "col_1": "", "col_2": "price", "col_3": ""})

    assert response.status_code == 400
    assert "Choose the column that holds your offer id (sku) or" in response.get_data(as_text=True)
    assert db_session.scalars(select(SupplierColumnMapping)).all() == []


def test_a_header_less_csv_asks_for_a_mapping_by_position(
    app: Flask, client: FlaskClient, supplier_member: User
) -> None:
    login(client, supplier_member)
    rows = "".join(f"MOPAR;68{i:06d}AA;{100 + i},00;{i % 4};Фільтр масляний {i}\r\n" for i in range(12)).encode()

    location = upload(client, rows, "avtopro.csv").headers["Location"]
    work_once(app)

    page = client.get(location).get_data(as_text=True)
    # Each column shows its first values under its name.
    assert location.endswith("/mapping") and "Column 1" in page and "Фільтр масляний 2" in page


def test_a_dry_run_shows_the_diff_and_publishes_nothing(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    upload(client, yml_feed(FIVE), "full.xml")
    work_once(app)
    changed = yml_feed([yml_offer("P1", "300"), *FIVE[1:4], yml_offer("P9", "900")])

    location = upload(client, changed, "next.xml", dry_run="y").headers["Location"]
    work_once(app)

    html = client.get(location).get_data(as_text=True)
    assert 'data-testid="run-dry-run"' in html and 'data-testid="run-diff"' in html
    assert 'data-testid="diff-new"' in html and "P9" in html
    assert 'data-testid="diff-withdrawn"' in html and "P5" in html
    assert 'data-testid="diff-price-moves"' in html and "+200.0" in html
    offers = offers_of(db_session, supplier)
    assert "P9" not in offers and offers["P5"].status == OfferStatus.ACTIVE and offers["P1"].price == 100


def test_a_partial_update_is_labelled_and_withdraws_nothing(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    upload(client, yml_feed(FIVE), "full.xml")
    work_once(app)

    location = upload(client, update_feed([("P1", "120", 3)]), "update.xml").headers["Location"]
    work_once(app)

    assert 'data-testid="run-partial"' in client.get(location).get_data(as_text=True)
    assert sum(o.status == OfferStatus.ACTIVE for o in offers_of(db_session, supplier).values()) == 5
    assert "update" in client.get("/portal/").get_data(as_text=True)


def test_the_run_page_shows_rows_processed_while_running(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    location = upload(client, yml_feed(FIVE), "full.xml").headers["Location"]
    run = db_session.scalars(select(ImportRun)).one()
    run.status = ImportStatus.RUNNING  # as the worker's claim leaves it
    db_session.commit()
    progress_writer(file_store(app), run.id)(1500)

    html = client.get(location).get_data(as_text=True)

    assert '<meta http-equiv="refresh"' in html
    assert "1500 rows processed so far" in html


@pytest.mark.parametrize("app_overrides", [{"MAX_CONTENT_LENGTH": 10_000}])
def test_an_upload_over_the_limit_gets_a_clear_413_page(
    client: FlaskClient, db_session: Session, supplier_member: User, app_overrides: dict[str, Any]
) -> None:
    login(client, supplier_member)

    response = upload(client, b"x" * 50_000, "huge.xml")

    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The file is too large" in html and "catalog is unchanged" in html
    assert db_session.scalars(select(ImportRun)).all() == []


def test_a_supplier_registers_a_feed_url_and_removes_it(
    client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)

    response = client.post(
        "/portal/feeds", data={"url": "https://kitchen-pro.example/yml.xml", "interval_hours": "6", "mode": "auto"}
    )

    assert response.status_code == 302
    source = db_session.scalars(select(FeedSource)).one()
    assert (source.supplier_id, source.interval_hours, source.next_fetch_at) == (supplier.id, 6, None)
    assert "kitchen-pro.example/yml.xml" in client.get("/portal/").get_data(as_text=True)
    bad = client.post("/portal/feeds", data={"url": "ftp://x.example/f", "interval_hours": "6", "mode": "auto"})
    assert bad.status_code == 400
    assert client.post(f"/portal/feeds/{source.id}/remove").status_code == 302
    assert db_session.scalars(select(FeedSource)).all() == []


def test_another_suppliers_feed_cannot_be_touched(
    client: FlaskClient, db_session: Session, supplier_member: User
) -> None:
    from marketplace.imports.feeds import add_feed_source

    rival = factories.supplier(db_session, "rival")
    source = add_feed_source(db_session, rival, "https://rival.example/feed.xml")
    db_session.commit()
    login(client, supplier_member)

    assert client.post(f"/portal/feeds/{source.id}/remove").status_code == 404
    assert client.post(f"/portal/feeds/{source.id}/fetch").status_code == 404


def test_the_cli_imports_with_dry_run_and_partial(
    runner: Any, db_session: Session, supplier: Supplier, tmp_path: Any
) -> None:
    full, update = tmp_path / "full.xml", tmp_path / "update.xml"
    full.write_bytes(yml_feed(FIVE))
    update.write_bytes(yml_feed([yml_offer("P1", "180")]))

    dry = runner.invoke(args=["feeds", "import", supplier.slug, str(full), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was published." in dry.output and "New (5):" in dry.output
    assert offers_of(db_session, supplier) == {}

    assert runner.invoke(args=["feeds", "import", supplier.slug, str(full)]).exit_code == 0
    partial = runner.invoke(args=["feeds", "import", supplier.slug, str(update), "--partial", "--json"])
    assert partial.exit_code == 0, partial.output
    assert '"partial": true' in partial.output and '"withdrawn": 0' in partial.output
    offers = offers_of(db_session, supplier)
    assert offers["P1"].price == 180 and all(o.status == OfferStatus.ACTIVE for o in offers.values())
