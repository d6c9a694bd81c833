"""Write an index that lives in the catalog's database in the catalog's own transactions.

With the PostgreSQL engine the app's sessions carry ``REINDEX_AT_COMMIT``: services'
``queue_reindex`` calls then note offer ids in the session instead of queueing outbox rows,
and just before the session commits, :func:`write_noted` builds those offers' documents
(the indexer's code, in batches) and writes them through the session's own connection. The
catalog and the index commit or roll back together: no worker step, no lag, no drift.

Writers of the index commit one after another. A rebuild, or another transaction writing many
offers (a large import's commit), can hold it longer than a commit should wait
(``COMMIT_LOCK_WAIT``): a commit then queues its offers in the outbox instead, and the worker
applies them after.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from marketplace.changes.outbox import REINDEX_AT_COMMIT, queue_for_writer, take_reindex_at_commit
from marketplace.search.indexer import apply_offers
from search_index import IndexLockedError, PostgresSearchIndex

logger = logging.getLogger(__name__)


#: Seconds a commit waits for the index (a rebuild, the worker's sync of queued changes, or
#: another commit writing it) before it queues its offers for the worker instead.
COMMIT_LOCK_WAIT = 2.0


def install_commit_hook(factory: sessionmaker[Session], index: PostgresSearchIndex) -> None:
    """Make every session ``factory`` opens write its noted offers into ``index`` as it commits.

    ``index`` should wait ``COMMIT_LOCK_WAIT`` for its lock (its ``lock_timeout``).
    """
    factory.configure(info={REINDEX_AT_COMMIT: True})

    def before_commit(session: Session) -> None:
        write_noted(session, index)

    def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            # The commit wrote them; a rollback drops them with the catalog's changes.
            take_reindex_at_commit(session)

    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_transaction_end", after_transaction_end)


def write_noted(session: Session, index: PostgresSearchIndex) -> int:
    """Write the documents of the offers noted in ``session`` into ``index`` on its connection; return how many."""
    written = 0
    while True:
        offer_ids = take_reindex_at_commit(session)
        if not offer_ids:
            return written
        # before_commit runs ahead of the commit's own flush: the rows must be there to be read.
        session.flush()
        try:
            # A savepoint: a lock wait that times out aborts it alone, not the catalog's transaction.
            with session.begin_nested():
                upserts, removals = apply_offers(session, index, offer_ids, connection=session.connection())
        except IndexLockedError:
            # A rebuild or a large import's commit holds the index: the catalog commits now,
            # and the offers wait in the outbox for the worker, which applies them after.
            queue_for_writer(session, offer_ids)
            logger.warning(
                "Search index busy (a rebuild or another commit): %d offers queued for the worker", len(offer_ids)
            )
        else:
            logger.debug("Index written with the commit: %d upserted, %d removed", upserts, removals)
        written += len(offer_ids)
