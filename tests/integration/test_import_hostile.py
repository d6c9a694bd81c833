"""Hostile price lists through the real import service and worker.

Each must end with a clear entry in the run's report, the previous catalog intact, and the
worker alive for the next job.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, OfferStatus
from marketplace.files.store import file_store
from marketplace.imports.uploads import queue_import
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from marketplace.worker import work_once
from tests.support.feed_server import FeedServer
from tests.support.feeds import FIVE, run_import, yml_feed, yml_offer
from tests.support.hostile_xml import BILLION_LAUGHS
from tests.support.paths import FIXTURES


def external_entity(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog [<!ENTITY xxe SYSTEM "{target}">]>
<yml_catalog><shop><offers><offer id="X1"><name>&xxe;</name><price>10</price>
<url>https://x.example/1</url></offer></offers></shop></yml_catalog>""".encode()


def xlsx_bomb() -> bytes:
    """A workbook whose one sheet unpacks from ~200 KB to 200 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        workbook.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with workbook.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1 << 20)
            for _ in range(200):
                sheet.write(chunk)
    return out.getvalue()


def wrong_encoding() -> bytes:
    # Declared UTF-8, written in cp1251 by a 1C export.
    return (
        '<?xml version="1.0" encoding="UTF-8"?><yml_catalog><shop><offers>'
        '<offer id="W1"><name>Сковорода чавунна</name><price>10</price><url>https://x.example/w</url></offer>'
        "</offers></shop></yml_catalog>"
    ).encode("cp1251")


WHOLE_FILE_FAILURES: dict[str, Callable[[], bytes]] = {
    "billion laughs": lambda: BILLION_LAUGHS,
    "external entity, local file": lambda: external_entity("file:///etc/passwd"),
    "external entity, URL": lambda: external_entity("http://169.254.169.254/latest/meta-data/"),
    "zip bomb in xlsx": xlsx_bomb,
    "truncated file": lambda: yml_feed(FIVE)[:-120],
    "binary garbage": lambda: (FIXTURES / "feeds" / "garbage.bin").read_bytes(),
    "random bytes": lambda: bytes(range(256)) * 40,
    "wrong encoding": wrong_encoding,
    "empty file": lambda: b"",
    "deeply nested JSON": lambda: b'{"offers": ' + b"[" * 3000 + b"]" * 3000 + b"}",
}


def visible(session: Session, supplier: Supplier) -> dict[str, tuple[Decimal, str]]:
    session.expire_all()
    return {
        o.supplier_sku: (o.price, o.title)
        for o in session.scalars(
            select(Offer).where(Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE)
        )
    }


@pytest.fixture
def stocked_supplier(db_session: Session, supplier: Supplier) -> Iterator[Supplier]:
    assert run_import(db_session, supplier, yml_feed(FIVE)).status == ImportStatus.SUCCEEDED
    yield supplier


@pytest.mark.parametrize("name", list(WHOLE_FILE_FAILURES))
def test_a_hostile_file_fails_whole_with_a_reason_and_keeps_the_catalog(
    name: str, db_session: Session, stocked_supplier: Supplier
) -> None:
    before = visible(db_session, stocked_supplier)

    run = run_import(db_session, stocked_supplier, WHOLE_FILE_FAILURES[name]())

    assert run.status == ImportStatus.FAILED, name
    assert run.error and len(run.error) > 10, run.error
    assert run.report["counts"], "the report names the code of the failure"
    assert "internal_error" not in run.report["counts"], f"{name} crashed the import: {run.error}"
    assert visible(db_session, stocked_supplier) == before


def test_deeply_nested_json_is_refused_by_its_depth(db_session: Session, stocked_supplier: Supplier) -> None:
    run = run_import(db_session, stocked_supplier, b"[" * 3000 + b"]" * 3000)

    assert run.status == ImportStatus.FAILED
    assert run.report["counts"] == {"malformed_json": 1}
    assert "nested deeper than 64 levels" in (run.error or "")


def test_entities_are_never_expanded_into_offers(db_session: Session, stocked_supplier: Supplier) -> None:
    for data in (BILLION_LAUGHS, external_entity("file:///etc/passwd")):
        run = run_import(db_session, stocked_supplier, data)
        # The same verdict on every libxml2: 2.14 stops the laughs itself, older ones leave it to us.
        assert run.report["counts"] == {"unsafe_xml": 1}, f"libxml2 {etree.LIBXML_VERSION}: {run.error}"
    titles = " ".join(title for _price, title in visible(db_session, stocked_supplier).values())
    assert "lollol" not in titles and "root:" not in titles


ABSURD = [
    yml_offer("NEG", "-5"),
    yml_offer("NAN", "NaN"),
    yml_offer("INF", "Infinity"),
    yml_offer("HUGE", "1e30"),
    yml_offer("BIG", "100000000000000000000"),
    yml_offer("LONG", "120", name="Сковорода " + "дуже довга назва " * 6000),
    yml_offer("OK", "99.50"),
]


def test_absurd_values_are_rejected_row_by_row(db_session: Session, stocked_supplier: Supplier) -> None:
    run = run_import(db_session, stocked_supplier, yml_feed([*FIVE, *ABSURD]))

    assert run.status == ImportStatus.SUCCEEDED, run.error
    rejected = {p["sku"]: p["code"] for p in run.report["problems"] if p["severity"] == "error"}
    assert set(rejected) == {"NEG", "NAN", "INF", "HUGE", "BIG"}
    assert set(rejected.values()) == {"invalid_price"}
    offers = visible(db_session, stocked_supplier)
    assert offers["OK"][0] == Decimal("99.50")
    # A 100 KB title is cut to what the column holds, with a warning, never a database error.
    assert 0 < len(offers["LONG"][1]) <= 1000
    assert any(p["sku"] == "LONG" and p["severity"] == "warning" for p in run.report["problems"])
    assert {f"P{i}" for i in range(1, 6)} <= set(offers)


def test_formula_injection_never_reaches_the_catalog(db_session: Session, stocked_supplier: Supplier) -> None:
    csv = (
        b"sku;name;price;url\r\n"
        b'F1;=HYPERLINK("http://evil.example","click");100;https://kitchen-pro.example/f1\r\n'
        b"F2;+cmd|' /C calc'!A0;200;https://kitchen-pro.example/f2\r\n"
        b"F3;@SUM(1+1)*cmd|' /C calc'!A0;300;https://kitchen-pro.example/f3\r\n"
        b"F4;-2+3+cmd|' /C calc'!A0;400;https://kitchen-pro.example/f4\r\n"
        b"F5;Ordinary pan;500;https://kitchen-pro.example/f5\r\n"
    )

    # The file replaces all five offers: confirmed, or the withdrawal guard would hold it.
    run = run_import(db_session, stocked_supplier, csv, confirm_withdraw=True)

    assert run.status == ImportStatus.SUCCEEDED, run.error
    stored = {o.supplier_sku: o.title for o in db_session.scalars(select(Offer).where(Offer.supplier_sku.like("F%")))}
    assert stored["F5"] == "Ordinary pan"
    assert all(not title.startswith(("=", "+", "-", "@")) for title in stored.values()), stored
    # Whatever was cleaned or refused is in the report.
    assert {p["sku"] for p in run.report["problems"]} >= set(stored) - {"F5"} | ({"F1", "F2", "F3", "F4"} - set(stored))


def test_the_worker_survives_every_hostile_upload_and_runs_the_next_good_one(
    app: Flask, db_session: Session, stocked_supplier: Supplier
) -> None:
    before = visible(db_session, stocked_supplier)
    runs = []
    for name, make in WHOLE_FILE_FAILURES.items():
        data = make() or b" "
        runs.append(queue_import(db_session, stocked_supplier, data, filename=f"{name}.xml", files=file_store(app)))
    good = queue_import(
        db_session,
        stocked_supplier,
        yml_feed([*FIVE, yml_offer("P6", "600")]),
        filename="good.xml",
        files=file_store(app),
    )
    db_session.commit()

    done = work_once(app, max_jobs=len(runs) + 1)

    assert done.imports == len(runs) + 1
    db_session.expire_all()
    assert all(r.status == ImportStatus.FAILED and r.error for r in runs)
    assert good.status == ImportStatus.SUCCEEDED
    after = visible(db_session, stocked_supplier)
    assert after.pop("P6")[0] == Decimal("600.00") and after == before


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if "feed_server" in request.fixturenames:
        return {"FEED_ALLOW_PRIVATE": True, "FEED_MAX_BYTES": 50_000}
    return {}


def test_a_feed_url_over_the_size_cap_is_stopped_and_the_catalog_kept(
    app: Flask, db_session: Session, stocked_supplier: Supplier, feed_server: FeedServer
) -> None:
    from marketplace.imports.feeds import add_feed_source

    before = visible(db_session, stocked_supplier)
    feed_server.serve_bytes("/huge.xml", yml_feed(yml_offer(f"H{i}", "10") for i in range(2000)), gzip_it=True)
    add_feed_source(db_session, stocked_supplier, feed_server.url("/huge.xml"))
    db_session.commit()

    work_once(app)

    db_session.expire_all()
    run = db_session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert run is not None and run.status == ImportStatus.FAILED
    assert run.report["counts"] == {"fetch_too_large": 1} and "MB" in (run.error or "")
    assert visible(db_session, stocked_supplier) == before
