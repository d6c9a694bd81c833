"""The import pipeline's jobs, and the only module of it that commits: claim a run, import, commit.

Run a queued import, fetch a feed URL and import it, preview an upload. Both backends of
:mod:`marketplace.jobs.queue` call the job functions with the session, the app and the job's
payload. They commit their own work (the claim first, so that the portal shows the run as
running, then the import and its report together) and never write the search index: the
worker does that after them. ``traderow feeds import`` runs the same functions at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.db import DEFAULT_BUSY_TIMEOUT, WRITE_WAIT, analyze_changed, rows_matched, utcnow
from marketplace.files.store import FileStore, file_store
from marketplace.imports.columns import prepare_preview, saved_mapping_for_file
from marketplace.imports.options import (
    DEFAULT_PRICE_MOVE_PERCENT,
    DEFAULT_WITHDRAW_GUARD_PERCENT,
    ImportOptions,
    ProgressCallback,
)
from marketplace.imports.progress import clear_progress, progress_writer
from marketplace.imports.run import execute_import
from marketplace.imports.withdraw import configured_threshold
from marketplace.notifications.services import notify
from marketplace.suppliers.models import FeedSource, ImportRun, ImportStatus
from supplier_feeds import FeedError
from supplier_feeds.fetch import FetchPolicy, fetch

logger = logging.getLogger(__name__)


def run_import(session: Session, app: Flask, *, run_id: int) -> None:
    """Import an uploaded price list that waits in the queue."""
    files = file_store(app)
    try:
        run_stored_import(
            session,
            run_id,
            files=files,
            base_currency=app.config["BASE_CURRENCY"],
            rates=app.config["CURRENCY_RATES"],
            price_move_percent=app.config["PRICE_MOVE_PERCENT"],
            progress=progress_writer(files, run_id),
            withdraw_guard_percent=configured_threshold(app.config),
        )
    finally:
        clear_progress(files, run_id)


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
        files=file_store(app),
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
    with file_store(app).local_copy(session, run.source_path or "") as path:
        # A file that is gone is previewed as unreadable: the run says so.
        prepare_preview(session, run, path or "", deadline=app.config["JOB_TIMEOUT"])
    session.commit()


def run_queued_imports(
    session: Session, *, files: FileStore, base_currency: str, rates: Mapping[str, Decimal], limit: int = 10
) -> list[ImportRun]:
    """Run queued imports, oldest first, committing each (the worker runs them as jobs instead)."""
    done = []
    for run_id in session.scalars(
        select(ImportRun.id).where(ImportRun.status == ImportStatus.QUEUED).order_by(ImportRun.id).limit(limit)
    ).all():
        run = run_stored_import(session, run_id, files=files, base_currency=base_currency, rates=rates)
        if run is not None:
            done.append(run)
    return done


def claim_run(session: Session, run_id: int) -> ImportRun | None:
    """Mark a queued run running and commit; return ``None`` if another worker has it."""
    claimed = rows_matched(
        session.execute(
            update(ImportRun)
            .where(ImportRun.id == run_id, ImportRun.status == ImportStatus.QUEUED)
            .values(status=ImportStatus.RUNNING, started_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    if claimed != 1:
        return None
    # The import's transaction begins with SQLite's write lock, before its first read: a
    # deferred one that reads, then writes, fails at once in WAL when anything committed in
    # between (a page view's event did, in CI), and the whole import would fail with it.
    session.connection(execution_options={WRITE_WAIT: DEFAULT_BUSY_TIMEOUT})
    run = session.get(ImportRun, run_id)
    if run is not None:
        session.refresh(run)
    return run


def run_stored_import(
    session: Session,
    run_id: int,
    *,
    files: FileStore,
    base_currency: str,
    rates: Mapping[str, Decimal],
    mapping: Mapping[str, str] | None = None,
    price_move_percent: Decimal = DEFAULT_PRICE_MOVE_PERCENT,
    progress: ProgressCallback | None = None,
    withdraw_guard_percent: Decimal | None = DEFAULT_WITHDRAW_GUARD_PERCENT,
) -> ImportRun | None:
    """Claim a queued run, import its stored file and commit; ``None`` if it was not queued.

    The claim is committed first, so the portal shows the run as running. The import and
    the run's result then commit together: a worker killed in between leaves the previous
    catalog whole, and :func:`fail_interrupted_runs` marks the run failed later.
    """
    run = claim_run(session, run_id)
    if run is None:
        return None
    with files.local_copy(session, run.source_path or "") as path:
        if path is None:
            run.status = ImportStatus.FAILED
            run.error = MISSING_UPLOAD_MESSAGE
            run.finished_at = utcnow()
        else:
            if mapping is None:
                mapping = saved_mapping_for_file(session, run.supplier, path)
            options = ImportOptions(
                mode=run.mode,
                dry_run=run.dry_run,
                mapping=mapping,
                price_move_percent=price_move_percent,
                withdraw_guard_percent=withdraw_guard_percent,
                confirm_withdraw=run.withdraw_confirmed,
            )
            with open(path, "rb") as fh:
                execute_import(
                    session, run, fh, base_currency=base_currency, rates=rates, progress=progress, options=options
                )
    session.commit()
    if analyze_changed(session.connection(), WRITTEN_TABLES, run.created + run.updated + run.withdrawn):
        session.commit()
    # A held run keeps its file: the supplier's confirmation imports the same file again.
    if run.status != ImportStatus.HELD and run.source_path:
        files.remove(session, run.source_path)
        session.commit()
    return run


#: The catalog tables an import writes, whose planner statistics it refreshes when it changed many rows.
WRITTEN_TABLES = ("offers", "products", "price_history")

#: A queued upload whose file is gone (the server's disk was cleaned) fails with this.
MISSING_UPLOAD_MESSAGE = "The uploaded file is no longer on the server; upload it again."
INTERRUPTED_MESSAGE = (
    "The import was interrupted before it finished (the worker stopped). Nothing was published: "
    "buyers still see your previous catalog. Upload the file again or wait for the next scheduled fetch."
)


def fail_interrupted_runs(session: Session, run_ids: Sequence[int]) -> int:
    """Mark runs that a dead worker left running as failed; return how many."""
    if not run_ids:
        return 0
    failed = rows_matched(
        session.execute(
            update(ImportRun)
            .where(ImportRun.id.in_(run_ids), ImportRun.status.in_([ImportStatus.RUNNING, ImportStatus.PREPARING]))
            .values(status=ImportStatus.FAILED, error=INTERRUPTED_MESSAGE, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if failed:
        logger.warning("Marked %d interrupted import run(s) failed: %s", failed, list(run_ids))
    return failed or 0


def fetch_and_import(
    session: Session,
    source_id: int,
    *,
    files: FileStore,
    policy: FetchPolicy,
    base_currency: str,
    rates: Mapping[str, Decimal],
    price_move_percent: Decimal,
    withdraw_guard_percent: Decimal | None = DEFAULT_WITHDRAW_GUARD_PERCENT,
) -> ImportRun | None:
    """Fetch a feed URL and import what it brings; commit, and return the run.

    The fetch and the import each end with a commit; a fetch that fails or finds the feed
    unchanged is recorded as a run too, so the supplier's history tells the whole story.
    """
    source = session.get(FeedSource, source_id)
    if source is None:
        return None
    supplier = source.supplier
    name = os.path.basename(urlsplit(source.url).path) or urlsplit(source.url).hostname or "feed"
    run = ImportRun(
        supplier=supplier,
        filename=name[:255],
        status=ImportStatus.RUNNING,
        mode=source.mode,
        feed_source=source,
        started_at=utcnow(),
    )
    session.add(run)
    session.commit()
    # Fetched to this node's disk first (the fetch streams, and may fail half-way), then kept
    # in the store, where a worker on any node reads it.
    path = files.scratch_path()
    try:
        with open(path, "wb") as fh:
            result = fetch(source.url, fh, etag=source.etag, last_modified=source.last_modified, policy=policy)
    except FeedError as exc:
        _remove(path)
        run.status = ImportStatus.FAILED
        run.error = exc.message
        run.report = {"problems": [], "counts": {exc.code: 1}, "truncated": False}
        run.finished_at = utcnow()
        source.last_fetched_at = utcnow()
        source.last_status = exc.message
        session.commit()
        logger.warning("Fetch of feed %d for %s failed: %s (%s)", source.id, supplier.slug, exc.code, exc.message)
        return run
    source.last_fetched_at = utcnow()
    if result.not_modified:
        _remove(path)
        run.status = ImportStatus.SUCCEEDED
        run.report = {"problems": [], "counts": {}, "truncated": False, "not_modified": True}
        run.finished_at = utcnow()
        source.last_status = "Not modified since the last fetch."
        session.commit()
        logger.info("Feed %d for %s not modified", source.id, supplier.slug)
        return run
    run.source_path = files.put_file(session, path, prefix=f"fetch-{run.id}")
    run.status = ImportStatus.QUEUED
    session.commit()
    logger.info("Fetched feed %d for %s: %d bytes from %s", source.id, supplier.slug, result.size, result.url)
    done = run_stored_import(
        session,
        run.id,
        files=files,
        base_currency=base_currency,
        rates=rates,
        price_move_percent=price_move_percent,
        progress=progress_writer(files, run.id),
        withdraw_guard_percent=withdraw_guard_percent,
    )
    clear_progress(files, run.id)
    if done is not None:
        source = session.get(FeedSource, source_id) or source
        if done.status == ImportStatus.SUCCEEDED:
            # Remember the validators only for a body we imported, so a failed import is fetched again.
            source.etag = (result.etag or "")[:500] or None
            source.last_modified = (result.last_modified or "")[:100] or None
            source.last_status = "Imported."
        elif done.status == ImportStatus.HELD:
            # Nobody watches a scheduled fetch: tell the supplier, who confirms on the run's page.
            source.last_status = HELD_STATUS
            notify_held(session, done)
        else:
            source.last_status = done.error
        session.commit()
    return done


HELD_STATUS = "Held: it would withdraw most of your offers; confirm it on the import's page."


def notify_held(session: Session, run: ImportRun) -> None:
    """Tell the supplier's members, in the portal and by mail, that a fetched import waits for them."""
    guard = run.report.get("withdraw_guard") or {}
    members = session.scalars(
        select(User).where(User.supplier_id == run.supplier_id, User.role == Role.SUPPLIER).order_by(User.id)
    )
    notify(
        session,
        members,
        "import.held",
        {"filename": run.filename, "withdraw": guard.get("withdraw", run.withdrawn), "live": guard.get("live", 0)},
        link=f"/portal/imports/{run.id}",
    )


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
