"""``traderow backup`` copies an embedded instance while it is written; ``traderow restore`` brings it back whole."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.db import database
from marketplace.files.store import file_store
from marketplace.imports.uploads import queue_import
from marketplace.suppliers.models import ImportRun, ImportStatus
from marketplace.suppliers.services import add_supplier
from tests.support.committed_apps import committed_app, import_round
from tests.support.database import migrate

OFFERS = 12


def _instance(folder: Path) -> tuple[Path, str]:
    """Return the database path and URL of an embedded instance laid out in ``folder``."""
    database = folder / "instance" / "traderow.sqlite"
    database.parent.mkdir(parents=True, exist_ok=True)
    return database, "sqlite:///" + str(database)


@pytest.fixture
def backup_file(tmp_path: Path) -> Path:
    """Back up an instance with a catalog and an upload while another connection's write is half done."""
    database, url = _instance(tmp_path / "source")
    migrate(url, seed=True)
    with committed_app(tmp_path / "source", url) as app:
        import_round(app, 1, OFFERS)
        uploads = Path(app.config["UPLOAD_PATH"])
        uploads.mkdir(parents=True, exist_ok=True)
        (uploads / "run-7.csv").write_bytes(b"sku;title;price\nA1;Kettle;100\n")
        # A writer in the middle of its transaction: it has torn every title and dropped the
        # index queue, and has not committed. The copy must hold the catalog as last committed.
        writer = sqlite3.connect(database, isolation_level=None, timeout=5)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE offers SET title = 'torn'")
        writer.execute("DELETE FROM suppliers WHERE slug = 'nobody'")
        try:
            result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
        finally:
            writer.rollback()
            writer.close()
    assert result.exit_code == 0, result.output
    [archive] = sorted((tmp_path / "backups").glob("traderow-backup-*.tar.gz"))
    return archive


def test_the_archive_holds_the_database_and_files_but_no_index(backup_file: Path) -> None:
    with tarfile.open(backup_file) as archive:
        names = set(archive.getnames())
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert {"manifest.json", "database/traderow.sqlite", "folders/uploads/run-7.csv"} <= names
    assert not [name for name in names if "index" in name.split("/")[:3] or "metrics" in name]
    assert not [name for name in names if name.endswith(("-wal", "-shm"))]
    assert manifest["format"] == 1 and manifest["files"] == 1


def test_a_restored_instance_searches_the_whole_catalog(tmp_path: Path, backup_file: Path) -> None:
    target = tmp_path / "restored"
    database, url = _instance(target)
    with committed_app(target, url) as app:
        runner = app.test_cli_runner()
        restored = runner.invoke(args=["restore", str(backup_file)])
        assert restored.exit_code == 0, restored.output
        assert "index rebuild" in restored.output
        rebuilt = runner.invoke(args=["index", "rebuild"])
        assert rebuilt.exit_code == 0, rebuilt.output
        found = runner.invoke(args=["search", "Котел", "--offers", "--json"])
        assert found.exit_code == 0, found.output
        assert json.loads(found.output)["total"] == OFFERS
        assert (Path(app.config["UPLOAD_PATH"]) / "run-7.csv").read_bytes().startswith(b"sku;title")
    with sqlite3.connect(database) as restored_db:
        titles = {title for (title,) in restored_db.execute("SELECT title FROM offers")}
        assert restored_db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert len(titles) == OFFERS and "torn" not in titles  # the half-done write is not in the copy


def test_restore_refuses_an_instance_that_holds_data_unless_forced(tmp_path: Path, backup_file: Path) -> None:
    target = tmp_path / "busy"
    database, url = _instance(target)
    migrate(url)
    with committed_app(target, url) as app:
        runner = app.test_cli_runner()
        refused = runner.invoke(args=["restore", str(backup_file)])
        assert refused.exit_code == 1 and "not empty" in refused.output and "--force" in refused.output
        forced = runner.invoke(args=["restore", str(backup_file), "--force"])
        assert forced.exit_code == 0, forced.output
    with sqlite3.connect(database) as restored_db:
        assert restored_db.execute("SELECT count(*) FROM offers").fetchone() == (OFFERS,)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    not_backup = tmp_path / "photo.tar.gz"
    with tarfile.open(not_backup, "w:gz") as archive:
        archive.add(__file__, "photo.jpg")
    _database, url = _instance(tmp_path / "fresh")
    with committed_app(tmp_path / "fresh", url) as app:
        result = app.test_cli_runner().invoke(args=["restore", str(not_backup)])
    assert result.exit_code == 1 and "manifest.json" in result.output


def test_a_backup_written_inside_the_instance_holds_no_copy_of_itself(tmp_path: Path) -> None:
    _database, url = _instance(tmp_path)
    migrate(url)
    with committed_app(tmp_path, url) as app:
        runner = app.test_cli_runner()
        first = runner.invoke(args=["backup", str(tmp_path / "instance" / "backups" / "first.tar.gz")])
        assert first.exit_code == 0, first.output
        second = runner.invoke(args=["backup", str(tmp_path / "instance" / "backups" / "second.tgz")])
        assert second.exit_code == 0, second.output
    with tarfile.open(tmp_path / "instance" / "backups" / "second.tgz") as archive:
        names = archive.getnames()
    # The earlier backup is a file of the instance like any other; the one being written is not.
    assert "folders/instance/backups/first.tar.gz" in names
    assert not [name for name in names if "second" in name or "traderow-backup-" in name]


def test_backup_points_postgresql_to_its_own_tools(tmp_path: Path) -> None:
    url = "postgresql+psycopg://traderow@127.0.0.1:1/none"
    with committed_app(tmp_path, url) as app:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "out.tar.gz")])
    assert result.exit_code == 1 and "pg_dump" in result.output


def test_uploads_in_the_database_store_are_backed_up_and_restored_with_their_runs(tmp_path: Path) -> None:
    price_list = b"sku;title;price\nA1;Kettle;100\n"
    _database, url = _instance(tmp_path / "source")
    migrate(url, seed=True)
    with committed_app(tmp_path / "source", url, UPLOAD_STORE="database") as app, app.app_context():
        with database(app).session() as session:
            supplier = add_supplier(session, "pans", name="Pans", store_url="https://kitchen-pro.example/")
            run = queue_import(session, supplier, price_list, filename="prices.csv", files=file_store(app))
            session.commit()
            stored = run.source_path or ""
        assert not any(Path(app.config["UPLOAD_PATH"]).glob("*.feed")), "the upload waits in the database"
        backed_up = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
        assert backed_up.exit_code == 0, backed_up.output
    [archive] = sorted((tmp_path / "backups").glob("traderow-backup-*.tar.gz"))

    target = tmp_path / "restored"
    _database, url = _instance(target)
    with committed_app(target, url, UPLOAD_STORE="database") as app, app.app_context():
        restored = app.test_cli_runner().invoke(args=["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        with database(app).session() as session:
            waiting = session.scalars(select(ImportRun)).one()
            assert waiting.status == ImportStatus.QUEUED and waiting.source_path == stored
            with file_store(app).local_copy(session, stored) as path:
                assert path is not None and Path(path).read_bytes() == price_list
