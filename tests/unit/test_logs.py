"""The JSON log formatter, the request id's rules and the log format setting."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from flask import Flask

from marketplace import config
from marketplace.logs import JsonFormatter, bound, configure, formatter, request_id_from


def _record(message: str, *args: object, exc_info: bool = False) -> logging.LogRecord:
    info = sys.exc_info() if exc_info else None
    return logging.LogRecord("marketplace.imports.run", logging.ERROR, __file__, 10, message, args, info)


def test_a_record_is_one_json_line_with_every_field() -> None:
    record = _record("Import %d for %s failed:\n%s", 7, "teplo", "ціна «нуль»")
    record.request_id, record.route = "req-1", "/portal/imports"
    line = JsonFormatter().format(record)
    assert line.count("\n") == 0 and "ціна «нуль»" in line  # readable, not \\u-escaped
    parsed = json.loads(line)
    assert set(parsed) == {"time", "level", "logger", "message", "request_id", "route"}
    assert parsed["message"] == "Import 7 for teplo failed:\nціна «нуль»"
    assert (parsed["level"], parsed["logger"], parsed["request_id"], parsed["route"]) == (
        "ERROR", "marketplace.imports.run", "req-1", "/portal/imports",
    )  # fmt: skip
    assert parsed["time"].endswith("+00:00")


def test_a_traceback_stays_inside_the_one_line() -> None:
    try:
        raise ValueError("bad row")
    except ValueError:
        record = _record("Import failed", exc_info=True)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: bad row" in json.loads(line)["exception"]


def test_a_record_without_request_fields_says_null() -> None:
    parsed = json.loads(JsonFormatter().format(_record("started")))
    assert parsed["request_id"] is None and parsed["route"] is None


def test_records_made_inside_a_job_carry_its_request() -> None:
    configure("INFO", "text")
    with bound("req-42", "job:import_run"):
        record = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "inside", (), None)
    outside = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "outside", (), None)
    assert (record.request_id, record.route) == ("req-42", "job:import_run")  # type: ignore[attr-defined]
    assert outside.request_id is None  # type: ignore[attr-defined]


def test_the_text_format_names_the_request() -> None:
    record = _record("hello")
    record.request_id, record.route = "req-7", "/search"
    assert "[req-7 /search]: hello" in formatter("text").format(record)


def test_a_text_line_outside_any_request_names_none() -> None:
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "started", None, None)
    record.request_id = record.route = None
    assert formatter("text").format(record).endswith(" werkzeug: started")


@pytest.mark.parametrize("sent", ["abc", "lb-7f3a.42", "Root=1-5759e988-bd862e3fe1be46a994272793", "a/b+c=d:e"])
def test_sane_ids_are_kept(sent: str) -> None:
    assert request_id_from(sent) == sent


@pytest.mark.parametrize("sent", [None, "", " abc", "a b", "x" * 129, "ід", "a\r\nX-Evil: 1", "-leading"])
def test_other_ids_are_replaced(sent: str | None) -> None:
    replaced = request_id_from(sent)
    assert replaced != sent and len(replaced) == 32


@pytest.mark.parametrize(("value", "expected"), [("json", "json"), ("JSON", "json"), ("text", "text")])
def test_the_log_format_setting(value: str, expected: str) -> None:
    app = Flask(__name__)
    config.load(app, {"LOG_FORMAT": value})
    assert app.config["LOG_FORMAT"] == expected


def test_an_unknown_log_format_stops_the_start() -> None:
    app = Flask(__name__)
    with pytest.raises(config.ConfigError, match="TRADEROW_LOG_FORMAT"):
        config.load(app, {"LOG_FORMAT": "xml"})
