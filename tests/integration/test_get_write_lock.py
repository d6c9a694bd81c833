"""A GET view marked as writing (a link in a mail that confirms something) begins with SQLite's write lock.

A deferred transaction that reads, then writes, fails at once in WAL when the worker committed
in between; a marked view waits its turn as a POST does, and any other GET never takes the lock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace import create_app
from marketplace.db import get_session
from tests.support.app import app_config
from tests.support.database import migrate, sqlite_write_lock_is_free


@pytest.mark.parametrize(
    ("path", "holds_lock"),
    [("/account/verify/some-secret", True), ("/c/some-token", True), ("/", False)],  # a mail's links; a page
)
def test_only_marked_get_views_take_the_write_lock(tmp_path: Path, path: str, holds_lock: bool) -> None:
    database = tmp_path / "traderow.sqlite"
    url = f"sqlite:///{database}"
    migrate(url)
    app = create_app(app_config(tmp_path, url, SQLITE_BUSY_TIMEOUT=0.1))
    with app.test_request_context(path):
        session = get_session()
        session.connection()
        assert sqlite_write_lock_is_free(database) is not holds_lock
        session.rollback()
    assert sqlite_write_lock_is_free(database)
