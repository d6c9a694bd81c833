"""Fixtures of the integration tests that need more than the rolled-back ``app``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask

from tests.support.committed_apps import committed_app
from tests.support.database import migrate, side_database
from tests.support.jobs import REDIS_URL


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """Return (worker app, web app): two instances on one committed database and one index."""
    with side_database(tmp_path, "threads") as url, ExitStack() as stack:
        migrate(url, seed=True)
        worker, web = (stack.enter_context(committed_app(tmp_path, url)) for _ in range(2))
        yield worker, web


@pytest.fixture
def rq_queue_name() -> Iterator[str]:
    """Return the name of a fresh RQ queue on the Redis CI starts; skip without one (fail on CI)."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import Queue

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisConnectionError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc}); the RQ path needs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # .ci/run starts Redis: there, a missing one is a failure
        pytest.skip(message)
    name = f"traderow-test-{uuid.uuid4().hex[:12]}"
    yield name
    Queue(name, connection=connection).delete(delete_jobs=True)
    connection.close()
