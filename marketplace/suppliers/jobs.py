"""The suppliers' background jobs: run a queued import, fetch a feed URL and import it, preview an upload.

Both backends of :mod:`marketplace.jobs.queue` call these with the session, the app and the
job's payload. They commit their own work and never write the search index: the worker
does that after them.
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy.orm import Session

from marketplace.suppliers.feeds import fetch_and_import
from marketplace.suppliers.importing import run_stored_import
from marketplace.suppliers.mapping import prepare_preview
from marketplace.suppliers.models import ImportRun
from marketplace.suppliers.progress import clear_progress, progress_writer
from marketplace.suppliers.withdraw_guard import configured_threshold
from supplier_feeds.fetch import FetchPolicy


def run_import(session: Session, app: Flask, *, run_id: int) -> None:
    """Import an uploaded price list that waits in the queue."""
    upload_dir = app.config["UPLOAD_PATH"]
    try:
        run_stored_import(
            session,
            run_id,
            upload_dir=upload_dir,
            base_currency=app.config["BASE_CURRENCY"],
            rates=app.config["CURRENCY_RATES"],
            price_move_percent=app.config["PRICE_MOVE_PERCENT"],
            progress=progress_writer(upload_dir, run_id),
            withdraw_guard_percent=configured_threshold(app.config),
        )
    finally:
        clear_progress(upload_dir, run_id)


def fetch_policy(app: Flask) -> FetchPolicy:
    """Return the fetch limits the operator configured."""
    config = app.config
    return FetchPolicy(
        max_bytes=config["FEED_MAX_BYTES"],
        connect_timeout=config["FEED_CONNECT_TIMEOUT"],
        read_timeout=config["FEED_READ_TIMEOUT"],
        deadline=config["FEED_DEADLINE"],
        max_redirects=config["FEED_MAX_REDIRECTS"],
        allow_private=config["FEED_ALLOW_PRIVATE"],
    )


def fetch_feed(session: Session, app: Flask, *, feed_id: int) -> None:
    """Fetch a supplier's feed URL and import it."""
    fetch_and_import(
        session,
        feed_id,
        upload_dir=app.config["UPLOAD_PATH"],
        policy=fetch_policy(app),
        base_currency=app.config["BASE_CURRENCY"],
        rates=app.config["CURRENCY_RATES"],
        price_move_percent=app.config["PRICE_MOVE_PERCENT"],
        withdraw_guard_percent=configured_threshold(app.config),
    )


def preview_upload(session: Session, app: Flask, *, run_id: int) -> None:
    """Read the top rows of an uploaded CSV or Excel file for its mapping page, or queue its import.

    The parser process gets the time an import job gets (``TRADEROW_JOB_TIMEOUT``).
    """
    run = session.get(ImportRun, run_id)
    if run is None:
        return
    path = os.path.join(app.config["UPLOAD_PATH"], run.source_path or "")
    prepare_preview(session, run, path, deadline=app.config["JOB_TIMEOUT"])
    session.commit()
