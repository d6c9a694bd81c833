"""Apps of a test's own on a database that really commits, as the worker and web processes run.

The shared ``app`` fixture keeps each test in one rolled-back transaction, which other
threads and processes cannot see; tests of concurrency build their apps with these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from lxml import etree

from marketplace import create_app
from marketplace.db import database
from marketplace.imports.run import import_feed
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import add_supplier
from tests.support.app import app_config


@contextmanager
def committed_app(folder: Path, database_url: str, **overrides: Any) -> Iterator[Flask]:
    """Yield an app on ``database_url`` (already migrated) with its files in ``folder``; close it after."""
    app = create_app(app_config(folder, database_url, **overrides))
    try:
        yield app
    finally:
        get_index(app).close()
        database(app).dispose()


def boiler_feed(round_: int, count: int) -> bytes:
    """Return a YML price list of ``count`` boilers whose prices move every round."""
    root = etree.Element("yml_catalog", date="2026-11-01 10:00")
    shop = etree.SubElement(root, "shop")
    etree.SubElement(shop, "name").text = "Teplo"
    etree.SubElement(shop, "url").text = "https://teplo.example/"
    currencies = etree.SubElement(shop, "currencies")
    etree.SubElement(currencies, "currency", id="UAH", rate="1")
    offers = etree.SubElement(shop, "offers")
    for n in range(count):
        offer = etree.SubElement(offers, "offer", id=f"B-{n}", available="true")
        etree.SubElement(offer, "url").text = f"https://teplo.example/b/{n}"
        etree.SubElement(offer, "price").text = str(10_000 + n * 10 + round_)
        etree.SubElement(offer, "currencyId").text = "UAH"
        etree.SubElement(offer, "vendor").text = "Navien" if n % 2 else "Baxi"
        etree.SubElement(offer, "vendorCode").text = f"GA-{n}K"
        etree.SubElement(offer, "name").text = f"Котел газовый настенный {'Navien' if n % 2 else 'Baxi'} GA-{n}K"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def import_round(app: Flask, round_: int, count: int) -> None:
    """Import one price list through the real service, commit, then sync the index (the worker's job)."""
    with app.app_context():
        session = database(app).session()
        try:
            supplier = session.query(Supplier).filter_by(slug="teplo").one_or_none() or add_supplier(
                session, "teplo", name="Teplo", store_url="https://teplo.example/"
            )
            run = import_feed(
                session, supplier, boiler_feed(round_, count), filename="teplo.yml",
                base_currency="UAH", rates={"UAH": Decimal(1)},
            )  # fmt: skip
            assert run.status == "succeeded", run.error
            session.commit()
            sync_index(session, get_index(app))
        finally:
            session.close()
