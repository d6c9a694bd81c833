"""Feed URLs: a supplier registers one, the worker fetches it on schedule and imports it."""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from marketplace.db import rows_matched, utcnow
from marketplace.domain_errors import DomainError
from marketplace.imports.options import ImportMode
from marketplace.suppliers.models import FeedSource, ImportRun, Supplier

logger = logging.getLogger(__name__)

MIN_INTERVAL_HOURS = 1
MAX_INTERVAL_HOURS = 24 * 7


class FeedSourceError(DomainError):
    """A feed URL rule was broken; the message is fit to show the supplier."""


def add_feed_source(
    session: Session, supplier: Supplier, url: str, *, interval_hours: int = 24, mode: str = ImportMode.AUTO
) -> FeedSource:
    """Register a feed URL for ``supplier``; the worker fetches it at once, then every ``interval_hours``."""
    url = _checked(session, supplier, url, interval_hours, mode)
    source = FeedSource(supplier=supplier, url=url, interval_hours=interval_hours, mode=mode, next_fetch_at=None)
    session.add(source)
    session.flush()
    logger.info("Supplier %s registered feed %d: %s every %dh", supplier.slug, source.id, url, interval_hours)
    return source


def update_feed_source(
    session: Session,
    supplier: Supplier,
    source_id: int,
    *,
    url: str | None = None,
    interval_hours: int | None = None,
    mode: str | None = None,
) -> FeedSource:
    """Change one of the supplier's feed URLs under the rules of ``add_feed_source``; ``None`` keeps a value.

    A changed address is fetched at the worker's next pass.
    """
    source = session.get(FeedSource, source_id)
    if source is None or source.supplier_id != supplier.id:
        raise FeedSourceError(_l("No such feed."))
    new_url = source.url if url is None else url
    new_interval = source.interval_hours if interval_hours is None else interval_hours
    new_mode = source.mode if mode is None else mode
    new_url = _checked(session, supplier, new_url, new_interval, new_mode, source_id=source.id)
    if new_url != source.url:
        source.next_fetch_at = None
    source.url, source.interval_hours, source.mode = new_url, new_interval, new_mode
    session.flush()
    logger.info("Supplier %s changed feed %d: %s every %dh", supplier.slug, source.id, new_url, new_interval)
    return source


def _checked(
    session: Session, supplier: Supplier, url: str, interval_hours: int, mode: str, *, source_id: int | None = None
) -> str:
    """Return the feed address as stored, or raise ``FeedSourceError`` for a broken rule."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise FeedSourceError(_l("The feed address must start with http:// or https:// and name a host."))
    if not MIN_INTERVAL_HOURS <= interval_hours <= MAX_INTERVAL_HOURS:
        raise FeedSourceError(
            _l("Fetch every %(low)d to %(high)d hours.", low=MIN_INTERVAL_HOURS, high=MAX_INTERVAL_HOURS)
        )
    if mode not in ImportMode.ALL:
        raise FeedSourceError(_l("Unknown import mode “%(mode)s”.", mode=mode))
    duplicate = session.scalar(
        select(FeedSource.id).where(
            FeedSource.supplier_id == supplier.id, FeedSource.url == url, FeedSource.id != (source_id or 0)
        )
    )
    if duplicate is not None:
        raise FeedSourceError(_l("This feed address is already registered."))
    return url


def remove_feed_source(session: Session, supplier: Supplier, source_id: int) -> None:
    """Delete one of the supplier's feed URLs; its past runs stay in the history."""
    source = session.get(FeedSource, source_id)
    if source is None or source.supplier_id != supplier.id:
        raise FeedSourceError(_l("No such feed."))
    session.delete(source)
    session.flush()
    logger.info("Supplier %s removed feed %d", supplier.slug, source_id)


def feed_sources(session: Session, supplier: Supplier) -> list[FeedSource]:
    """Return the supplier's feed URLs."""
    return list(
        session.scalars(select(FeedSource).where(FeedSource.supplier_id == supplier.id).order_by(FeedSource.id))
    )


def latest_runs(session: Session, sources: list[FeedSource]) -> dict[int, ImportRun]:
    """Return each feed's newest import run, by feed id: the run its ``last_status`` tells of."""
    ids = [source.id for source in sources]
    if not ids:
        return {}
    newest = select(func.max(ImportRun.id)).where(ImportRun.feed_source_id.in_(ids)).group_by(ImportRun.feed_source_id)
    runs = session.scalars(select(ImportRun).where(ImportRun.id.in_(newest)))
    return {run.feed_source_id: run for run in runs if run.feed_source_id is not None}


def fetch_now(session: Session, supplier: Supplier, source_id: int) -> FeedSource:
    """Ask the worker to fetch a feed at its next pass."""
    source = session.get(FeedSource, source_id)
    if source is None or source.supplier_id != supplier.id:
        raise FeedSourceError(_l("No such feed."))
    source.next_fetch_at = None
    session.flush()
    return source


#: The advisory lock of the feed scheduler's tick, two halves like the imports' (imports.lock).
SCHEDULE_LOCK_CLASS = 0x54_52_53_43  # "TRSC": TradeRow scheduler
SCHEDULE_LOCK_FEEDS = 1


def take_schedule_tick(session: Session) -> bool:
    """Take this transaction's scheduler lock; return ``False`` if another worker's tick holds it.

    Every node may run a worker; the lock makes one tick at a time schedule the cluster's feed
    fetches, and the others skip theirs at once rather than queue behind it. It is released by
    the commit that queues the jobs, and by the database if the worker dies. SQLite is one
    machine and one writer at a time: its ticks run one after the other anyway.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(SCHEDULE_LOCK_CLASS, SCHEDULE_LOCK_FEEDS))))


def schedule_due_fetches(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Queue a fetch job for every feed that is due, moving its next fetch on; return their ids.

    One tick at a time across the cluster (:func:`take_schedule_tick`); another worker's tick
    returns ``[]``. The move is a conditional UPDATE besides, so a tick that read a feed as due
    just before another committed its move queues nothing for it.
    """
    from marketplace.jobs.queue import enqueue

    if not take_schedule_tick(session):
        logger.debug("Another worker is scheduling the feed fetches; this tick skips")
        return []
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
        moved = rows_matched(
            session.execute(
                claim.values(next_fetch_at=now + dt.timedelta(hours=interval_hours)).execution_options(
                    synchronize_session=False
                )
            )
        )
        if moved == 1:
            enqueue(session, "fetch_feed", feed_id=source_id)
            queued.append(source_id)
    session.flush()
    return queued
