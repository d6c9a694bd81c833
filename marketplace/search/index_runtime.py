"""The app's one long-lived ``SearchIndex`` (and so one searcher) per process."""

from __future__ import annotations

from flask import Flask, current_app

from search_index import SearchIndex


def init_app(app: Flask) -> None:
    """Attach the app's search index; it opens lazily on the first search."""
    app.extensions["traderow.index"] = SearchIndex(app.config["INDEX_PATH"])


def get_index(app: Flask | None = None) -> SearchIndex:
    """Return the app's search index."""
    return (app or current_app).extensions["traderow.index"]
