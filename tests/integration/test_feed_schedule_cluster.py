"""Feed fetches are scheduled once across the cluster: one scheduler tick at a time, whatever the nodes."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text, update

from marketplace.db import database
from marketplace.imports.feeds import add_feed_source, schedule_due_fetches, take_schedule_tick
from marketplace.jobs.models import Job
from marketplace.suppliers.models import FeedSource
from marketplace.suppliers.services import add_supplier
from tests.support.committed_apps import committed_app
from tests.support.database import migrate, side_database

FEEDS = 30


@pytest.fixture
def cluster_app(tmp_path: Path) -> Iterator[Flask]:
    """Yield an app on a committed PostgreSQL database with ``FEEDS`` feed URLs due; skip on SQLite.

    SQLite is one machine with one writer at a time: two schedulers cannot overlap there.
    """
    with side_database(tmp_path, "schedule") as url:
        if not url.startswith("postgresql"):
            pytest.skip("SQLite has one writer at a time: two schedulers cannot overlap")
        migrate(url)
        with committed_app(tmp_path, url) as app, app.app_context():
            with database(app).session() as session:
                supplier = add_supplier(session, "pans", name="Pans", store_url="https://kitchen-pro.example/")
                for n in range(FEEDS):
                    add_feed_source(session, supplier, f"https://kitchen-pro.example/feed-{n}.xml")
                session.commit()
            yield app


def queued_fetches(app: Flask) -> Counter[int]:
    with database(app).session() as session:
        return Counter(int(job.payload["feed_id"]) for job in session.scalars(select(Job)))


@pytest.mark.slow
def test_a_second_tick_skips_while_another_worker_schedules(cluster_app: Flask) -> None:
    db = database(cluster_app)
    with db.session() as first, db.session() as second:
        queued = schedule_due_fetches(first)
        assert len(queued) == FEEDS
        # Were it to go on, it would wait on the rows the first tick moved: a lock timeout says so.
        second.execute(text("SET LOCAL lock_timeout = '5s'"))
        assert not take_schedule_tick(second)
        assert schedule_due_fetches(second) == []
        second.rollback()
        first.commit()  # the tick ends: its lock goes with the transaction
        assert schedule_due_fetches(second) == []  # nothing is due any more
        assert take_schedule_tick(second)
        second.commit()
    assert queued_fetches(cluster_app) == Counter({feed_id: 1 for feed_id in queued})


@pytest.mark.slow
def test_two_schedulers_running_at_once_queue_each_fetch_once(cluster_app: Flask) -> None:
    rounds = 15
    start = threading.Barrier(2)  # the two ticks of a round begin together
    ticked = threading.Barrier(3)  # both ticks committed; the test makes every feed due again
    due = threading.Barrier(3)  # ...and the next round may begin
    ticks: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def scheduler(name: str) -> None:
        with cluster_app.app_context(), database(cluster_app).session() as session:
            try:
                for _ in range(rounds):
                    start.wait(timeout=30)
                    ticks[name].append(len(schedule_due_fetches(session)))
                    session.commit()
                    ticked.wait(timeout=30)
                    due.wait(timeout=30)
            except BaseException as exc:  # the main thread's assertion reports it
                errors.append(exc)
                for barrier in (start, ticked, due):
                    barrier.abort()

    threads = [threading.Thread(target=scheduler, args=(name,)) for name in ticks]
    for thread in threads:
        thread.start()
    try:
        for _ in range(rounds):
            ticked.wait(timeout=60)
            with database(cluster_app).session() as session:
                session.execute(update(FeedSource).values(next_fetch_at=None))
                session.commit()
            due.wait(timeout=60)
    finally:
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    # Each round the two ticks together queued every feed exactly once: never twice, never none.
    assert [a + b for a, b in zip(ticks["a"], ticks["b"], strict=True)] == [FEEDS] * rounds
    counts = queued_fetches(cluster_app)
    assert len(counts) == FEEDS and set(counts.values()) == {rounds}
