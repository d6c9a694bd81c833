"""An import's problems and errors speak the supplier's language, while the report keeps the codes."""

from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.imports.columns import PREVIEW_FAILED
from marketplace.imports.jobs import HELD_STATUS, INTERRUPTED_MESSAGE, MISSING_UPLOAD_MESSAGE
from marketplace.imports.lock import BUSY_MESSAGE
from marketplace.imports.messages import (
    FILE_ERROR_MESSAGES,
    PROBLEM_MESSAGES,
    STORED_MESSAGES,
    problem_text,
    run_error_text,
    stored_text,
)
from marketplace.imports.run import INTERNAL_ERROR_MESSAGE
from marketplace.suppliers.models import FeedSource, ImportRun, ImportStatus, Supplier
from tests.support.accounts import login

ROOT = Path(__file__).resolve().parents[2]
#: Where problems and file errors are made: the parsers, and the import's own checks.
SOURCES = [*sorted((ROOT / "supplier_feeds").glob("*.py")), *sorted((ROOT / "marketplace" / "imports").glob("*.py"))]
#: Calls whose first argument is a problem's or a file error's code.
MAKERS = {"RowProblem", "FeedError", "problem", "_reject"}


def produced_codes() -> tuple[set[str], set[str]]:
    """Return the codes written as literals in the sources: (row problem codes, file error codes)."""
    rows: set[str] = set()
    files: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            args = node.args[1:] if name == "_reject" else node.args
            first = args[0] if args else None
            if name in MAKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                (files if name == "FeedError" else rows).add(first.value)
    return rows, files


def test_every_code_the_sources_produce_has_a_translated_sentence() -> None:
    rows, files = produced_codes()
    assert len(rows) > 25 and len(files) > 15  # the scan sees the codes at all
    assert rows - PROBLEM_MESSAGES.keys() == set()
    assert files - FILE_ERROR_MESSAGES.keys() == set()


def test_the_stored_sentences_are_the_msgids_of_their_translations(app: Flask) -> None:
    # Stored in English; read back through the catalog, so a change to a constant must change both.
    with app.test_request_context("/"), force_locale("en"):
        for english, message in STORED_MESSAGES.items():
            assert str(message) == english
    assert {BUSY_MESSAGE, INTERRUPTED_MESSAGE, INTERNAL_ERROR_MESSAGE, MISSING_UPLOAD_MESSAGE, HELD_STATUS} <= set(
        STORED_MESSAGES
    )


def test_a_problem_is_told_from_its_code_and_value(app: Flask) -> None:
    problem = {"code": "duplicate_sku", "severity": "error", "value": "A-1", "message": "The id 'A-1' appears..."}
    with app.test_request_context("/"):
        assert problem_text(problem) == "The id “A-1” appears more than once; only the first row with this id was used."
        assert problem_text({"code": "invalid_sku", "severity": "error", "value": "x" * 300}).endswith(
            "must have 1 to 255 characters."
        )
        zero = {"code": "zero_price", "value": "0"}
        assert "not shown" in problem_text({**zero, "severity": "error"})
        assert "its stock was updated" in problem_text({**zero, "severity": "warning"})
        # A code nobody wrote a sentence for shows what was stored with it.
        assert problem_text({"code": "brand_new", "message": "Something new."}) == "Something new."


def test_a_run_error_is_told_from_its_code(app: Flask) -> None:
    with app.test_request_context("/"):
        detailed = "The XML is broken near line 3: Opening and ending tag mismatch. Export it again."
        assert run_error_text(detailed, {"invalid_gtin": 2, "malformed_xml": 1}) == str(
            FILE_ERROR_MESSAGES["malformed_xml"]
        )
        unknown = "No exchange rate is known for XYZ, so 4 offer(s) priced in it were skipped."
        assert run_error_text(unknown, {"unknown_currency": 4}) == str(FILE_ERROR_MESSAGES["unknown_currency"])
        assert run_error_text(BUSY_MESSAGE, {"import_busy": 1}) == BUSY_MESSAGE
        assert run_error_text("Something nobody named.", {}) == "Something nobody named."
        preview = PREVIEW_FAILED.format(reason="the parser ran out of time")
        assert run_error_text(preview, {}) == preview  # in English, the translation reads the same
        assert stored_text("Imported.") == "Imported." and stored_text(None) == ""


def test_the_import_page_shows_the_translated_sentences_and_keeps_the_detail(
    app: Flask, client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User
) -> None:
    run = ImportRun(
        supplier_id=supplier.id,
        filename="price.xml",
        status=ImportStatus.FAILED,
        error="The XML is broken near line 3: Opening and ending tag mismatch. Export it again.",
        report={
            "problems": [
                {"code": "invalid_gtin", "severity": "warning", "message": "The barcode '12' is not valid.",
                 "line": 2, "sku": "A-1", "field": "gtin", "value": "12"},
            ],
            "counts": {"invalid_gtin": 1, "malformed_xml": 1},
            "truncated": False,
        },
    )  # fmt: skip
    db_session.add(run)
    db_session.flush()
    login(client, supplier_member)
    with app.app_context():
        body = client.get(f"/portal/imports/{run.id}").get_data(as_text=True)
    assert "The XML is broken; the file may be cut short or hand-edited. Export it again." in body
    assert "Opening and ending tag mismatch" in body  # the parser's own words, under Details
    assert "The barcode “12” is not a valid EAN/UPC/GTIN" in body and "The barcode '12' is not valid." not in body


def test_a_feeds_last_status_is_told_from_its_newest_run(
    app: Flask, client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User
) -> None:
    stored = "The feed's host 'prices.invalid' could not be found (Name or service not known)."
    failing = FeedSource(supplier_id=supplier.id, url="https://prices.invalid/feed.xml", last_status=stored)
    fine = FeedSource(supplier_id=supplier.id, url="https://prices.example/feed.xml", last_status="Imported.")
    db_session.add_all([failing, fine])
    db_session.flush()
    for source, counts in ((failing, {"fetch_dns_failed": 1}), (fine, {})):
        report = {"problems": [], "counts": counts, "truncated": False}
        db_session.add(
            ImportRun(
                supplier_id=supplier.id, filename="feed.xml", status=ImportStatus.FAILED, feed_source_id=source.id,
                report=report,
            )
        )  # fmt: skip
    db_session.flush()
    login(client, supplier_member)
    with app.app_context():
        body = client.get("/portal/").get_data(as_text=True)
    assert str(escape(str(FILE_ERROR_MESSAGES["fetch_dns_failed"]))) in body and "Name or service not known" not in body
    assert "Imported." in body
