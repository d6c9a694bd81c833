"""A claimed import begins its transaction with SQLite's write lock, before it reads anything.

A deferred transaction that reads, then writes, fails at once in WAL when another connection
committed in between: CI's portal test lost a whole import to a page view's event that way.
"""

from __future__ import annotations

from pathlib import Path

from marketplace import create_app
from marketplace.db import database
from marketplace.imports.jobs import claim_run
from marketplace.suppliers.models import ImportRun, ImportStatus
from tests.support import factories
from tests.support.app import app_config
from tests.support.database import migrate, sqlite_write_lock_is_free


def test_a_claimed_import_holds_the_write_lock_until_it_commits(tmp_path: Path) -> None:
    path = tmp_path / "traderow.sqlite"
    url = f"sqlite:///{path}"
    migrate(url)
    app = create_app(app_config(tmp_path, url))
    with app.app_context():
        session = database(app).session()
        supplier = factories.supplier(session, "kitchen-pro")
        run = ImportRun(supplier=supplier, filename="list.yml", status=ImportStatus.QUEUED)
        session.add(run)
        session.commit()
        claimed = claim_run(session, run.id)
        assert claimed is not None and claimed.status == ImportStatus.RUNNING
        # Nobody can commit between the import's reads and its writes.
        assert not sqlite_write_lock_is_free(path)
        session.commit()
        assert sqlite_write_lock_is_free(path)
        session.close()
