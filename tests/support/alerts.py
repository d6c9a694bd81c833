"""Alerts in tests: price lists imported through the worker's own import job, and the alert pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.alerts.jobs import AlertJobsDone, run_alert_jobs
from marketplace.catalog.models import Offer
from marketplace.files.store import file_store
from marketplace.imports.jobs import run_stored_import
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier

HEADER = "Артикул;Назва;Ціна;Валюта;Наявність;Категорія;Виробник;Штрихкод;Посилання"
#: An hour and a minute: past the hold time, so the pass fires what held.
LATER = dt.timedelta(minutes=61)


def price_list(rows: Iterable[tuple[str, str, str, bool]]) -> bytes:
    """Return a CSV price list of (sku, title, price, in stock) rows."""
    lines = [HEADER]
    for sku, title, price, in_stock in rows:
        stock = "В наявності" if in_stock else "Немає в наявності"
        lines.append(f"{sku};{title};{price};UAH;{stock};Drills;Bosko;;https://tools-ua.example/p/{sku.lower()}")
    return ("\n".join(lines) + "\n").encode()


def run_import(app: Flask, session: Session, supplier: Supplier, body: bytes, name: str = "tools.csv") -> ImportRun:
    """Queue a stored upload and run it as the worker does (claim, import, commit)."""
    files = file_store(app)
    stored = files.put(session, body, prefix="test")
    run = ImportRun(supplier=supplier, filename=name, status=ImportStatus.QUEUED, source_path=stored)
    session.add(run)
    session.commit()
    done = run_stored_import(session, run.id, files=files, base_currency="UAH", rates=app.config["CURRENCY_RATES"])
    assert done is not None
    return done


def alert_pass(app: Flask, session: Session, now: dt.datetime) -> AlertJobsDone:
    """Run the worker's alert step at ``now``."""
    return run_alert_jobs(session, app.config, now=now)


def product_of(session: Session, supplier: Supplier, sku: str) -> int:
    product_id = session.scalar(
        select(Offer.product_id).where(Offer.supplier_id == supplier.id, Offer.supplier_sku == sku)
    )
    assert product_id is not None, sku
    return product_id
