"""The search index's jobs, and the transactions around them: sync the change outbox, rebuild, the worker's step.

The worker and CLI commands call them, never web requests. Each holds the index's write lock
while it reads from the database, so a concurrent writer (the worker, or a rebuild) cannot
write newer documents in between that this one would then overwrite with stale ones. The
work itself is in :mod:`marketplace.search.indexer`, which never commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from marketplace.changes.outbox import oldest_change_age, pending_changes
from marketplace.search.indexer import (
    active_offer_count,
    apply_changes,
    delete_changes,
    queued_change_ids,
    queued_changes,
    write_generation,
    writes_with_the_catalog,
)
from search_index import SearchEngine

logger = logging.getLogger(__name__)

#: Queued changes that make the worker commit to the index at once (WHOOSH.md: batches of
#: at least 1,000 changes, or every 30-60 s; never a commit per request).
INDEX_BATCH = 1000


def sync_index(session: Session, index: SearchEngine, progress: Callable[[int], None] | None = None) -> int:
    """Apply queued changes to the index and commit the drained queue; return offers applied.

    A crash between the index commit and the queue commit only re-applies the same
    upserts: they are idempotent.
    """
    applied = 0
    while True:
        # Commit the caller's own work before the lock is ours: on PostgreSQL that commit
        # writes the index under the lock taken shared, which our exclusive hold would refuse.
        session.commit()
        with index.write_lock():
            # End the session's transaction: what is read below must be what is committed
            # now, not a snapshot taken before the lock was ours.
            session.commit()
            changes = queued_changes(session)
            if not changes:
                return applied
            offers = apply_changes(session, index, changes)
            # End the read transaction first: on SQLite a read snapshot that another
            # writer committed past cannot become a write transaction.
            session.commit()
            delete_changes(session, [change.id for change in changes])
            session.commit()
        applied += offers
        if progress is not None:
            progress(offers)


def rebuild_index(session: Session, index: SearchEngine, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database alongside the live one, then swap it in.

    The offers are read while holding the index's write lock, so the worker cannot write
    documents it read earlier over the new generation.
    """
    session.commit()  # the caller's own work first (see sync_index)
    with index.write_lock():
        session.commit()  # read what is committed now, not an older snapshot
        # Changes queued before the rebuild reads the offers are contained in it; changes
        # committed later (whatever their id) stay queued for the next sync.
        change_ids = queued_change_ids(session)
        written = write_generation(session, index, progress)
        session.commit()  # end the read transaction (see sync_index)
        delete_changes(session, change_ids)
        session.commit()
    logger.info("Index rebuilt with %d offers", written)
    return written


def update_index(session: Session, index: SearchEngine, rebuild_threshold: int, *, commit_seconds: float = 0.0) -> int:
    """Apply queued index changes in batches; rebuild instead when most of the catalog changed.

    Every index commit writes a segment and makes every web process reopen its searcher,
    so changes are held back until ``INDEX_BATCH`` are queued or the oldest has waited
    ``commit_seconds``. A first import of a large catalog queues every offer: building a
    fresh generation with two writer processes is then much faster than updating documents
    one by one. An index built with an older schema is rebuilt at once: searches on it
    return nothing.

    An index written in the catalog's own transactions (PostgreSQL) has nothing to catch up
    with: this does nothing there, but for the changes that commits queued while a rebuild
    held the index (``commit_hook``), which it applies at once.
    """
    if writes_with_the_catalog(index):
        return sync_index(session, index) if pending_changes(session) else 0
    if index.is_outdated():
        logger.error("Index: built with an older schema, searches find nothing; rebuilding it now")
        return rebuild_index(session, index)
    pending = pending_changes(session)
    if not pending:
        return 0
    if pending < INDEX_BATCH and commit_seconds > 0:
        age = oldest_change_age(session) or 0.0
        if age < commit_seconds:
            logger.debug("Index: %d changes pending for %.0f s, waiting for a batch", pending, age)
            return 0
    if pending >= rebuild_threshold and pending * 2 >= active_offer_count(session):
        logger.info("Index: %d changes pending, rebuilding instead of updating", pending)
        return rebuild_index(session, index)
    return sync_index(session, index)
