"""A large file is parsed in a child process; the import comes out exactly as when parsed here."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from marketplace.imports import write
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from marketplace.suppliers.services import add_supplier
from supplier_feeds.digests import HeldRows
from tests.support.feeds import catalog, run_import, update_feed, yml_feed, yml_offer

BAD_BARCODE = "<barcode>4006381333932</barcode>"  # wrong check digit: a warning
ROWS = [yml_offer(f"P{i}", str(100 + i), extra=BAD_BARCODE if i % 9 == 0 else "") for i in range(1200)] + [
    yml_offer("P3", "5")
]  # a duplicate id: an error


def import_file(session: Session, supplier: Supplier, path: Path, **options: Any) -> ImportRun:
    """Import the file at ``path`` as the worker does (an open file), in the child from 0 bytes on."""
    with open(path, "rb") as fh:
        return run_import(session, supplier, fh, parse_in_child_from=0, **options)


def no_parser_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name == "feed-parser"]


def outcome(run: ImportRun) -> tuple[Any, ...]:
    return (run.status, run.rows_read, run.created, run.updated, run.unchanged, run.withdrawn, run.report)


def test_the_child_parser_imports_and_reimports_as_the_inline_one(
    db_session: Session, supplier: Supplier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[int] = []
    held_rows = write.OfferWriter.held_rows

    def recording(writer: write.OfferWriter) -> HeldRows:
        held = held_rows(writer)
        handed.append(len(held.stored))
        return held

    monkeypatch.setattr(write.OfferWriter, "held_rows", recording)
    other = add_supplier(db_session, "other-shop", name="Other", store_url="https://kitchen-pro.example/")
    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    first.write_bytes(yml_feed(ROWS))
    second.write_bytes(yml_feed([*ROWS[:500], yml_offer("P500", "999"), *ROWS[502:]]))

    there = [import_file(db_session, supplier, first), import_file(db_session, supplier, second)]
    here = [run_import(db_session, other, path.read_bytes()) for path in (first, second)]

    assert [run.status for run in there] == [ImportStatus.SUCCEEDED] * 2
    # Each re-import handed the parser the digests of the 1,200 offers it held.
    assert handed == [1200, 1200]
    assert (there[1].updated, there[1].withdrawn, there[1].unchanged) == (1, 1, 1198)
    assert [outcome(run)[1:6] for run in there] == [outcome(run)[1:6] for run in here]
    assert [run.report for run in there] == [run.report for run in here]
    assert there[1].report["counts"] == {"invalid_gtin": 134, "duplicate_sku": 1}
    assert catalog(db_session, supplier) == catalog(db_session, other)
    assert no_parser_left()


def test_a_broken_file_fails_the_same_way_and_keeps_the_catalog(
    db_session: Session, supplier: Supplier, tmp_path: Path
) -> None:
    run_import(db_session, supplier, yml_feed(ROWS[:10]))
    before = catalog(db_session, supplier)
    cut = tmp_path / "cut.xml"
    cut.write_bytes(yml_feed(ROWS)[:-5000])

    run = import_file(db_session, supplier, cut)

    assert run.status == ImportStatus.FAILED
    assert run.error and "broken" in run.error
    assert run.report["counts"]["malformed_xml"] == 1
    assert catalog(db_session, supplier) == before
    assert no_parser_left()


def test_an_import_that_stops_reading_stops_the_child(db_session: Session, supplier: Supplier, tmp_path: Path) -> None:
    run_import(db_session, supplier, yml_feed(ROWS[:10]))
    before = catalog(db_session, supplier)
    update = tmp_path / "update.xml"
    update.write_bytes(update_feed([(f"P{i}", "150", 4) for i in range(2000)]))

    # The import gives up at the first update row: an update cannot replace a catalog.
    run = import_file(db_session, supplier, update, mode="full")

    assert run.status == ImportStatus.FAILED and run.error and "partial" in run.error
    assert catalog(db_session, supplier) == before
    assert no_parser_left()
