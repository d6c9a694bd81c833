"""The change outbox: offers whose search-index entry is out of date.

Services in any domain queue index changes here, inside the caller's transaction, without
importing search. Only the index writer (search/jobs.py, run by the worker or a CLI
command) drains the queue into the index, after the commit, so the index never shows what
the database rolled back and only one process writes.

An index that lives in the catalog's own database (the PostgreSQL search engine) needs no
queue: the search package marks the app's sessions with :data:`REINDEX_AT_COMMIT`, and
``queue_reindex`` then only notes the offers in the session (:func:`reindex_at_commit`), for
the search package's commit hook to write into the index in the same transaction (or, while
a rebuild holds that index, to queue here after all: :func:`queue_for_writer`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.changes.models import IndexChange

#: ``Session.info`` flag: this session's commits write the index themselves (set by the search
#: package on the app's sessionmaker when its engine shares the catalog's transactions).
REINDEX_AT_COMMIT = "traderow.reindex_at_commit"
#: ``Session.info`` key: the offers queued in the session's current transaction, in that case.
_NOTED = "traderow.reindex_noted"


def queue_reindex(session: Session, offer_ids: Iterable[int]) -> int:
    """Queue offers for the index writer; part of the caller's transaction."""
    ids = list(dict.fromkeys(offer_ids))
    if session.info.get(REINDEX_AT_COMMIT):
        reindex_at_commit(session).update(dict.fromkeys(ids))
        return len(ids)
    return queue_for_writer(session, ids)


def queue_for_writer(session: Session, offer_ids: Sequence[int]) -> int:
    """Queue offers as outbox rows for the index writer, whichever way the session's commits index."""
    if offer_ids:
        session.execute(IndexChange.__table__.insert(), [{"offer_id": offer_id} for offer_id in offer_ids])
    return len(offer_ids)


def reindex_at_commit(session: Session) -> dict[int, None]:
    """Return the offers noted for the index at this session's commit (insertion-ordered, as a dict's keys)."""
    noted: dict[int, None] = session.info.setdefault(_NOTED, {})
    return noted


def take_reindex_at_commit(session: Session) -> list[int]:
    """Return the offers noted for the index at commit, and forget them (the commit hook writes them)."""
    return list(session.info.pop(_NOTED, {}))


def pending_changes(session: Session) -> int:
    """Return how many offers wait for the index writer."""
    return session.scalar(select(func.count()).select_from(IndexChange)) or 0


def oldest_change_age(session: Session) -> float | None:
    """Return how many seconds the oldest queued index change has waited (None: none queued)."""
    oldest = session.scalar(select(func.min(IndexChange.created_at)))
    if oldest is None:
        return None
    return max(0.0, dt.datetime.now(dt.UTC).timestamp() - oldest.timestamp())


@dataclass(frozen=True)
class IndexLag:
    """How far the index writer is behind the queue of index changes."""

    #: Changes queued for the index writer.
    pending: int
    #: Of those, the changes queued for longer than ``stuck_after`` seconds: a worker that
    #: is up applies a change within a batch interval (``INDEX_COMMIT_SECONDS``) or a
    #: rebuild, so one this old means the writer is down, failing, or locked out.
    stuck: int
    #: Seconds the oldest queued change has waited (None: nothing queued).
    oldest_seconds: float | None
    #: The bound itself: ``READY_INDEX_LAG_SECONDS`` (``/readyz`` fails beyond it too).
    stuck_after: float

    @property
    def caught_up(self) -> bool:
        return self.pending == 0


def index_lag(session: Session, stuck_after: float) -> IndexLag:
    """Return the queue's length, its stuck changes and its oldest change's age."""
    horizon = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=stuck_after)
    pending, stuck = session.execute(
        select(func.count(), func.count().filter(IndexChange.created_at < horizon)).select_from(IndexChange)
    ).one()
    return IndexLag(
        pending=pending or 0,
        stuck=stuck or 0,
        oldest_seconds=oldest_change_age(session),
        stuck_after=stuck_after,
    )
