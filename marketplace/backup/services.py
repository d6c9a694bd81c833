"""Copy an embedded instance (its SQLite database and its files) into one .tar.gz, and restore one.

The database is copied with SQLite's online backup API, so the copy is one consistent
snapshot even while the site and the worker write: in WAL mode the copy reads beside the
writers, and a transaction still open when it starts is simply not in it. The files
(uploads waiting for the worker, spooled click-outs, thumbnails, anything else in the instance
folder) are copied after the database, so every file a row of the snapshot names is there.
The search index is left out: ``traderow index rebuild`` builds it from the database.

This module knows paths only, no app: the CLI (``backup/cli.py``) reads them from the config.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: The archive's layout version; restore refuses any other.
FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database/traderow.sqlite"
#: SQLite's own files beside a database: never copied raw (the backup API reads through them),
#: and removed before a restore, or a stale WAL would be replayed over the restored database.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class InstanceLayout:
    """Where an embedded instance keeps what a backup holds."""

    #: The SQLite database file.
    database: Path
    #: Named folders, archived under their names and restored to the same names' paths, so
    #: a backup restores into an instance whose folders are laid out differently.
    #: "instance" is the instance folder; folders inside it that are named here too (uploads
    #: by default) are archived once, under their own name.
    folders: Mapping[str, Path]
    #: Never archived nor counted: the search index (rebuilt) and the metrics files (per process).
    skip: tuple[Path, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class BackupSummary:
    """What a backup wrote."""

    path: Path
    database_bytes: int
    files: int


def _excluded(layout: InstanceLayout, name: str) -> set[Path]:
    """Return the paths not archived under the folder ``name``: the skipped, the database, the other folders."""
    others = {path.resolve() for other, path in layout.folders.items() if other != name}
    database = layout.database.resolve()
    sqlite_files = {database} | {Path(str(database) + suffix) for suffix in SQLITE_SIDE_FILES}
    return {path.resolve() for path in layout.skip} | others | sqlite_files


def _files(layout: InstanceLayout, name: str) -> Iterator[tuple[Path, str]]:
    """Yield each file of folder ``name`` with its path inside the folder."""
    root = layout.folders[name]
    if not root.is_dir():
        return
    excluded = _excluded(layout, name)
    for folder, dirnames, filenames in os.walk(root):
        here = Path(folder)
        dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() not in excluded)
        for filename in sorted(filenames):
            path = here / filename
            if path.resolve() not in excluded and path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


def copy_database(source: Path, target: Path, *, busy_timeout: float = 30.0) -> None:
    """Write a consistent copy of the SQLite database ``source`` to ``target`` and check it."""
    if not source.is_file():
        raise BackupError(f"There is no database at {source}: nothing to back up.")
    src = sqlite3.connect(source, timeout=busy_timeout)
    dst = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, under one read transaction, so the copy is
        # one snapshot (copying step by step would restart whenever a writer commits).
        src.backup(dst, pages=-1)
        verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if verdict != "ok":
        raise BackupError(f"The copy of the database failed SQLite's check: {verdict}")


def backup_instance(layout: InstanceLayout, destination: Path, *, now: dt.datetime | None = None) -> BackupSummary:
    """Write the database and the instance's files to ``destination``.

    A name ending in ``.tar.gz`` or ``.tgz`` is the archive's; anything else is a folder
    (made if missing) that gets ``traderow-backup-<UTC time>.tar.gz``.
    """
    now = now or dt.datetime.now(dt.UTC)
    if destination.is_dir() or not destination.name.endswith((".tar.gz", ".tgz")):
        destination = destination / f"traderow-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"
    destination.parent.mkdir(parents=True, exist_ok=True)
    files = 0
    with tempfile.TemporaryDirectory(prefix="traderow-backup-", dir=destination.parent) as work:
        # A destination inside the instance must not archive the archive being written.
        layout = replace(layout, skip=(*layout.skip, Path(work), destination))
        snapshot = Path(work) / "traderow.sqlite"
        copy_database(layout.database, snapshot)
        partial = Path(work) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(snapshot, DATABASE_MEMBER)
            # After the database: every upload a row of the snapshot names already exists.
            for name in layout.folders:
                for path, inner in _files(layout, name):
                    try:
                        archive.add(path, f"folders/{name}/{inner}", recursive=False)
                    except FileNotFoundError:
                        continue  # removed since listed (an upload the worker finished): not in the snapshot's future
                    files += 1
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "database": DATABASE_MEMBER,
                "folders": sorted(layout.folders),
                "files": files,
            }
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
        database_bytes = snapshot.stat().st_size
        # Whole or not at all: a reader never finds half an archive under the final name.
        os.replace(partial, destination)
    logger.info("Backup written to %s: database %d bytes, %d files", destination, database_bytes, files)
    return BackupSummary(path=destination, database_bytes=database_bytes, files=files)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def occupied(layout: InstanceLayout) -> list[str]:
    """Return what an instance already holds (its database, files in its folders): empty means fresh."""
    found = []
    database = layout.database
    if database.is_file() and database.stat().st_size > 0:
        found.append(str(database))
    for name in layout.folders:
        first = next(_files(layout, name), None)
        if first is not None:
            found.append(str(first[0]))
    return found


def restore_instance(layout: InstanceLayout, archive_path: Path, *, force: bool = False) -> int:
    """Restore a backup into ``layout``; refuse an instance that holds anything unless ``force``.

    Returns the number of files restored beside the database. With ``force`` the database is
    replaced and the archive's files are written over the folders' (others stay).
    """
    if not archive_path.is_file():
        raise BackupError(f"There is no backup at {archive_path}.")
    in_the_way = occupied(layout)
    if in_the_way and not force:
        raise BackupError(
            f"The instance is not empty ({in_the_way[0]} exists): restore into a fresh instance, "
            "or pass --force to replace its database."
        )
    layout.database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="traderow-restore-", dir=layout.database.parent) as work:
        unpacked = Path(work)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                manifest = _manifest(archive)
                # The "data" filter refuses absolute paths, "..", links out of the folder and devices.
                archive.extractall(unpacked, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{archive_path} is not a TradeRow backup that can be read: {exc}") from exc
        snapshot = unpacked / manifest["database"]
        if not snapshot.is_file():
            raise BackupError(f"{archive_path} holds no database.")
        for suffix in ("", *SQLITE_SIDE_FILES):
            Path(str(layout.database) + suffix).unlink(missing_ok=True)
        shutil.move(snapshot, layout.database)
        restored = 0
        for name in manifest["folders"]:
            source = unpacked / "folders" / name
            target = layout.folders.get(name)
            if target is None or not source.is_dir():
                continue
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, destination)
                restored += 1
    logger.info("Restored %s: the database and %d files", archive_path, restored)
    return restored


def _manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    name = str(archive.name)
    try:
        member = archive.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member is not None else None
    except (KeyError, ValueError) as exc:
        raise BackupError(f"{name} has no readable {MANIFEST}: is it a TradeRow backup?") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{name} is not a TradeRow backup of format {FORMAT}.")
    return manifest
