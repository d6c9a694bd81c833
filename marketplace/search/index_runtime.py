"""The app's one long-lived search engine (and so one searcher or pool) per process.

``TRADEROW_SEARCH_BACKEND`` chooses it: Whoosh in ``INDEX_PATH`` (the embedded default), or
PostgreSQL in the schema :data:`SEARCH_SCHEMA` of the catalog's own database. The app calls
only the :class:`search_index.engine.SearchEngine` interface, whichever it is.
"""

from __future__ import annotations

from flask import Flask, current_app

from marketplace.db import database, make_engine
from marketplace.search.commit_hook import COMMIT_LOCK_WAIT, install_commit_hook
from search_index import PostgresSearchIndex, SearchEngine, SearchIndex

#: The PostgreSQL schema that holds the search tables, beside the catalog's.
SEARCH_SCHEMA = "search"


def init_app(app: Flask) -> None:
    """Attach the app's search engine; it opens lazily on the first search."""
    app.extensions["traderow.index"] = build_index(app)


def build_index(app: Flask) -> SearchEngine:
    """Return the engine ``SEARCH_BACKEND`` names, set up for ``app``'s database.

    On PostgreSQL the index is written in the catalog's own transactions (:mod:`.commit_hook`),
    on the app's engine; searches read from ``DATABASE_REPLICA_URL`` when it is set.
    """
    if app.config["SEARCH_BACKEND"] != "postgres":
        return SearchIndex(app.config["INDEX_PATH"])
    db = database(app)
    replica = app.config["DATABASE_REPLICA_URL"]
    index = PostgresSearchIndex(db.engine, schema=SEARCH_SCHEMA, read_engine=make_engine(replica) if replica else None)
    # The same index for the commits, with a short wait for its lock: a commit never stalls
    # behind a rebuild (it queues for the worker instead), while a rebuild waits its turn.
    install_commit_hook(
        db.sessionmaker, PostgresSearchIndex(db.engine, schema=SEARCH_SCHEMA, lock_timeout=COMMIT_LOCK_WAIT)
    )
    return index


def get_index(app: Flask | None = None) -> SearchEngine:
    """Return the app's search engine."""
    index: SearchEngine = (app or current_app).extensions["traderow.index"]
    return index
