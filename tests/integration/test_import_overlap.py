"""One import per supplier at a time; a CLI import never dies after its commit, and leaves a run if killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.config import as_environment
from marketplace.db import make_engine
from marketplace.imports.jobs import INTERRUPTED_MESSAGE
from marketplace.imports.lock import BUSY_MESSAGE, lock_supplier_imports
from marketplace.jobs.models import Job, JobStatus
from marketplace.search.index_runtime import get_index
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from marketplace.suppliers.services import add_supplier
from marketplace.worker import work_once
from tests.support.app import app_config
from tests.support.database import migrate, side_database
from tests.support.feeds import run_import, yml_feed, yml_offer


def active_skus(session: Session, supplier_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Offer.supplier_sku).where(Offer.supplier_id == supplier_id, Offer.status == OfferStatus.ACTIVE)
        )
    )


def feed(prefix: str, count: int) -> bytes:
    return yml_feed(yml_offer(f"{prefix}{i}", str(100 + i)) for i in range(count))


def import_now(session: Session, supplier: Supplier, data: bytes) -> ImportRun:
    return run_import(session, supplier, data, confirm_withdraw=True)


@pytest.fixture
def postgres_engine(tmp_path: Path) -> Iterator[Engine]:
    """Yield an engine on a committed PostgreSQL database of the test's own; skip on SQLite.

    SQLite has one writer at a time: a second import waits for the first one's commit, and
    two imports can never overlap.
    """
    with side_database(tmp_path, "jobs") as url:
        if not url.startswith("postgresql"):
            pytest.skip("SQLite has one writer at a time: imports cannot overlap")
        migrate(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def pans_with_offers(engine: Engine, count: int) -> Supplier:
    """Commit the supplier "pans" with ``count`` offers A0, A1, ..."""
    with Session(engine, expire_on_commit=False) as setup:
        supplier = add_supplier(setup, "pans", name="Pans", store_url="https://kitchen-pro.example/")
        assert import_now(setup, supplier, feed("A", count)).status == ImportStatus.SUCCEEDED
        setup.commit()
    return supplier


@pytest.mark.slow
def test_a_second_import_of_a_supplier_is_refused_while_one_runs(postgres_engine: Engine) -> None:
    engine = postgres_engine
    supplier = pans_with_offers(engine, 5)
    with Session(engine) as holder, Session(engine, expire_on_commit=False) as second:
        assert lock_supplier_imports(holder, supplier.id)  # an import in progress
        run = import_now(second, second.get_one(Supplier, supplier.id), feed("B", 5))
        second.commit()
        assert run.status == ImportStatus.FAILED and run.error == BUSY_MESSAGE
        assert run.report["counts"] == {"import_busy": 1}
        assert active_skus(second, supplier.id) == {f"A{i}" for i in range(5)}
        holder.rollback()  # the first import ends: the lock goes with its transaction
        again = import_now(second, second.get_one(Supplier, supplier.id), feed("B", 5))
        second.commit()
        assert again.status == ImportStatus.SUCCEEDED, again.error
        assert active_skus(second, supplier.id) == {f"B{i}" for i in range(5)}


@pytest.mark.slow
def test_two_overlapping_imports_never_leave_the_union_of_both_files(postgres_engine: Engine) -> None:
    engine = postgres_engine
    supplier = pans_with_offers(engine, 50)
    files = {"X": feed("X", 1500), "Y": feed("Y", 1500)}
    runs: dict[str, tuple[str, str | None]] = {}
    start = threading.Barrier(2)

    def run(name: str) -> None:
        with Session(engine, expire_on_commit=False) as session:
            start.wait()
            done = import_now(session, session.get_one(Supplier, supplier.id), files[name])
            session.commit()
            runs[name] = (str(done.status), done.error)

    threads = [threading.Thread(target=run, args=(name,)) for name in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert set(runs) == {"X", "Y"}
    for status, error in runs.values():
        assert status == ImportStatus.SUCCEEDED or (status == ImportStatus.FAILED and error == BUSY_MESSAGE)
    with Session(engine) as check:
        active = active_skus(check, supplier.id)
    assert active in ({f"X{i}" for i in range(1500)}, {f"Y{i}" for i in range(1500)}), len(active)


def test_a_cli_import_finding_the_index_locked_says_so_without_a_traceback(
    app: Flask, runner: FlaskCliRunner, db_session: Session, supplier: Supplier, tmp_path: Path
) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(feed("P", 3))
    index = get_index(app)
    index.lock_timeout = 0.2
    other_writer = type(index)(app.config["INDEX_PATH"])  # the worker, say

    with other_writer.write_lock():
        result = runner.invoke(args=["feeds", "import", supplier.slug, str(path)])

    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert "Traceback" not in result.output and "import is saved" in result.output
    db_session.expire_all()
    assert active_skus(db_session, supplier.id) == {"P0", "P1", "P2"}


@pytest.mark.slow
def test_a_killed_cli_import_leaves_a_run_that_the_worker_fails(tmp_path: Path) -> None:
    with side_database(tmp_path, "jobs") as url:
        migrate(url)
        engine = make_engine(url)
        with Session(engine) as setup:
            add_supplier(setup, "pans", name="Pans", store_url="https://kitchen-pro.example/")
            setup.commit()
        engine.dispose()
        fifo = tmp_path / "feed.xml"
        os.mkfifo(fifo)  # the import blocks reading it: killed mid-import, deterministically
        config = app_config(tmp_path, url)
        child = subprocess.Popen(
            [sys.executable, "-m", "marketplace", "feeds", "import", "pans", str(fifo)],
            env=os.environ | as_environment(config),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        app = create_app(config)
        try:
            with app.app_context():
                session = app.extensions["traderow.db"].session()
                deadline = time.monotonic() + 60
                while (run := session.scalars(select(ImportRun)).first()) is None and time.monotonic() < deadline:
                    session.rollback()
                    time.sleep(0.1)
                assert run is not None and run.status == ImportStatus.RUNNING
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
                session.close()

            work_once(app)

            with app.app_context():
                session = app.extensions["traderow.db"].session()
                run = session.scalars(select(ImportRun)).one()
                assert run.status == ImportStatus.FAILED and run.error == INTERRUPTED_MESSAGE
                assert session.scalars(select(Job.status)).one() == JobStatus.FAILED
                session.close()
        finally:
            if child.poll() is None:
                child.kill()
            app.extensions["traderow.index"].close()
            app.extensions["traderow.db"].dispose()
