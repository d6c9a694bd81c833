"""Feed URLs: a supplier registers one, the worker fetches it on schedule and imports it."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import uuid
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.db import utcnow
from marketplace.notifications.services import notify
from marketplace.suppliers.importing import ImportMode, run_stored_import
from marketplace.suppliers.models import FeedSource, ImportRun, ImportStatus, Supplier
from marketplace.suppliers.withdraw_guard import DEFAULT_WITHDRAW_GUARD_PERCENT
from supplier_feeds import FeedError
from supplier_feeds.fetch import FetchPolicy, fetch

logger = logging.getLogger(__name__)

MIN_INTERVAL_HOURS = 1
MAX_INTERVAL_HOURS = 24 * 7


class FeedSourceError(Exception):
    """A feed URL rule was broken; the message is fit to show the supplier."""


def add_feed_source(
    session: Session, supplier: Supplier, url: str, *, interval_hours: int = 24, mode: str = ImportMode.AUTO
) -> FeedSource:
    """Register a feed URL for ``supplier``; the worker fetches it at once, then every ``interval_hours``."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise FeedSourceError("The feed address must start with http:// or https:// and name a host.")
    if not MIN_INTERVAL_HOURS <= interval_hours <= MAX_INTERVAL_HOURS:
        raise FeedSourceError(f"Fetch every {MIN_INTERVAL_HOURS} to {MAX_INTERVAL_HOURS} hours.")
    if mode not in ImportMode.ALL:
        raise FeedSourceError(f"Unknown import mode {mode!r}.")
    duplicate = session.scalar(
        select(FeedSource.id).where(FeedSource.supplier_id == supplier.id, FeedSource.url == url)
    )
    if duplicate is not None:
        raise FeedSourceError("This feed address is already registered.")
    source = FeedSource(supplier=supplier, url=url, interval_hours=interval_hours, mode=mode, next_fetch_at=None)
    session.add(source)
    session.flush()
    logger.info("Supplier %s registered feed %d: %s every %dh", supplier.slug, source.id, url, interval_hours)
    return source


def remove_feed_source(session: Session, supplier: Supplier, source_id: int) -> None:
    """Delete one of the supplier's feed URLs; its past runs stay in the history."""
    source = session.get(FeedSource, source_id)
    if source is None or source.supplier_id != supplier.id:
        raise FeedSourceError("No such feed.")
    session.delete(source)
    session.flush()
    logger.info("Supplier %s removed feed %d", supplier.slug, source_id)


def feed_sources(session: Session, supplier: Supplier) -> list[FeedSource]:
    """Return the supplier's feed URLs."""
    return list(
        session.scalars(select(FeedSource).where(FeedSource.supplier_id == supplier.id).order_by(FeedSource.id))
    )


def fetch_now(session: Session, supplier: Supplier, source_id: int) -> FeedSource:
    """Ask the worker to fetch a feed at its next pass."""
    source = session.get(FeedSource, source_id)
    if source is None or source.supplier_id != supplier.id:
        raise FeedSourceError("No such feed.")
    source.next_fetch_at = None
    session.flush()
    return source


def schedule_due_fetches(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Queue a fetch job for every feed that is due, moving its next fetch on; return their ids.

    The move is a conditional UPDATE, so two workers scheduling at once queue each fetch once.
    """
    from marketplace.jobs.queue import enqueue

    now = now or utcnow()
    due = session.execute(
        select(FeedSource.id, FeedSource.next_fetch_at, FeedSource.interval_hours).where(
            FeedSource.enabled.is_(True), or_(FeedSource.next_fetch_at.is_(None), FeedSource.next_fetch_at <= now)
        )
    ).all()
    queued = []
    for source_id, next_fetch_at, interval_hours in due:
        claim = update(FeedSource).where(FeedSource.id == source_id)
        claim = claim.where(
            FeedSource.next_fetch_at.is_(None) if next_fetch_at is None else FeedSource.next_fetch_at == next_fetch_at
        )
        moved = session.execute(
            claim.values(next_fetch_at=now + dt.timedelta(hours=interval_hours)).execution_options(
                synchronize_session=False
            )
        ).rowcount
        if moved == 1:
            enqueue(session, "fetch_feed", feed_id=source_id)
            queued.append(source_id)
    session.flush()
    return queued


def fetch_and_import(
    session: Session,
    source_id: int,
    *,
    upload_dir: str,
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
    os.makedirs(upload_dir, exist_ok=True)
    stored = f"fetch-{run.id}-{uuid.uuid4().hex}.feed"
    path = os.path.join(upload_dir, stored)
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
    run.source_path = stored
    run.status = ImportStatus.QUEUED
    session.commit()
    logger.info("Fetched feed %d for %s: %d bytes from %s", source.id, supplier.slug, result.size, result.url)
    from marketplace.suppliers.progress import clear_progress, progress_writer

    done = run_stored_import(
        session,
        run.id,
        upload_dir=upload_dir,
        base_currency=base_currency,
        rates=rates,
        price_move_percent=price_move_percent,
        progress=progress_writer(upload_dir, run.id),
        withdraw_guard_percent=withdraw_guard_percent,
    )
    clear_progress(upload_dir, run.id)
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
