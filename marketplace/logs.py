"""Log lines that say which request (or which job) they belong to: text for a person, JSON for a collector.

Every log record carries ``request_id`` and ``route``. In a request they come from the
request (``X-Request-Id`` when the client or the proxy sent a sane one, else a fresh id);
in a job, from the request that queued it (:func:`bound`), so one id follows a price list
from the upload to the worker's last line about it. Outside both they are ``None``.

The JSON formatter is the standard library's ``logging.Formatter`` with one ``format``:
python-json-logger would save these few lines and add a dependency to keep up to date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from flask import Flask, Response, g, has_request_context, request

#: The header a proxy or a client names its request with, and the one we answer with.
HEADER = "X-Request-Id"
#: What we accept as a request id: short, printable, without spaces or quotes (so it cannot
#: forge a log line or a header); anything else is replaced by an id of our own.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"
FORMATS = ("text", "json")

#: The request and route of the job this thread is running (jobs run outside any request).
_job_context: ContextVar[tuple[str | None, str | None]] = ContextVar("traderow_job_log_context", default=(None, None))
_ORIGINAL_FACTORY = logging.getLogRecordFactory()


def request_id_from(header: str | None) -> str:
    """Return ``header`` when it is a sane request id, else a new random one."""
    if header and SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """Return the id of the request (or of the job's request) this code runs for, if any."""
    if has_request_context():
        request_id: str | None = g.get("request_id")
        return request_id
    return _job_context.get()[0]


def current_route() -> str | None:
    """Return the route (the URL rule, not the URL: ``/product/<int:product_id>``) or the job's name."""
    if has_request_context():
        rule = request.url_rule
        return rule.rule if rule is not None else None
    return _job_context.get()[1]


@contextlib.contextmanager
def bound(request_id: str | None, route: str | None) -> Iterator[None]:
    """Mark the log lines written inside the block as the job ``route`` of request ``request_id``."""
    token = _job_context.set((request_id, route))
    try:
        yield
    finally:
        _job_context.reset(token)


def _record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _ORIGINAL_FACTORY(*args, **kwargs)
    # Set on every record, so any handler (and pytest's caplog) can show them.
    record.request_id = current_request_id()
    record.route = current_route()
    return record


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line: time, level, logger, message, request id, route."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "route": getattr(record, "route", None),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # Non-ASCII stays readable (uk and ru messages); json.dumps escapes newlines, so it stays one line.
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """One line for a person: the request id and route in brackets when the line belongs to one."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        request_id, route = getattr(record, "request_id", None), getattr(record, "route", None)
        record.context = f" [{request_id or '-'} {route or '-'}]" if request_id or route else ""
        return super().format(record)


def formatter(log_format: str) -> logging.Formatter:
    """Return the formatter for ``TRADEROW_LOG_FORMAT``: ``json`` or ``text``."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(level: str, log_format: str) -> None:
    """Give the root logger one stderr handler in ``log_format`` (once per process) and tag every record."""
    logging.setLogRecordFactory(_record_factory)
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, "traderow", False)]
    if not ours and root.handlers:
        # As logging.basicConfig: a host that configured logging itself (pytest) keeps it, level too.
        return
    if not ours:
        stderr = logging.StreamHandler()
        stderr.traderow = True  # type: ignore[attr-defined]
        root.addHandler(stderr)
        ours = [stderr]
    for handler in ours:
        handler.setFormatter(formatter(log_format))
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """Name every request, and answer with its name in ``X-Request-Id``."""

    @app.before_request
    def _name_request() -> None:
        g.request_id = request_id_from(request.headers.get(HEADER))

    @app.after_request
    def _answer_with_name(response: Response) -> Response:
        if g.get("request_id") is None:
            # A hook before ours answered (a redirect, a refusal): the answer is named all the same.
            g.request_id = request_id_from(request.headers.get(HEADER))
        response.headers[HEADER] = g.request_id
        return response
