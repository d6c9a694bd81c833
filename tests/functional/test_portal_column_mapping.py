"""The portal's mapping page for a Prom.ua sheet and a small CSV: the suggestion saves as it is,
every problem shows at once, the columns that matter come first, and the CLI decides alike."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier, SupplierColumnMapping
from marketplace.worker import work_once
from tests.support.accounts import login
from tests.support.feeds import offers_of, update_feed
from tests.support.prom_sheet import FILLERS, HEADERS, prom_sheet

#: A supplier's own CSV of five columns: "Шифр" and "Склад" are names we do not know.
SMALL_CSV = (
    "Шифр;Товар;Вартість;Склад;Примітка\r\n"
    "A-1;Сковорода чавунна 24 см;1200;5;\r\n"
    "A-2;Каструля 3 л;950,50;0;під замовлення\r\n"
).encode()
OFFER_IDS = ["103063638", "103811625", "103811626", "2800682148"]


def upload(client: FlaskClient, data: bytes, name: str) -> str:
    response = client.post(
        "/portal/upload",
        data={"feed": (io.BytesIO(data), name), "mode": "auto"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"])


def selected(page: str) -> dict[str, str]:
    """Return {select name: selected value} of the mapping page, as a browser would post it."""
    chosen = {}
    for name, body in re.findall(r'<select[^>]*name="(col_\d+)"[^>]*>(.*?)</select>', page, re.S):
        found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        chosen[name] = next((g for g in found.groups() if g is not None), "") if found else ""
    return chosen


def mapping_page(app: Flask, client: FlaskClient, data: bytes, name: str) -> tuple[str, str]:
    location = upload(client, data, name)
    assert location.endswith("/mapping")
    work_once(app)  # the worker reads the first rows
    return location, client.get(location).get_data(as_text=True)


def finished(db_session: Session, run_id: int | None = None) -> ImportRun:
    db_session.expire_all()
    runs = db_session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    run = runs[-1] if run_id is None else next(r for r in runs if r.id == run_id)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    return run


def problem_codes(run: ImportRun) -> set[str]:
    report: dict[str, Any] = run.report or {}
    return set(report.get("counts", {})) | {p.get("code") for p in report.get("problems", [])}


def test_the_suggested_mapping_of_a_prom_sheet_saves_and_later_prom_updates_find_the_offers(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    login(client, supplier_member)
    location, page = mapping_page(app, client, prom_sheet(), "export-products.xlsx")

    chosen = selected(page)
    assert len(chosen) == len(HEADERS) + len(FILLERS)
    column = {header: f"col_{i}" for i, header in enumerate(HEADERS)}
    assert chosen[column["Ідентифікатор_товару"]] == "sku"
    assert chosen[column["Унікальний_ідентифікатор"]] == "sku_fallback"
    assert list(chosen.values()).count("sku") == 1 and list(chosen.values()).count("mpn") == 1

    saved = client.post(location, data=chosen)  # the supplier accepts the suggestion as it is
    assert saved.status_code == 302, saved.get_data(as_text=True)
    work_once(app)
    finished(db_session)
    assert sorted(offers_of(db_session, supplier)) == sorted(OFFER_IDS)

    # Prom's price and stock update names the offers by Ідентифікатор_товару.
    upload(client, update_feed([("103063638", "8100", 2), ("103811625", None, 0)]), "prom-update.yml.xml")
    work_once(app)
    update = finished(db_session)
    assert "unknown_sku" not in problem_codes(update) and update.partial
    offers = offers_of(db_session, supplier)
    assert offers["103063638"].price == 8100 and offers["103063638"].stock_quantity == 2
    assert offers["103811625"].available is False and offers["103811626"].price == 480


def test_the_cli_imports_a_prom_sheet_by_the_same_decision(
    runner: FlaskCliRunner, db_session: Session, supplier: Supplier, tmp_path: Path
) -> None:
    sheet = tmp_path / "export-products.xlsx"
    sheet.write_bytes(prom_sheet())

    result = runner.invoke(args=["feeds", "import", supplier.slug, str(sheet)])

    assert result.exit_code == 0, result.output
    offers = offers_of(db_session, supplier)
    assert sorted(offers) == sorted(OFFER_IDS)
    assert offers["103063638"].mpn == "68596318AB"


def test_every_mapping_problem_shows_at_once_on_the_form_and_on_its_columns(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User
) -> None:
    login(client, supplier_member)
    location, page = mapping_page(app, client, SMALL_CSV, "prices.csv")
    chosen = selected(page)

    # Two columns for the offer id, and none for the price.
    response = client.post(location, data={**chosen, "col_0": "sku", "col_1": "sku", "col_2": "", "col_3": ""})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = re.findall(r'data-testid="mapping-error">([^<]*)<', html)
    assert errors == [
        "Two columns are mapped to “Offer id (sku)”; choose one.",
        "Choose the column with the price (or, for a stock update, the quantity).",
    ]
    for index in (0, 1):
        assert re.search(rf'data-testid="map-error-{index}">“Offer id \(sku\)” is chosen for another column too', html)
    assert db_session.scalars(select(SupplierColumnMapping)).all() == []


def test_mapping_problems_read_in_the_supplier_s_language(
    app: Flask, client: FlaskClient, supplier_member: User
) -> None:
    client.set_cookie("lang", "uk")  # the supplier chose Ukrainian before anything else
    login(client, supplier_member)
    location, _ = mapping_page(app, client, SMALL_CSV, "prices.csv")

    response = client.post(location, data={"col_0": "sku", "col_1": "sku", "col_2": "title"})

    html = response.get_data(as_text=True)
    assert response.status_code == 400 and '<html lang="uk">' in html
    assert "Два стовпці зіставлено з «ID пропозиції (артикул)»; виберіть один." in html
    assert "Виберіть стовпець із ціною" in html


def test_a_wide_sheet_shows_the_mapped_columns_first_and_folds_the_rest(
    app: Flask, client: FlaskClient, supplier_member: User
) -> None:
    login(client, supplier_member)
    _, page = mapping_page(app, client, prom_sheet(), "export-products.xlsx")

    first = page[page.index('data-testid="mapping-first"') : page.index('data-testid="mapping-other"')]
    other = page[page.index('data-testid="mapping-other"') :]
    rows = [int(i) for i in re.findall(r'data-testid="map-row-(\d+)"', first)]
    # The offer id, then its fallback, the name, the price...; filler columns are folded away.
    assert rows[:3] == [HEADERS.index("Ідентифікатор_товару"), HEADERS.index("Унікальний_ідентифікатор"), 1]
    assert not {f'map-row-{len(HEADERS) + i}"' for i in range(len(FILLERS))} & set(re.findall(r'map-row-\d+"', first))
    assert '<details class="colmap-other" data-testid="mapping-other">' in page
    assert f"Other {len(FILLERS) + 1} columns, not imported" in other  # the fillers and the MPN column
    # A sample value under each column's name.
    sample = page[page.index(f'data-testid="map-sample-{HEADERS.index("Ідентифікатор_товару")}"') :]
    assert sample.index("103063638") < sample.index("</ul>")


def test_a_small_csv_shows_every_column_open_with_the_name_first_among_the_unmapped(
    app: Flask, client: FlaskClient, supplier_member: User
) -> None:
    login(client, supplier_member)
    _, page = mapping_page(app, client, SMALL_CSV, "prices.csv")

    assert 'data-testid="mapping-other"' not in page and 'data-testid="mapping-rest"' in page
    first = page[page.index('data-testid="mapping-first"') : page.index('data-testid="mapping-rest"')]
    assert re.findall(r'data-testid="map-row-(\d+)"', first) == ["1", "2"]  # Товар (name), Вартість (price)
    assert "Сковорода чавунна 24 см" in first and "під замовлення" in page
    # Without an id column the names become the ids, and the page says what that costs.
    assert 'data-testid="mapping-missing"' not in page and 'data-testid="mapping-derived-ids"' in page


def test_a_list_without_ids_saves_its_mapping_and_imports_with_ids_made_from_names(
    app: Flask, client: FlaskClient, db_session: Session, supplier_member: User
) -> None:
    login(client, supplier_member)
    location, page = mapping_page(app, client, SMALL_CSV, "prices.csv")

    response = client.post(location, data=selected(page))  # the suggestion: name and price, no id

    assert response.status_code == 302, response.get_data(as_text=True)
    work_once(app)
    run = finished(db_session)
    assert "derived_sku" in problem_codes(run)
    supplier = db_session.scalars(select(Supplier)).one()
    offers = offers_of(db_session, supplier)
    assert sorted(o.title for o in offers.values()) == ["Каструля 3 л", "Сковорода чавунна 24 см"]
    assert all(sku.startswith("name-") for sku in offers)
