"""A worker process killed in the middle of an import: buyers keep the previous catalog, whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.config import as_environment
from marketplace.db import database
from marketplace.files.store import file_store
from marketplace.imports.jobs import INTERRUPTED_MESSAGE
from marketplace.imports.progress import read_progress
from marketplace.imports.run import import_feed
from marketplace.imports.uploads import queue_import
from marketplace.jobs.models import Job, JobStatus
from marketplace.suppliers.models import ImportRun, ImportStatus
from marketplace.suppliers.services import add_supplier
from marketplace.worker import work_once
from tests.support.app import app_config
from tests.support.database import migrate, side_database
from tests.support.feeds import yml_feed, yml_offer

pytestmark = pytest.mark.slow


def active_catalog(session: Session) -> dict[str, Decimal]:
    session.rollback()  # a fresh snapshot: what a buyer's request would read now
    return {o.supplier_sku: o.price for o in session.scalars(select(Offer).where(Offer.status == OfferStatus.ACTIVE))}


def test_killing_the_worker_mid_import_keeps_the_catalog_and_the_next_worker_fails_the_run(tmp_path: Path) -> None:
    with side_database(tmp_path, "jobs") as url:
        migrate(url)
        config = app_config(tmp_path, url)
        app = create_app(config)
        with app.app_context():
            session = database(app).session()
            supplier = add_supplier(
                session, "kitchen-pro", name="Kitchen Pro", store_url="https://kitchen-pro.example/"
            )
            first = import_feed(
                session,
                supplier,
                yml_feed(yml_offer(f"OLD{i}", str(100 + i)) for i in range(50)),
                filename="first.xml",
                base_currency="UAH",
                rates={},
            )
            assert first.status == ImportStatus.SUCCEEDED
            session.commit()
            before = active_catalog(session)
            # A big replacement: long enough to be caught in the middle.
            big = yml_feed(yml_offer(f"NEW{i}", str(200 + i % 50)) for i in range(60_000))
            run = queue_import(session, supplier, big, filename="big.xml", files=file_store(app))
            session.commit()
            run_id = run.id

        worker = subprocess.Popen(
            [sys.executable, "-m", "marketplace", "worker"],
            env=os.environ | as_environment(config | {"WORKER_INTERVAL": 0.2}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while (read_progress(file_store(app), run_id) or 0) < 2000:
                assert worker.poll() is None, "the worker exited early"
                assert time.monotonic() < deadline, "the import never got going"
                time.sleep(0.02)
            # Several batches of the new catalog are written inside the open transaction.
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

        with app.app_context():
            session = database(app).session()
            try:
                killed = session.get(ImportRun, run_id)
                assert killed is not None and killed.status == ImportStatus.RUNNING
                # Nothing of the half-done import is visible.
                assert active_catalog(session) == before
                assert session.scalar(select(func.count()).select_from(Offer)) == 50

                # The next worker pass sees the dead worker's claim, fails the run and goes on working.
                work_once(app)
                session.rollback()
                killed = session.get(ImportRun, run_id)
                assert killed is not None and killed.status == ImportStatus.FAILED
                assert killed.error == INTERRUPTED_MESSAGE
                job = session.scalars(select(Job)).one()
                assert job.status == JobStatus.FAILED and str(worker.pid) in (job.error or "")
                assert active_catalog(session) == before

                again = queue_import(
                    session,
                    killed.supplier,
                    yml_feed([yml_offer("OLD1", "999")]),
                    filename="small.xml",
                    files=file_store(app),
                    mode="partial",
                )
                session.commit()
                assert work_once(app).imports == 1
                session.rollback()
                session.refresh(again)
                assert again.status == ImportStatus.SUCCEEDED
                assert active_catalog(session)["OLD1"] == Decimal("999.00")
            finally:
                session.close()
                database(app).dispose()
