"""Decide whether this process can serve buyers: its database, its search index, and the index's lag."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from marketplace.changes.outbox import index_lag
from search_index import SearchEngine

logger = logging.getLogger(__name__)

OK = "ok"


@dataclass
class Readiness:
    """The result of each readiness check: "ok", or what failed."""

    checks: dict[str, str] = field(default_factory=dict)
    #: The search engine checked: "whoosh" or "postgres".
    engine: str = ""

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())


def check_readiness(session: Session, index: SearchEngine, max_lag_seconds: float) -> Readiness:
    """Check the database, the search engine and the index's lag; never raise.

    The engine is asked what a search needs: is its index built with this code's schema, and
    does it answer (Whoosh opens its searcher; PostgreSQL counts its documents, on the replica
    when searches read from one).

    The index lags when its oldest queued change has waited longer than ``max_lag_seconds``:
    buyers then search a catalog that is out of date (a stopped or failing worker).
    """
    readiness = Readiness(engine=index.engine)
    try:
        session.execute(text("SELECT 1"))
        readiness.checks["database"] = OK
    except Exception as exc:  # a probe reports any failure instead of raising it
        logger.warning("Readiness: the database is unreachable: %s", exc)
        session.rollback()
        readiness.checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        if index.is_outdated():
            readiness.checks["index"] = "built with an older schema: run `traderow index rebuild`"
        else:
            index.doc_count()  # opens (or reuses) this process's searcher
            readiness.checks["index"] = OK
    except Exception as exc:
        logger.warning("Readiness: the search index does not open: %s", exc)
        readiness.checks["index"] = f"does not open: {type(exc).__name__}"
    if readiness.checks["database"] != OK:
        readiness.checks["index_lag"] = "unknown: the database is unreachable"
        return readiness
    try:
        lag = index_lag(session, max_lag_seconds)
    except Exception as exc:
        logger.warning("Readiness: could not read the index queue: %s", exc)
        session.rollback()
        readiness.checks["index_lag"] = f"unknown: {type(exc).__name__}"
        return readiness
    if lag.stuck:
        readiness.checks["index_lag"] = (
            f"{lag.stuck} of {lag.pending} queued changes waited over {max_lag_seconds:.0f} s, "
            f"the oldest {lag.oldest_seconds or 0:.0f} s"
        )
    else:
        readiness.checks["index_lag"] = OK
    return readiness
