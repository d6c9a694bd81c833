"""`traderow index check` on an index built by an older analyzer, and on a queue not yet applied."""

from __future__ import annotations

import datetime as dt
import json

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import update
from sqlalchemy.orm import Session

from marketplace.changes.models import IndexChange
from marketplace.changes.outbox import queue_reindex
from marketplace.suppliers.models import Supplier


def test_index_check_says_an_old_index_needs_a_rebuild(runner: FlaskCliRunner, old_schema_index: None) -> None:
    result = runner.invoke(args=["index", "check"])
    assert "older schema: run `traderow index rebuild`" in result.output
    assert result.exit_code == 1

    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    result = runner.invoke(args=["index", "check"])
    assert "older schema" not in result.output and result.exit_code == 0, result.output


def test_index_check_reports_queued_and_stuck_changes_and_never_says_matches_meanwhile(
    app: Flask, runner: FlaskCliRunner, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    app.config["READY_INDEX_LAG_SECONDS"] = 300
    assert "The index matches the database." in runner.invoke(args=["index", "check"]).output
    queue_reindex(db_session, [1, 2, 3])
    db_session.commit()

    young = runner.invoke(args=["index", "check"])
    assert young.exit_code == 0, young.output
    assert "Queued for the index writer: 3, the oldest for " in young.output
    assert "stuck (queued over 300 s): 0" in young.output
    assert "matches" not in young.output

    db_session.execute(update(IndexChange).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=3600)))
    db_session.commit()
    stuck = runner.invoke(args=["index", "check"])
    assert stuck.exit_code == 1
    assert "stuck (queued over 300 s): 3" in stuck.output and "3 changes stuck" in stuck.output
    assert "matches" not in stuck.output
    as_json = json.loads(runner.invoke(args=["index", "check", "--json"]).output)
    assert as_json["pending"] == 3 and as_json["stuck"] == 3 and as_json["oldest_pending_seconds"] >= 3600
    assert as_json["lock"] == {"held": False, "pid": None, "holder_alive": False}
