"""Configuration: embedded defaults, overridden by ``TRADEROW_*`` variables, then by tests."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask

#: The development key. ``validate`` refuses it outside debug and testing.
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105  (a known value, refused in production)


class ConfigError(RuntimeError):
    """The configuration cannot run the app safely."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the embedded defaults: SQLite and Whoosh inside the instance folder."""
    return {
        "SECRET_KEY": DEV_SECRET_KEY,
        "DATABASE_URL": "sqlite:///" + os.path.join(instance_path, "traderow.sqlite"),
        "INDEX_PATH": os.path.join(instance_path, "search-index"),
        # The search engine: "whoosh" (the embedded index in INDEX_PATH) or "postgres" (tables in
        # the schema "search" of the PostgreSQL DATABASE_URL, written in the catalog's transactions).
        "SEARCH_BACKEND": "whoosh",
        # A streaming replica of DATABASE_URL; on the postgres search engine, searches read from it.
        "DATABASE_REPLICA_URL": None,
        "UPLOAD_PATH": os.path.join(instance_path, "uploads"),
        # Prices are shown and filtered in this currency; offers in others are converted.
        "BASE_CURRENCY": "UAH",
        # Rates to the base currency used when a feed carries none of its own.
        # Rough defaults (to UAH) for the currencies suppliers use most; production sets current ones.
        "CURRENCY_RATES": (
            "USD=41.50,EUR=45.00,PLN=10.40,GBP=52.50,CHF=47.00,CZK=1.80,RON=9.05,HUF=0.115,BGN=23.00,"
            "MDL=2.35,TRY=1.20,CNY=5.75,JPY=0.27,CAD=30.00,SEK=4.00,NOK=3.90,DKK=6.00,RUB=0.45,KZT=0.08"
        ),
        # Bytes a request body may have (None: no limit).
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        # Unset, ``load`` makes it DEBUG in debug mode and INFO otherwise.
        "LOG_LEVEL": None,
        # "text" for a person at a terminal, "json" (one object per line) for a log collector.
        "LOG_FORMAT": "text",
        # Where each process (web and worker) keeps its Prometheus figures for /metrics to sum
        # (prometheus_client's multiprocess mode; PROMETHEUS_MULTIPROC_DIR wins when set).
        "METRICS_DIR": os.path.join(instance_path, "metrics"),
        # /metrics answers loopback clients, and others that send this bearer token (unset: none).
        "METRICS_TOKEN": None,
        "WTF_CSRF_TIME_LIMIT": None,
        "LANGUAGES": ("en", "uk", "ru"),
        "BABEL_DEFAULT_LOCALE": "en",
        "SEARCH_PER_PAGE": 20,
        # Seconds a SQLite write waits for another writer (an import holds the lock for its
        # whole run) before it fails; long enough for a form's write, short for a web request.
        "SQLITE_BUSY_TIMEOUT": 5.0,
        # Seconds a click-out waits to record the click before it spools it and redirects anyway.
        "CLICK_WRITE_WAIT": 0.2,
        # Click-outs the database could not take in time wait here for the worker.
        "CLICK_SPOOL_PATH": os.path.join(instance_path, "click-spool"),
        # Listing thumbnails the worker made from suppliers' pictures (marketplace.catalog.thumbnails).
        "THUMBNAIL_PATH": os.path.join(instance_path, "thumbnails"),
        # A visitor's repeated click-out to one offer within this many minutes is counted once.
        "CLICK_REPEAT_MINUTES": 30,
        # A crossed-out price is shown only if the offer sold at it for this many days before the cut.
        "DISCOUNT_REFERENCE_DAYS": 30,
        # The product page's price chart covers this many days.
        "PRICE_CHART_DAYS": 90,
        # The worker recomputes the product pages' recommendations at most this often (seconds; empty: never).
        "RECOMMENDATIONS_INTERVAL": 3600,
        "WORKER_INTERVAL": 2.0,
        # Seconds a queued index change may wait for a batch (WHOOSH.md: batches of at least
        # 1,000 changes, or every 30-60 s). Unset, ``load`` makes it 30, or 0 under TESTING so
        # that tests see their changes at the next pass.
        "INDEX_COMMIT_SECONDS": None,
        # Background jobs: the database is the queue unless a Redis URL is set, then RQ.
        "REDIS_URL": None,
        "RQ_QUEUE": "traderow",
        # Seconds one job may run (RQ's timeout), and how long a database-queue claim lasts
        # before a job whose worker vanished is failed.
        "JOB_TIMEOUT": 6 * 3600,
        "JOB_LEASE": 6 * 3600,
        # Fetching suppliers' feed URLs.
        "FEED_ALLOW_PRIVATE": False,
        "FEED_MAX_BYTES": 256 * 1024 * 1024,
        "FEED_CONNECT_TIMEOUT": 10.0,
        "FEED_READ_TIMEOUT": 60.0,
        "FEED_DEADLINE": 900.0,
        "FEED_MAX_REDIRECTS": 3,
        # A dry run and every report list price moves of at least this many percent.
        "PRICE_MOVE_PERCENT": 20,
        # A full import that would withdraw more than this percent of a supplier's live offers
        # waits for the supplier's confirmation (100 turns the guard off).
        "WITHDRAW_GUARD_PERCENT": 50,
        # With at least this many offers waiting for the index (and half the catalog or more),
        # the worker rebuilds the index instead of updating it offer by offer.
        "INDEX_REBUILD_THRESHOLD": 20000,
        # An index change queued for longer than this many seconds is "stuck": /readyz answers
        # 503 and `traderow index check` fails while one is.
        "READY_INDEX_LAG_SECONDS": 300,
        # Alerts: a price must hold this long before its alert fires (so a flicker tells nobody),
        # and each person gets at most one digest mail per this many seconds.
        "ALERT_HOLD_SECONDS": 3600,
        "ALERT_DIGEST_SECONDS": 86400,
        # Webhooks go to public addresses only, unless this is set (tests call one on loopback).
        "ALERT_WEBHOOK_ALLOW_PRIVATE": False,
        # Campaigns: at most one campaign mail per person per this many days, and the worker
        # writes at most this many campaign mails a minute.
        "CAMPAIGN_CAP_DAYS": 7,
        "CAMPAIGN_MAILS_PER_MINUTE": 60,
        # Mail: without an SMTP host, mail stays in the outbox table (shown at /dev/outbox in debug).
        "SMTP_HOST": None,
        "SMTP_PORT": 25,
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "SMTP_FROM": "TradeRow <noreply@traderow.example>",
        # "none", "starttls" or "ssl".
        "SMTP_SECURITY": "none",
        # Seconds one SMTP conversation may take.
        "SMTP_TIMEOUT": 10.0,
        # The site's address as mail readers reach it; links in mail start with it.
        "SITE_URL": "http://127.0.0.1:5000",
        # Cookies: never sent along with other sites' POSTs, never read by scripts. Their Secure
        # flag follows SITE_URL (``load``): set when the site is served over https.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Days a "keep me logged in" token lasts unused; each use replaces it with a fresh one.
        "REMEMBER_DAYS": 30,
        # Rate limits (Flask-Limiter's notation). Login counts failed attempts only, per submitted
        # email and per address; the reset form counts every request.
        "LOGIN_LIMIT_ACCOUNT": "10 per 15 minutes",
        "LOGIN_LIMIT_ADDRESS": "50 per 15 minutes",
        "REGISTER_LIMIT_ADDRESS": "10 per hour",
        "RESET_LIMIT_ACCOUNT": "3 per hour",
        "RESET_LIMIT_ADDRESS": "20 per hour",
        # Where the counts live: memory by default (one process); ``load`` picks REDIS_URL when it is set.
        "RATELIMIT_STORAGE_URI": None,
        "RATELIMIT_HEADERS_ENABLED": True,
        # The supplier API, per token: every call, and the pushes that import (batches, files).
        "SUPPLIER_API_LIMIT": "600 per minute",
        "SUPPLIER_API_PUSH_LIMIT": "60 per minute",
        # Offers one pushed batch may carry (the OpenAPI document states the same number).
        "SUPPLIER_API_BATCH_MAX": 1000,
        # Analytics (marketplace.events, marketplace.analytics): first-party, server-side.
        "ANALYTICS_ENABLED": True,
        # Record nothing for browsers that send Do Not Track or Global Privacy Control.
        "ANALYTICS_HONOUR_DNT": True,
        # Days raw events are kept; the rollups stay.
        "ANALYTICS_RETENTION_DAYS": 180,
        # Events a process buffers before it writes them in one batch at the end of a request...
        "ANALYTICS_BATCH": 100,
        # ...or seconds it keeps them at most. Unset, ``load`` makes it 5, or 0 under TESTING.
        "ANALYTICS_FLUSH_SECONDS": None,
        # Tests and benches only: a callable returning the time events are stamped with.
        "ANALYTICS_CLOCK": None,
    }


def in_folder(folder: str | os.PathLike[str]) -> dict[str, str]:
    """Return the settings that keep every file of an app (instance, index, uploads) in ``folder``.

    Tests, benches and the worker processes they start share one folder this way.
    """
    return {
        "INSTANCE_PATH": os.path.join(folder, "instance"),
        "INDEX_PATH": os.path.join(folder, "index"),
        "UPLOAD_PATH": os.path.join(folder, "uploads"),
    }


def as_environment(config: Mapping[str, Any]) -> dict[str, str]:
    """Return ``config`` as the ``TRADEROW_*`` variables that make a child process's app the same.

    ``load`` reads the environment with ``from_prefixed_env``, which parses a value as JSON
    where it can: text goes as it is, any other value as JSON.
    """
    return {f"TRADEROW_{name}": v if isinstance(v, str) else json.dumps(v) for name, v in config.items()}


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, then the environment, then ``test_config``."""
    app.config.from_mapping(defaults(app.instance_path))
    # from_prefixed_env parses values as JSON where it can, so TRADEROW_TESTING=true is a bool.
    app.config.from_prefixed_env(prefix="TRADEROW")
    if test_config is not None:
        app.config.from_mapping(test_config)
    # from_prefixed_env would make a key of digits an int; a key is always text.
    app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"] or "")
    app.config["CURRENCY_RATES"] = parse_rates(app.config["CURRENCY_RATES"])
    if not app.config["LOG_LEVEL"]:
        app.config["LOG_LEVEL"] = "DEBUG" if app.debug else "INFO"
    if app.config["INDEX_COMMIT_SECONDS"] is None:
        app.config["INDEX_COMMIT_SECONDS"] = 0.0 if app.config.get("TESTING") else 30.0
    if app.config["ANALYTICS_FLUSH_SECONDS"] is None:
        app.config["ANALYTICS_FLUSH_SECONDS"] = 0.0 if app.config.get("TESTING") else 5.0
    for name, convert in TYPED.items():
        app.config[name] = _converted(name, app.config[name], convert)
    check_search_backend(app.config)
    secure = str(app.config["SITE_URL"]).lower().startswith("https://")
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure
    # Several web processes must share the counts, or each would allow the limit on its own.
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(value)
    return Decimal(str(value))


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        words = {
            "true": True,
            "yes": True,
            "on": True,
            "1": True,
            "false": False,
            "no": False,
            "off": False,
            "0": False,
        }
        return words[value.strip().lower()]
    return bool(value)


def _seconds(value: Any) -> float:
    return max(0.0, float(value))


def _level_name(value: Any) -> str:
    # logging takes "WARNING", not "warning".
    return str(value).upper()


def _log_format(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("text", "json"):
        raise ValueError(value)
    return text


#: The search engines ``SEARCH_BACKEND`` names.
SEARCH_BACKENDS = ("whoosh", "postgres")


def _search_backend(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in SEARCH_BACKENDS:
        raise ValueError(value)
    return text


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _optional_text(value: Any) -> str | None:
    # from_prefixed_env reads "1234" as a number: names, passwords and addresses are text.
    return None if value is None or value == "" else str(value)


#: The settings that are not text, and how each is read: here, once, so that every use reads
#: a value of the right type (``app.config["JOB_LEASE"]`` is a float wherever it is used).
TYPED: dict[str, Callable[[Any], Any]] = {
    "MAX_CONTENT_LENGTH": _optional_int,
    "LOG_LEVEL": _level_name,
    "LOG_FORMAT": _log_format,
    "METRICS_TOKEN": _optional_text,
    "SEARCH_BACKEND": _search_backend,
    "DATABASE_REPLICA_URL": _optional_text,
    "SEARCH_PER_PAGE": int,
    "SQLITE_BUSY_TIMEOUT": float,
    "CLICK_WRITE_WAIT": float,
    "CLICK_REPEAT_MINUTES": int,
    "DISCOUNT_REFERENCE_DAYS": int,
    "PRICE_CHART_DAYS": int,
    "RECOMMENDATIONS_INTERVAL": _optional_int,
    "WORKER_INTERVAL": float,
    "INDEX_COMMIT_SECONDS": _seconds,
    "JOB_TIMEOUT": int,
    "JOB_LEASE": float,
    "FEED_ALLOW_PRIVATE": _flag,
    "FEED_MAX_BYTES": int,
    "FEED_CONNECT_TIMEOUT": float,
    "FEED_READ_TIMEOUT": float,
    "FEED_DEADLINE": float,
    "FEED_MAX_REDIRECTS": int,
    "PRICE_MOVE_PERCENT": _decimal,
    "WITHDRAW_GUARD_PERCENT": _decimal,
    "INDEX_REBUILD_THRESHOLD": int,
    "READY_INDEX_LAG_SECONDS": float,
    "ALERT_HOLD_SECONDS": _seconds,
    "ALERT_DIGEST_SECONDS": _seconds,
    "ALERT_WEBHOOK_ALLOW_PRIVATE": _flag,
    "CAMPAIGN_CAP_DAYS": int,
    "CAMPAIGN_MAILS_PER_MINUTE": int,
    "SMTP_PORT": int,
    "SMTP_USER": _optional_text,
    "SMTP_PASSWORD": _optional_text,
    "SMTP_TIMEOUT": float,
    "SITE_URL": str,
    "REMEMBER_DAYS": int,
    # Flask-Limiter's notation is text; from_prefixed_env would read "100" as a number.
    "LOGIN_LIMIT_ACCOUNT": str,
    "LOGIN_LIMIT_ADDRESS": str,
    "REGISTER_LIMIT_ADDRESS": str,
    "RESET_LIMIT_ACCOUNT": str,
    "RESET_LIMIT_ADDRESS": str,
    "SUPPLIER_API_LIMIT": str,
    "SUPPLIER_API_PUSH_LIMIT": str,
    "SUPPLIER_API_BATCH_MAX": int,
    "ANALYTICS_ENABLED": _flag,
    "ANALYTICS_HONOUR_DNT": _flag,
    "ANALYTICS_RETENTION_DAYS": int,
    "ANALYTICS_BATCH": int,
    "ANALYTICS_FLUSH_SECONDS": _seconds,
}


def _converted(name: str, value: Any, convert: Callable[[Any], Any]) -> Any:
    try:
        return convert(value)
    except (TypeError, ValueError, KeyError, InvalidOperation) as exc:
        raise ConfigError(f"TRADEROW_{name}: {value!r} is not a valid value for this setting") from exc


def check_search_backend(config: Mapping[str, Any]) -> None:
    """Refuse a search engine the database cannot carry: PostgreSQL search lives in the PostgreSQL database."""
    if config["SEARCH_BACKEND"] == "postgres" and not str(config["DATABASE_URL"]).startswith("postgresql"):
        raise ConfigError(
            "TRADEROW_SEARCH_BACKEND=postgres keeps the search index in the catalog's PostgreSQL database, "
            f"but TRADEROW_DATABASE_URL is not PostgreSQL ({_scheme(config['DATABASE_URL'])}). Set "
            "TRADEROW_DATABASE_URL=postgresql+psycopg://..., or TRADEROW_SEARCH_BACKEND=whoosh."
        )


def _scheme(url: Any) -> str:
    """Return a database URL's scheme only: the rest may hold a password."""
    return str(url).partition(":")[0] + ":..."


def parse_rates(value: str | dict[str, Any]) -> dict[str, Decimal]:
    """Parse ``"USD=41.5,EUR=45"`` (or a mapping) into rates to the base currency."""
    if isinstance(value, dict):
        return {code.upper(): Decimal(str(rate)) for code, rate in value.items()}
    rates: dict[str, Decimal] = {}
    for part in filter(None, (p.strip() for p in str(value).split(","))):
        code, sep, rate = part.partition("=")
        if not sep:
            raise ConfigError(f"TRADEROW_CURRENCY_RATES: {part!r} is not CODE=RATE")
        rates[code.strip().upper()] = Decimal(rate.strip())
    return rates


def validate(app: Flask) -> None:
    """Refuse to run in production with settings that are only safe on a developer's machine."""
    if app.debug or app.testing:
        return
    if app.config["SECRET_KEY"] in (DEV_SECRET_KEY, "", None):
        raise ConfigError(
            "TRADEROW_SECRET_KEY is not set. Set it to a long random value, "
            "or run with TRADEROW_DEBUG=true on a development machine."
        )
    token = app.config["METRICS_TOKEN"]
    if token is not None and len(token) < 16:
        # It opens /metrics to any address: a short one is guessed.
        raise ConfigError("TRADEROW_METRICS_TOKEN is shorter than 16 characters: use a long random value.")
