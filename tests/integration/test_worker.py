"""One worker pass: a failing index update holds up nothing else the worker does."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.models import RequestStatus
from marketplace.buyer_requests.publishing import publish_request
from marketplace.changes.outbox import pending_changes
from marketplace.imports.run import import_feed
from marketplace.search.index_runtime import get_index
from marketplace.suppliers.models import Supplier
from marketplace.worker import work_once
from search_index.index import LOCK_FILE
from tests.support.paths import FIXTURES


def test_requests_expire_while_another_writer_holds_the_index(
    app: Flask, db_session: Session, buyer: User, supplier: Supplier, caplog: pytest.LogCaptureFixture
) -> None:
    run = import_feed(
        db_session, supplier, (FIXTURES / "feeds" / "kitchen.yml").read_bytes(), filename="kitchen.yml",
        base_currency="UAH", rates=app.config["CURRENCY_RATES"],
    )  # fmt: skip
    assert run.status == "succeeded", run.error
    last_week = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    overdue = publish_request(
        db_session, buyer, title="Overdue", items=[ItemInput("kettle", Decimal(1))],
        deadline=last_week.date(), now=last_week,
    )  # fmt: skip
    db_session.commit()
    waiting = pending_changes(db_session)
    assert waiting > 0

    index = get_index(app)
    index.ensure()
    index.lock_timeout = 0.2
    fd = os.open(index.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a second writer process would
        done = work_once(app)
    finally:
        os.close(fd)

    assert done.indexed == 0
    assert any("locked by another writer" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    db_session.expire_all()
    assert overdue.status == RequestStatus.EXPIRED
    assert pending_changes(db_session) == waiting, "the changes wait for the next pass"

    index.lock_timeout = 10
    assert work_once(app).indexed == waiting
    assert pending_changes(db_session) == 0
