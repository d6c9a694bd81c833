"""The withdrawal guard: a full list that would hide most of a catalog waits for the supplier's confirmation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.files.store import file_store
from marketplace.imports.feeds import add_feed_source
from marketplace.imports.options import ImportMode
from marketplace.imports.uploads import NotHeld, confirm_withdrawal, queue_import
from marketplace.notifications.models import Notification, OutboxMail
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from marketplace.worker import work_once
from tests.support.feed_server import running_feed_server
from tests.support.feeds import catalog, run_import, yml_feed, yml_offer

TWENTY = [yml_offer(f"P{i}", str(100 + i)) for i in range(1, 21)]


def live(session: Session, supplier: Supplier) -> set[str]:
    return {sku for sku, (_price, status, _available) in catalog(session, supplier).items() if status == "active"}


@pytest.fixture
def twenty(db_session: Session, supplier: Supplier) -> Supplier:
    first = run_import(db_session, supplier, yml_feed(TWENTY))
    assert first.status == ImportStatus.SUCCEEDED and first.created == 20
    return supplier


def test_a_tiny_full_list_is_held_and_changes_nothing(db_session: Session, twenty: Supplier) -> None:
    run = run_import(db_session, twenty, yml_feed([*TWENTY[:3], yml_offer("NEW-1", "5")]))

    assert run.status == ImportStatus.HELD
    assert run.report["withdraw_guard"] == {"withdraw": 17, "live": 20, "percent": 85.0, "threshold": 50.0}
    assert run.withdrawn == 17
    assert run.report["diff"]["counts"]["withdrawn"] == 17 and len(run.report["diff"]["withdrawn"]) == 17
    # The previous catalog, whole: nothing withdrawn, nothing new.
    assert live(db_session, twenty) == {f"P{i}" for i in range(1, 21)}


def test_rows_without_a_price_or_with_an_unknown_currency_count_as_withdrawn(
    db_session: Session, twenty: Supplier
) -> None:
    rows = [*TWENTY[:2]]
    rows += [yml_offer(f"P{i}", "") for i in range(3, 12)]
    rows += [yml_offer(f"P{i}", "10").replace("UAH", "XTS") for i in range(12, 21)]

    run = run_import(db_session, twenty, yml_feed(rows))

    assert run.status == ImportStatus.HELD, run.error
    assert run.report["withdraw_guard"]["withdraw"] == 18
    assert len(live(db_session, twenty)) == 20


def test_a_confirmed_import_withdraws(db_session: Session, twenty: Supplier) -> None:
    run = run_import(db_session, twenty, yml_feed(TWENTY[:3]), confirm_withdraw=True)

    assert run.status == ImportStatus.SUCCEEDED and run.withdrawn == 17
    assert run.withdraw_confirmed is True
    assert live(db_session, twenty) == {"P1", "P2", "P3"}


def test_up_to_the_threshold_nothing_is_asked(db_session: Session, twenty: Supplier) -> None:
    run = run_import(db_session, twenty, yml_feed(TWENTY[:10]))

    assert run.status == ImportStatus.SUCCEEDED and run.withdrawn == 10


def test_the_threshold_is_configurable(db_session: Session, twenty: Supplier) -> None:
    run = run_import(db_session, twenty, yml_feed(TWENTY[:17]), withdraw_guard_percent=Decimal(10))

    assert run.status == ImportStatus.HELD and run.report["withdraw_guard"]["withdraw"] == 3


def test_a_dry_run_reports_the_withdrawal_without_asking(db_session: Session, twenty: Supplier) -> None:
    run = run_import(db_session, twenty, yml_feed(TWENTY[:3]), dry_run=True)

    assert run.status == ImportStatus.SUCCEEDED and run.withdrawn == 17
    assert "withdraw_guard" not in run.report
    assert len(live(db_session, twenty)) == 20


def test_a_first_import_and_a_partial_update_are_never_held(db_session: Session, supplier: Supplier) -> None:
    assert run_import(db_session, supplier, yml_feed(TWENTY[:2])).status == ImportStatus.SUCCEEDED
    partial = run_import(db_session, supplier, yml_feed(TWENTY[:1]), mode=ImportMode.PARTIAL)
    assert partial.status == ImportStatus.SUCCEEDED


def queue(app: Flask, session: Session, supplier: Supplier, data: bytes, **kwargs: Any) -> ImportRun:
    run = queue_import(session, supplier, data, filename="feed.xml", files=file_store(app), **kwargs)
    session.commit()
    return run


def test_a_held_upload_keeps_its_file_and_a_confirmation_applies_it(
    app: Flask, db_session: Session, twenty: Supplier
) -> None:
    db_session.commit()
    run = queue(app, db_session, twenty, yml_feed(TWENTY[:2]))
    work_once(app)
    db_session.expire_all()
    assert run.status == ImportStatus.HELD
    assert file_store(app).exists(db_session, run.source_path or "")

    confirm_withdrawal(db_session, run, files=file_store(app))
    db_session.commit()
    assert run.status == ImportStatus.QUEUED
    work_once(app)

    db_session.expire_all()
    assert run.status == ImportStatus.SUCCEEDED and run.withdrawn == 18, run.error
    assert live(db_session, twenty) == {"P1", "P2"}
    with pytest.raises(NotHeld):
        confirm_withdrawal(db_session, run, files=file_store(app))


def test_the_guard_follows_the_configuration(app: Flask, db_session: Session, twenty: Supplier) -> None:
    app.config["WITHDRAW_GUARD_PERCENT"] = 100
    db_session.commit()
    run = queue(app, db_session, twenty, yml_feed(TWENTY[:2]))
    work_once(app)

    db_session.expire_all()
    assert run.status == ImportStatus.SUCCEEDED and run.withdrawn == 18


@pytest.fixture
def feed_app(app: Flask) -> Flask:
    app.config.update(FEED_ALLOW_PRIVATE=True, FEED_READ_TIMEOUT=5, FEED_CONNECT_TIMEOUT=5)
    return app


def test_a_scheduled_fetch_is_held_and_the_supplier_told(
    feed_app: Flask, db_session: Session, twenty: Supplier, supplier_member: Any, tmp_path: Path
) -> None:
    with running_feed_server() as server:
        server.serve_bytes("/price.xml", yml_feed(TWENTY[:1]))
        source = add_feed_source(db_session, twenty, server.url("/price.xml"))
        db_session.commit()
        work_once(feed_app)

    db_session.expire_all()
    run = db_session.scalars(select(ImportRun).where(ImportRun.feed_source_id == source.id)).one()
    assert run.status == ImportStatus.HELD and run.report["withdraw_guard"]["withdraw"] == 19
    assert len(live(db_session, twenty)) == 20
    assert source.etag is None and source.last_status and "confirm" in source.last_status
    note = db_session.scalars(select(Notification).where(Notification.user_id == supplier_member.id)).one()
    assert note.kind == "import.held" and note.link == f"/portal/imports/{run.id}"
    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == supplier_member.email)).one()
    assert "19" in mail.body and "20" in mail.body and mail.link == f"/portal/imports/{run.id}"
    assert file_store(feed_app).exists(db_session, run.source_path or "")
