"""Each request is named (``X-Request-Id``); its log lines, and those of the jobs it queues, carry the name."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import get_session
from marketplace.jobs.models import Job
from marketplace.jobs.queue import REQUEST_ID_KEY, claim_next, enqueue, run_claimed
from marketplace.logs import HEADER, JsonFormatter
from marketplace.worker import perform

GENERATED = re.compile(r"[0-9a-f]{32}")
test_logger = logging.getLogger("tests.request_ids")


@pytest.fixture
def logging_app(app: Flask) -> Flask:
    """Add two routes of the test's own: one logs a line, one queues a job (a bad one, so that it logs)."""

    def say_hello(number: int) -> str:
        test_logger.warning("Hello from page %d", number)
        return "ok"

    def queue_job() -> str:
        session = get_session()
        enqueue(session, "make_thumbnails", urls=[], unexpected_argument=True)
        session.commit()
        return "queued"

    app.add_url_rule("/_test/hello/<int:number>", "test_hello", say_hello)
    app.add_url_rule("/_test/queue", "test_queue", queue_job)
    return app


def test_a_sane_request_id_is_kept_and_returned(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={HEADER: "lb-7f3a.42"})
    assert response.headers[HEADER] == "lb-7f3a.42"


@pytest.mark.parametrize("sent", [None, "", "x" * 200, "<script>", "two words", 'quote"d'])
def test_a_missing_or_insane_request_id_is_replaced(client: FlaskClient, sent: str | None) -> None:
    headers = {HEADER: sent} if sent is not None else {}
    response = client.get("/healthz", headers=headers)
    assert GENERATED.fullmatch(response.headers[HEADER])
    assert client.get("/healthz").headers[HEADER] != response.headers[HEADER]


def test_an_error_page_is_named_too(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={HEADER: "req-404"})
    assert response.status_code == 404 and response.headers[HEADER] == "req-404"


def test_a_log_line_is_one_json_object_with_the_request_and_route(
    logging_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tests.request_ids"):
        logging_app.test_client().get("/_test/hello/5", headers={HEADER: "req-hello-1"})
    [record] = [r for r in caplog.records if r.name == "tests.request_ids"]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["request_id"] == "req-hello-1"
    assert parsed["route"] == "/_test/hello/<int:number>"
    assert (parsed["level"], parsed["logger"]) == ("WARNING", "tests.request_ids")
    assert parsed["message"] == "Hello from page 5"
    assert dt.datetime.fromisoformat(parsed["time"]).tzinfo is not None


def test_a_process_started_with_the_json_format_writes_json_lines_to_stderr(tmp_path: Path) -> None:
    # A process of its own: pytest's handlers on the root logger would stand in for ours here.
    program = (
        "import logging, sys\n"
        "from marketplace import create_app\n"
        "app = create_app({'TESTING': True, 'INSTANCE_PATH': sys.argv[1]})\n"
        "with app.test_request_context('/search', headers={'X-Request-Id': 'req-sub-1'}):\n"
        "    app.preprocess_request()\n"
        "    logging.getLogger('marketplace.search').info('Searched for %s', 'чайник')\n"
    )
    env = {**os.environ, "TRADEROW_LOG_FORMAT": "json", "TRADEROW_LOG_LEVEL": "INFO"}
    done = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path)], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert lines[-1]["message"] == "Searched for чайник"
    assert (lines[-1]["request_id"], lines[-1]["route"], lines[-1]["level"]) == ("req-sub-1", "/search", "INFO")


def test_a_job_queued_in_a_request_logs_under_its_id(
    logging_app: Flask, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    logging_app.test_client().get("/_test/queue", headers={HEADER: "req-upload-9"})
    job = db_session.scalars(select(Job).where(Job.kind == "make_thumbnails")).one()
    assert job.payload[REQUEST_ID_KEY] == "req-upload-9"

    claimed = claim_next(db_session, claimed_by="test:1", lease=dt.timedelta(minutes=5))
    assert claimed is not None
    with caplog.at_level(logging.INFO, logger="marketplace.jobs.queue"):
        assert run_claimed(logging_app, db_session, claimed) is False  # the job function refused the argument
    failed = [r for r in caplog.records if r.name == "marketplace.jobs.queue" and "failed" in r.getMessage()]
    assert failed, caplog.text
    assert {(r.request_id, r.route) for r in failed} == {("req-upload-9", "job:make_thumbnails")}  # type: ignore[attr-defined]
    # Outside the job, lines name no request again.
    test_logger.warning("after the job")
    assert caplog.records[-1].request_id is None  # type: ignore[attr-defined]


def test_a_job_says_when_it_ended_under_its_request(
    app: Flask, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="marketplace"):
        # RQ hands the payload as it was queued; the id is taken out before the job function sees it.
        perform("make_thumbnails", {"urls": [], REQUEST_ID_KEY: "req-rq-3"})
    [done] = [r for r in caplog.records if r.getMessage().startswith("RQ job (make_thumbnails) done")]
    assert (done.request_id, done.route) == ("req-rq-3", "job:make_thumbnails")  # type: ignore[attr-defined]


def test_a_job_queued_outside_a_request_carries_no_id(db_session: Session) -> None:
    job = enqueue(db_session, "make_thumbnails", urls=[])
    assert job is not None and REQUEST_ID_KEY not in job.payload
