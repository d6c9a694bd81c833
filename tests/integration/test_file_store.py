"""The file store: one interface, files in a folder or parts in the database, and imports through either."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.catalog.thumbnails import ThumbnailFolder
from marketplace.catalog.views import thumbnail_src
from marketplace.db import database
from marketplace.files import store as store_module
from marketplace.files.models import StoredFilePart
from marketplace.files.store import DatabaseFileStore, FileStore, FolderFileStore, file_store
from marketplace.imports.jobs import run_import
from marketplace.imports.progress import clear_progress, progress_writer, read_progress
from marketplace.imports.uploads import queue_import
from marketplace.suppliers.models import ImportRun, ImportStatus
from marketplace.suppliers.services import add_supplier
from tests.support.committed_apps import committed_app
from tests.support.database import migrate, side_database
from tests.support.feeds import yml_feed, yml_offer


@pytest.fixture(params=["files", "database"])
def store_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """Yield an app on a database that really commits, with each kind of file store."""
    with side_database(tmp_path, "files") as url:
        migrate(url)
        with committed_app(tmp_path, url, UPLOAD_STORE=request.param) as app, app.app_context():
            yield app


def leftovers(folder: str) -> list[str]:
    """Return the files a store left in its node's folder (copies and fetches in progress)."""
    return sorted(
        os.path.join(root, name)
        for root, _dirs, names in os.walk(folder)
        for name in names
        if "copies" in root or "incoming" in root
    )


def test_the_setting_chooses_the_store(store_app: Flask) -> None:
    expected = DatabaseFileStore if store_app.config["UPLOAD_STORE"] == "database" else FolderFileStore
    assert type(file_store(store_app)) is expected


def test_a_file_is_kept_read_back_whole_and_removed(store_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "PART_BYTES", 1000)  # several parts without a large file
    store: FileStore = file_store(store_app)
    data = bytes(range(256)) * 20  # 5,120 bytes: six parts in the database
    with database(store_app).session() as session:
        name = store.put(session, [data[:3000], data[3000:]])
        session.commit()
        assert name.startswith("upload-") and name.endswith(".feed")
        assert store.exists(session, name)
        with store.local_copy(session, name) as path:
            assert path is not None
            assert Path(path).read_bytes() == data
        assert leftovers(store.folder) == []
        store.remove(session, name)
        session.commit()
        assert not store.exists(session, name)
        with store.local_copy(session, name) as path:
            assert path is None
        store.remove(session, name)  # gone already: no error


def test_an_empty_file_is_kept_as_empty(store_app: Flask) -> None:
    store = file_store(store_app)
    with database(store_app).session() as session:
        name = store.put(session, b"")
        session.commit()
        with store.local_copy(session, name) as path:
            assert path is not None and Path(path).read_bytes() == b""


def test_in_the_database_a_file_commits_or_rolls_back_with_the_callers_transaction(tmp_path: Path) -> None:
    with side_database(tmp_path, "files") as url:
        migrate(url)
        with committed_app(tmp_path, url, UPLOAD_STORE="database") as app, app.app_context():
            store = file_store(app)
            with database(app).session() as session:
                name = store.put(session, b"sku;price\n")
                session.rollback()  # the upload's request failed before its commit
                assert not store.exists(session, name)
                assert session.scalar(select(func.count()).select_from(StoredFilePart)) == 0


def test_progress_notes_are_read_by_another_process_outside_the_import(store_app: Flask) -> None:
    store = file_store(store_app)
    write = progress_writer(store, 7)
    write(500)
    write(1500)
    assert read_progress(store, 7) == 1500
    assert read_progress(store, 8) is None
    clear_progress(store, 7)
    assert read_progress(store, 7) is None


def test_an_upload_is_imported_from_either_store_and_then_forgotten(store_app: Flask) -> None:
    store = file_store(store_app)
    with database(store_app).session() as session:
        supplier = add_supplier(session, "pans", name="Pans", store_url="https://kitchen-pro.example/")
        run = queue_import(
            session, supplier, yml_feed([yml_offer("P1", "120"), yml_offer("P2", "130")]),
            filename="pans.xml", files=store,
        )  # fmt: skip
        session.commit()
        stored = run.source_path or ""
        assert store.exists(session, stored)
        run_import(session, store_app, run_id=run.id)
        done = session.get_one(ImportRun, run.id)
        session.refresh(done)
        assert done.status == ImportStatus.SUCCEEDED, done.error
        assert done.created == 2
        assert not store.exists(session, stored)
        assert read_progress(store, run.id) is None
    assert leftovers(store.folder) == []


def test_a_thumbnail_one_nodes_worker_made_is_served_by_another_node(tmp_path: Path) -> None:
    picture = "https://kitchen-pro.example/img/pan.jpg"
    thumbnail = b"RIFF-not-really-a-webp-but-served-as-stored"
    with side_database(tmp_path, "files") as url:
        migrate(url)
        with (
            committed_app(tmp_path / "a", url, UPLOAD_STORE="database") as node_a,
            committed_app(tmp_path / "b", url, UPLOAD_STORE="database") as node_b,
        ):
            with node_a.app_context():
                ThumbnailFolder.of(node_a.config).write(picture, thumbnail)
            with node_b.test_request_context():
                folder = ThumbnailFolder.of(node_b.config)
                assert folder.path != ThumbnailFolder.of(node_a.config).path
                assert not folder.thumbnail(picture).exists()
                src = thumbnail_src(picture)
            assert src == f"/thumbnails/{folder.file_name(picture)}"
            served = node_b.test_client().get(src)
            assert served.status_code == 200 and served.data == thumbnail
            served.close()
            # A picture no node made shows the placeholder, on either store.
            with node_b.test_request_context():
                assert thumbnail_src("https://kitchen-pro.example/img/lid.jpg") is None
