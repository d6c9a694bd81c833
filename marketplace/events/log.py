"""Record an event: the one call any domain makes; rows wait in a buffer and are written in batches.

A page must not wait for analytics. ``log_event`` only appends a dict to a per-process
buffer; the buffer is written with one ``executemany`` in a short transaction of its own at
the end of a request once it holds ``ANALYTICS_BATCH`` rows or is ``ANALYTICS_FLUSH_SECONDS``
old, and by the rollup before it reads. Rows that the database cannot take are logged and
dropped: a lost page view must never cost a buyer a page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from marketplace.appctx import real_app
from marketplace.db import database, utcnow
from marketplace.events.bots import is_bot_agent, is_prefetch
from marketplace.events.models import AnalyticsEvent
from marketplace.events.privacy import address_hash, asks_not_to_be_tracked

logger = logging.getLogger(__name__)

#: Fields of ``log_event`` that have a column of their own; anything else goes to ``data``.
COLUMNS = frozenset(
    {"path", "route", "product_id", "category_id", "supplier_id", "referrer", "channel"}
    | {"utm_source", "utm_medium", "utm_campaign"}
)

#: Seconds the batch write may wait for SQLite's write lock before the rows are dropped.
WRITE_WAIT = 0.2
#: Seconds the buffer waits after a failed write before it tries again.
RETRY_PAUSE = 10.0
#: Rows kept at most while the database cannot take them; more are dropped.
MAX_BUFFERED = 20_000


@dataclass
class EventBuffer:
    """The rows of this process not yet written, and the bot requests left out since the last write."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    bots: int = 0
    written_at: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    """Give ``app`` its buffer and write it at the end of requests when it is due."""
    app.extensions["traderow.events"] = EventBuffer()
    app.before_request(_decide_afresh)
    app.teardown_request(_flush_when_due)
    if not app.testing:
        # The crawler list compiles its patterns on first use (about a second): not in a visitor's request.
        is_bot_agent("Mozilla/5.0 (warm-up)")


def _decide_afresh() -> None:
    # ``g`` lives as long as the app context, which a test or a CLI command may share between
    # requests: each request decides for itself whether its events are kept (a DNT visitor
    # after a recorded one), as it does in production, where every request has its own context.
    g.pop("events_state", None)


def event_buffer(app: Flask | None = None) -> EventBuffer:
    """Return the app's buffer of unwritten events."""
    buffer: EventBuffer = (app or current_app).extensions["traderow.events"]
    return buffer


def now() -> dt.datetime:
    """Return the time events are stamped with: ``ANALYTICS_CLOCK`` when set (tests and benches), else now."""
    clock: Callable[[], dt.datetime] | None = current_app.config.get("ANALYTICS_CLOCK")
    return clock() if clock else utcnow()


def capture_state() -> str:
    """Return whether this request's events are kept: "record", "bot", "probe", "declined" or "off".

    Decided once per request: bots (the crawler list, headless browsers) are only counted,
    HEAD requests and prefetches are no visit, and a visitor sending Do Not Track or Global
    Privacy Control leaves no trace at all.
    """
    state: str | None = g.get("events_state")
    if state is None:
        config = current_app.config
        if not config["ANALYTICS_ENABLED"]:
            state = "off"
        elif config["ANALYTICS_HONOUR_DNT"] and asks_not_to_be_tracked(request.headers):
            state = "declined"
        elif is_bot_agent(request.user_agent.string):
            state = "bot"
        elif request.method == "HEAD" or is_prefetch(request.headers):
            state = "probe"
        else:
            state = "record"
        g.events_state = state
    return state


def log_event(kind: str, **fields: Any) -> None:
    """Record that the visitor of this request did ``kind``; outside a request, or for bots and DNT, nothing.

    ``fields`` named in ``COLUMNS`` get their column; the rest (a search's query, an offer id)
    is kept as JSON in ``data``. Dataclasses are stored as dicts.
    """
    if not has_request_context():
        return
    state = capture_state()
    if state == "bot":
        if kind == "pageview":
            buffer = event_buffer()
            with buffer.lock:
                buffer.bots += 1
        return
    if state != "record":
        return
    stamp = now()
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    extra: dict[str, Any] = {}
    # A login names its account before the session knows it; otherwise the signed-in user.
    user_id = fields.pop("user_id", None)
    if user_id is None and current_user and current_user.is_authenticated:
        user_id = current_user.id  # get_id() is the session identity, not the account's id
    for name, value in fields.items():
        if name in COLUMNS:
            row[name] = value
        else:
            extra[name] = _plain(value)
    row.update(
        id=secrets.randbits(63),
        occurred_at=stamp,
        kind=kind,
        visitor_id=g.get("visitor_id"),
        user_id=int(user_id) if user_id is not None else None,
        language=_language(),
        ip_hash=address_hash(
            current_app.config["SECRET_KEY"], stamp.date(), request.remote_addr, request.user_agent.string
        ),
        data=extra or None,
    )
    buffer = event_buffer()
    with buffer.lock:
        if len(buffer.rows) < MAX_BUFFERED:
            buffer.rows.append(row)


def flush(app: Flask | None = None) -> int:
    """Write the buffered events in one batch and return how many were written."""
    app = app or real_app()
    buffer = event_buffer(app)
    with buffer.lock:
        rows, buffer.rows = buffer.rows, []
        bots, buffer.bots = buffer.bots, 0
        buffer.written_at = time.monotonic()
    if bots:
        stamp = utcnow() if app.config.get("ANALYTICS_CLOCK") is None else app.config["ANALYTICS_CLOCK"]()
        rows.append({**dict.fromkeys(COLUMNS), "id": secrets.randbits(63), "occurred_at": stamp, "kind": "bots"})
        rows[-1].update(visitor_id=None, user_id=None, language=None, ip_hash=None, data={"count": bots})
    if not rows:
        return 0
    try:
        with database(app).write_session(WRITE_WAIT) as session:
            session.execute(insert(AnalyticsEvent), rows)
            session.commit()
    except SQLAlchemyError as error:
        # Kept for a later request, which tries only after a pause: an import may hold SQLite's
        # lock for minutes, and every page's end would wait for it in vain.
        with buffer.lock:
            buffer.rows[:0] = rows[: MAX_BUFFERED - len(buffer.rows)]
            buffer.written_at = time.monotonic() + RETRY_PAUSE
        logger.warning("%d analytics events wait: the database did not take them (%s)", len(rows), error)
        return 0
    return len(rows)


def _flush_when_due(_exc: BaseException | None = None) -> None:
    app = real_app()
    buffer = event_buffer(app)
    waited = time.monotonic() - buffer.written_at
    due = waited >= 0 and (
        len(buffer.rows) >= app.config["ANALYTICS_BATCH"]
        or (bool(buffer.rows or buffer.bots) and waited >= app.config["ANALYTICS_FLUSH_SECONDS"])
    )
    if due:
        flush(app)


def _language() -> str | None:
    locale = get_locale()
    return str(locale) if locale else None


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON can hold it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items() if v not in (None, (), "", False)}
    if isinstance(value, tuple | list | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
