"""``/metrics``: every process's figures for Prometheus, to loopback or the token's holder only."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from marketplace.changes.outbox import queue_reindex
from marketplace.jobs.queue import enqueue
from marketplace.metrics import instruments
from marketplace.suppliers.models import Supplier
from tests.support.metrics import sample

TOKEN = "scraper-secret-token"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"METRICS_TOKEN": TOKEN}


def test_a_request_is_counted_under_its_route(client: FlaskClient) -> None:
    before = sample(client, "traderow_http_request_duration_seconds_count", route="/healthz", method="GET")
    assert client.get("/healthz").status_code == 200
    after = sample(client, "traderow_http_request_duration_seconds_count", route="/healthz", method="GET")
    assert after == before + 1


def test_an_unknown_url_is_counted_as_unmatched_not_by_its_path(client: FlaskClient) -> None:
    client.get("/no-such-page-at-all")
    assert sample(client, "traderow_http_request_duration_seconds_count", route="<unmatched>", status="4xx") >= 1
    assert sample(client, "traderow_http_request_duration_seconds_count", route="/no-such-page-at-all") == 0


@pytest.mark.search_engines
def test_searches_and_imports_are_timed(client: FlaskClient, stocked: dict[str, Supplier], search_backend: str) -> None:
    # The stocked fixture imported two price lists in this process.
    assert sample(client, "traderow_import_duration_seconds_count", status="succeeded", dry_run="false") >= 2
    before = sample(client, "traderow_search_duration_seconds_count", engine=search_backend)
    assert client.get("/search?q=knife").status_code == 200
    assert sample(client, "traderow_search_duration_seconds_count", engine=search_backend) == before + 1


def test_an_import_in_another_process_is_summed_into_the_scrape(client: FlaskClient) -> None:
    # The worker is another process: its figures reach the web process's /metrics through the files.
    labels = {"status": "failed", "dry_run": "true"}
    before = sample(client, "traderow_import_duration_seconds_count", **labels)
    directory = instruments.directory()
    assert directory is not None
    worker = (
        "from marketplace.metrics import instruments; instruments.use_directory('unused'); "
        "instruments.observe_import('failed', dry_run=True, seconds=42.0)"
    )
    env = {**os.environ, instruments.ENV: directory}
    subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=60)
    assert sample(client, "traderow_import_duration_seconds_count", **labels) == before + 1
    assert sample(client, "traderow_import_duration_seconds_bucket", le="60.0", **labels) >= 1


def test_queue_depth_and_index_lag_are_read_when_scraped(client: FlaskClient, db_session: Session) -> None:
    assert sample(client, "traderow_jobs_waiting", queue="database") == 0
    assert sample(client, "traderow_index_changes_pending") == 0
    enqueue(db_session, "make_thumbnails", urls=[])
    queue_reindex(db_session, [1, 2, 3])
    db_session.commit()
    assert sample(client, "traderow_jobs_waiting", queue="database") == 1
    assert sample(client, "traderow_index_changes_pending") == 3
    assert sample(client, "traderow_index_lag_seconds") >= 0


def test_other_addresses_need_the_token(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 403
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", environ_base=ELSEWHERE, headers=wrong).status_code == 403
    right = {"Authorization": f"Bearer {TOKEN}"}
    response = client.get("/metrics", environ_base=ELSEWHERE, headers=right)
    assert response.status_code == 200 and b"traderow_jobs_waiting" in response.data


def test_a_request_through_a_proxy_on_this_machine_is_not_loopback(client: FlaskClient) -> None:
    # nginx on the same host connects from 127.0.0.1 on behalf of anyone on the internet.
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


@pytest.mark.parametrize("app_overrides", [{"METRICS_TOKEN": None}])
def test_without_a_token_set_no_token_opens_it(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Bearer "}).status_code == 403
    assert client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Bearer None"}).status_code == 403
