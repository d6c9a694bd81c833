"""The background worker: the database job queue, RQ, feed URLs fetched on schedule, dead workers."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import OfferStatus
from marketplace.db import make_engine, utcnow
from marketplace.files.store import file_store
from marketplace.imports.feeds import add_feed_source
from marketplace.imports.jobs import INTERRUPTED_MESSAGE
from marketplace.imports.uploads import queue_import
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.queue import claim_next, enqueue
from marketplace.search.index_runtime import get_index
from marketplace.suppliers.models import FeedSource, ImportRun, ImportStatus, Supplier
from marketplace.worker import work_once
from search_index import SearchQuery
from tests.support.database import migrate, side_database
from tests.support.feed_server import FeedServer, running_feed_server
from tests.support.feeds import FIVE, offers_of, yml_feed, yml_offer
from tests.support.jobs import REDIS_URL, dead_pid


def queue_upload(app: Flask, session: Session, supplier: Supplier, data: bytes, **kwargs: Any) -> ImportRun:
    run = queue_import(session, supplier, data, filename="feed.xml", files=file_store(app), **kwargs)
    session.commit()
    return run


def indexed_total(app: Flask, text_query: str = "") -> int:
    return get_index(app).search(SearchQuery(text=text_query)).total


# --- the database queue -------------------------------------------------------------------


def test_an_upload_is_a_job_that_the_worker_runs_and_indexes(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    run = queue_upload(app, db_session, supplier, yml_feed(FIVE))
    job = db_session.scalars(select(Job)).one()
    assert (job.kind, job.payload, job.status) == ("import_run", {"run_id": run.id}, JobStatus.QUEUED)

    done = work_once(app)

    assert (done.imports, done.indexed) == (1, 5)
    db_session.expire_all()
    assert run.status == ImportStatus.SUCCEEDED and job.status == JobStatus.DONE
    assert indexed_total(app, "Pan") == 5
    # Nothing left: a second pass does nothing.
    assert (work_once(app).imports, work_once(app).indexed) == (0, 0)


def test_a_run_already_taken_is_not_run_twice(app: Flask, db_session: Session, supplier: Supplier) -> None:
    run = queue_upload(app, db_session, supplier, yml_feed(FIVE))
    enqueue(db_session, "import_run", run_id=run.id)  # the same run queued twice
    db_session.commit()

    assert work_once(app).imports == 2
    db_session.expire_all()
    assert run.status == ImportStatus.SUCCEEDED and run.created == 5
    assert [j.status for j in db_session.scalars(select(Job).order_by(Job.id))] == [JobStatus.DONE, JobStatus.DONE]


def test_a_failing_job_is_recorded_and_the_worker_goes_on(app: Flask, db_session: Session, supplier: Supplier) -> None:
    bad = enqueue(db_session, "import_run", run_id="not-a-number")
    run = queue_upload(app, db_session, supplier, yml_feed(FIVE))

    done = work_once(app)

    assert done.imports == 2
    db_session.expire_all()
    assert bad is not None and bad.status == JobStatus.FAILED and bad.error
    assert run.status == ImportStatus.SUCCEEDED


def test_a_dead_workers_job_and_run_are_failed_and_the_catalog_kept(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    queue_upload(app, db_session, supplier, yml_feed(FIVE))
    work_once(app)
    run = queue_upload(app, db_session, supplier, yml_feed([yml_offer("P1", "1")]))
    job = db_session.scalars(select(Job).where(Job.status == JobStatus.QUEUED)).one()
    # A worker on this host claimed the run and died: its pid no longer exists.
    gone = dead_pid()
    job.status, job.claimed_by = JobStatus.RUNNING, f"{socket.gethostname()}:{gone}"
    job.claimed_at, job.lease_until = utcnow(), utcnow() + dt.timedelta(hours=6)
    run.status, run.started_at = ImportStatus.RUNNING, utcnow()
    db_session.commit()

    work_once(app)

    db_session.expire_all()
    assert job.status == JobStatus.FAILED and str(gone) in (job.error or "")
    assert run.status == ImportStatus.FAILED and run.error == INTERRUPTED_MESSAGE
    assert len([o for o in offers_of(db_session, supplier).values() if o.status == OfferStatus.ACTIVE]) == 5


def test_a_run_whose_lease_ran_out_is_failed(app: Flask, db_session: Session, supplier: Supplier) -> None:
    run = queue_upload(app, db_session, supplier, yml_feed(FIVE))
    job = db_session.scalars(select(Job)).one()
    job.status, job.claimed_by = JobStatus.RUNNING, "another-host:1"
    job.lease_until = utcnow() - dt.timedelta(seconds=1)
    run.status = ImportStatus.RUNNING
    db_session.commit()

    work_once(app)

    db_session.expire_all()
    assert (job.status, run.status) == (JobStatus.FAILED, ImportStatus.FAILED)


@pytest.mark.slow
def test_two_workers_never_claim_the_same_job(tmp_path: Path) -> None:
    with side_database(tmp_path, "jobs") as url:
        migrate(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                session.add_all(Job(kind="import_run", payload={"run_id": i}, run_after=utcnow()) for i in range(200))
                session.commit()
            claimed: dict[str, list[int]] = {"a": [], "b": []}
            start = threading.Barrier(2)

            def claim_all(name: str) -> None:
                with Session(engine, expire_on_commit=False) as session:
                    start.wait()
                    while (job := claim_next(session, claimed_by=name, lease=dt.timedelta(minutes=5))) is not None:
                        claimed[name].append(job.id)

            threads = [threading.Thread(target=claim_all, args=(name,)) for name in claimed]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

            both = claimed["a"] + claimed["b"]
            assert len(both) == 200 and len(set(both)) == 200
            with Session(engine) as session:
                owners = {j.id: j.claimed_by for j in session.scalars(select(Job))}
            assert all(owners[i] == "a" for i in claimed["a"]) and all(owners[i] == "b" for i in claimed["b"])
        finally:
            engine.dispose()


# --- RQ -----------------------------------------------------------------------------------


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if "rq_queue_name" in request.fixturenames:
        return {"REDIS_URL": REDIS_URL, "RQ_QUEUE": request.getfixturevalue("rq_queue_name")}
    if "feed_server" in request.fixturenames:
        return {"FEED_ALLOW_PRIVATE": True, "FEED_READ_TIMEOUT": 5, "FEED_CONNECT_TIMEOUT": 5}
    return {}


def test_with_redis_uploads_go_to_rq_and_the_worker_runs_them(
    app: Flask, db_session: Session, supplier: Supplier, rq_queue_name: str
) -> None:
    from marketplace.jobs.queue import rq_queue

    run = queue_upload(app, db_session, supplier, yml_feed(FIVE))
    queue = rq_queue(app)

    assert db_session.scalars(select(Job)).all() == []  # not the database queue
    assert queue.count == 1

    done = work_once(app)

    assert (done.imports, done.indexed) == (1, 5)
    db_session.expire_all()
    assert run.status == ImportStatus.SUCCEEDED and run.created == 5
    assert queue.count == 0 and queue.finished_job_registry.count == 1


def test_with_redis_a_rolled_back_upload_queues_nothing(
    app: Flask, db_session: Session, supplier: Supplier, rq_queue_name: str
) -> None:
    from marketplace.jobs.queue import rq_queue

    queue_import(db_session, supplier, yml_feed(FIVE), filename="f.xml", files=file_store(app))
    db_session.rollback()
    db_session.commit()

    assert rq_queue(app).count == 0


# --- feed URLs ----------------------------------------------------------------------------


def test_a_feed_url_is_fetched_imported_and_then_not_modified(
    app: Flask, db_session: Session, supplier: Supplier, feed_server: FeedServer
) -> None:
    feed_server.serve_bytes("/price.xml", yml_feed(FIVE), etag='"v1"')
    source = add_feed_source(db_session, supplier, feed_server.url("/price.xml"), interval_hours=6)
    db_session.commit()

    assert work_once(app).imports == 1

    db_session.expire_all()
    run = db_session.scalars(select(ImportRun).where(ImportRun.feed_source_id == source.id)).one()
    assert run.status == ImportStatus.SUCCEEDED and run.created == 5, run.error
    assert source.etag == '"v1"' and source.last_fetched_at is not None
    assert source.next_fetch_at is not None and source.next_fetch_at.replace(tzinfo=dt.UTC) > utcnow() + dt.timedelta(
        hours=5
    )
    assert indexed_total(app, "Pan") == 5
    # Not due yet: nothing happens.
    assert work_once(app).imports == 0

    source.next_fetch_at = None  # "fetch now"
    db_session.commit()
    work_once(app)

    db_session.expire_all()
    second = db_session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert second is not None and second.report.get("not_modified") is True
    assert feed_server.requests[-1][1]["If-None-Match"] == '"v1"'


def test_a_feed_that_fails_to_fetch_keeps_the_catalog(
    app: Flask, db_session: Session, supplier: Supplier, feed_server: FeedServer
) -> None:
    feed_server.serve_bytes("/price.xml", yml_feed(FIVE))
    add_feed_source(db_session, supplier, feed_server.url("/price.xml"))
    db_session.commit()
    work_once(app)
    source = db_session.scalars(select(FeedSource)).one()
    source.url, source.next_fetch_at = feed_server.url("/gone.xml"), None
    db_session.commit()

    work_once(app)

    db_session.expire_all()
    failed = db_session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert failed is not None and failed.status == ImportStatus.FAILED
    assert "404" in (failed.error or "") and failed.report["counts"] == {"fetch_http_error": 1}
    assert "404" in (source.last_status or "")
    assert len([o for o in offers_of(db_session, supplier).values() if o.status == OfferStatus.ACTIVE]) == 5


def test_by_default_the_worker_refuses_to_fetch_from_loopback(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    with running_feed_server() as server:
        server.serve_bytes("/price.xml", yml_feed(FIVE))
        add_feed_source(db_session, supplier, server.url("/price.xml"))
        db_session.commit()

        work_once(app)

        assert server.requests == []
    db_session.expire_all()
    run = db_session.scalars(select(ImportRun)).one()
    assert run.status == ImportStatus.FAILED and run.report["counts"] == {"fetch_refused_address": 1}
    assert "private or local" in (run.error or "")
