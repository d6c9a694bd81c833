"""Where uploaded price lists and fetched feed files wait for the worker: one interface, two stores.

``TRADEROW_UPLOAD_STORE`` chooses the store:

- ``files`` (the embedded default): files in ``UPLOAD_PATH``, on one machine (or in a folder
  every node mounts, which takes NFS).
- ``database``: the ``stored_files`` table. Every node already shares the database and its
  backups, so a price list uploaded to one node's web process is read by a worker on any
  other node with no new service. A file is written in the caller's transaction: an upload
  and the run that waits for it commit together, or neither does.

Parsers read from disk (a zip's directory, an Excel workbook, a parser process of its own), so a
job reads a stored file through :meth:`FileStore.local_copy`; the database store writes that copy
into this node's ``UPLOAD_PATH`` and removes it afterwards.

*Notes* are small files that one process writes while others read them, each in a short
transaction of its own, under names the writer chooses: an import's progress (its own
transaction cannot commit before the import ends), listing thumbnails.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator

from flask import Flask, current_app
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from marketplace.db import WRITE_WAIT, Database, database
from marketplace.files.models import StoredFilePart

logger = logging.getLogger(__name__)

#: The database store cuts a file into parts of this many bytes: neither writing nor reading
#: one holds a whole price list (up to ``TRADEROW_FEED_MAX_BYTES``) in memory.
PART_BYTES = 4 * 1024 * 1024

#: Notes go through a connection of their own, never the caller's transaction (an import's,
#: which commits only at its end). On SQLite a note takes the write lock without waiting: an
#: import holds it for its whole run, and a progress line is not worth stalling it for.
_NOTE_OPTIONS = {WRITE_WAIT: 0.0}


def new_name(prefix: str) -> str:
    """Return a fresh file name of ours: never the uploader's, so no path tricks and no collisions."""
    return f"{prefix}-{uuid.uuid4().hex}.feed"


class FileStore(ABC):
    """Keep files under names of ours, for any process of the site to read.

    Methods that take a session write in the caller's transaction where the store can (the
    database store); the files store writes at once. ``folder`` is this node's own folder:
    the files themselves for the files store, temporary copies for the database store.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder

    @abstractmethod
    def put(self, session: Session, data: bytes | Iterable[bytes], *, prefix: str = "upload") -> str:
        """Keep ``data`` (bytes or chunks) under a new name and return that name."""

    def put_file(self, session: Session, path: str, *, prefix: str) -> str:
        """Keep the file at ``path`` (from :meth:`scratch_path`) under a new name, and remove ``path``."""
        try:
            with open(path, "rb") as fh:
                return self.put(session, iter(lambda: fh.read(PART_BYTES), b""), prefix=prefix)
        finally:
            _remove(path)

    def scratch_path(self) -> str:
        """Return a new path in this node's folder for a file being written (a feed being fetched)."""
        folder = os.path.join(self.folder, "incoming")
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, f"{uuid.uuid4().hex}.part")

    @abstractmethod
    def exists(self, session: Session, name: str) -> bool:
        """Say whether a file of this name is kept."""

    @abstractmethod
    def local_copy(self, session: Session, name: str) -> contextlib.AbstractContextManager[str | None]:
        """Yield a path on this node's disk to read the file from, or ``None`` if it is not kept."""

    @abstractmethod
    def remove(self, session: Session, name: str) -> None:
        """Forget the file (no error if it is already gone)."""

    @abstractmethod
    def write_note(self, name: str, data: bytes) -> None:
        """Record a small file at once, outside any caller's transaction; best effort."""

    @abstractmethod
    def read_note(self, name: str) -> bytes | None:
        """Return the note's bytes, or ``None`` if there is none (or it cannot be read now)."""

    @abstractmethod
    def remove_note(self, name: str) -> None:
        """Forget the note; best effort."""


class FolderFileStore(FileStore):
    """The embedded default: files in ``UPLOAD_PATH``, written at once."""

    def _path(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def put(self, session: Session, data: bytes | Iterable[bytes], *, prefix: str = "upload") -> str:
        os.makedirs(self.folder, exist_ok=True)
        name = new_name(prefix)
        with open(self._path(name), "wb") as fh:
            if isinstance(data, bytes | bytearray):
                fh.write(data)
            else:
                for chunk in data:
                    fh.write(chunk)
        return name

    def put_file(self, session: Session, path: str, *, prefix: str) -> str:
        # The scratch folder is inside this one: a rename, not a copy.
        name = new_name(prefix)
        os.replace(path, self._path(name))
        return name

    def exists(self, session: Session, name: str) -> bool:
        return bool(name) and os.path.isfile(self._path(name))

    @contextlib.contextmanager
    def local_copy(self, session: Session, name: str) -> Iterator[str | None]:
        yield self._path(name) if self.exists(session, name) else None

    def remove(self, session: Session, name: str) -> None:
        _remove(self._path(name))

    def write_note(self, name: str, data: bytes) -> None:
        path = self._path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Written beside, then renamed over: a reader never sees half a note.
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def read_note(self, name: str) -> bytes | None:
        try:
            with open(self._path(name), "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def remove_note(self, name: str) -> None:
        _remove(self._path(name))


class DatabaseFileStore(FileStore):
    """Files in the ``stored_files`` table, which every node of the site shares."""

    def __init__(self, folder: str, db: Database) -> None:
        super().__init__(folder)
        self._db = db

    def put(self, session: Session, data: bytes | Iterable[bytes], *, prefix: str = "upload") -> str:
        name = new_name(prefix)
        for number, chunk in enumerate(_parts([data] if isinstance(data, bytes | bytearray) else data)):
            part = StoredFilePart(name=name, part=number, data=chunk)
            session.add(part)
            session.flush()
            session.expunge(part)  # its bytes are written: let them go
        return name

    def exists(self, session: Session, name: str) -> bool:
        return bool(name) and bool(session.scalar(select(exists().where(StoredFilePart.name == name))))

    @contextlib.contextmanager
    def local_copy(self, session: Session, name: str) -> Iterator[str | None]:
        numbers = session.scalars(
            select(StoredFilePart.part).where(StoredFilePart.name == name).order_by(StoredFilePart.part)
        ).all()
        if not name or not numbers:
            yield None
            return
        folder = os.path.join(self.folder, "copies")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{uuid.uuid4().hex}-{os.path.basename(name)}")
        try:
            with open(path, "wb") as fh:
                for number in numbers:  # one part in memory at a time
                    fh.write(
                        session.scalar(
                            select(StoredFilePart.data).where(
                                StoredFilePart.name == name, StoredFilePart.part == number
                            )
                        )
                        or b""
                    )
            yield path
        finally:
            _remove(path)

    def remove(self, session: Session, name: str) -> None:
        session.execute(delete(StoredFilePart).where(StoredFilePart.name == name))

    def write_note(self, name: str, data: bytes) -> None:
        try:
            with Session(self._db.engine) as session:
                session.connection(execution_options=_NOTE_OPTIONS)
                session.execute(delete(StoredFilePart).where(StoredFilePart.name == name))
                session.add(StoredFilePart(name=name, part=0, data=data))
                session.commit()
        except SQLAlchemyError as exc:
            logger.debug("Note %s not written now: %s", name, exc)

    def read_note(self, name: str) -> bytes | None:
        try:
            with Session(self._db.engine) as session:
                return session.scalar(select(StoredFilePart.data).where(StoredFilePart.name == name))
        except SQLAlchemyError as exc:
            logger.debug("Note %s not read now: %s", name, exc)
            return None

    def remove_note(self, name: str) -> None:
        try:
            with Session(self._db.engine) as session:
                session.connection(execution_options=_NOTE_OPTIONS)
                session.execute(delete(StoredFilePart).where(StoredFilePart.name == name))
                session.commit()
        except SQLAlchemyError as exc:
            logger.debug("Note %s not removed now: %s", name, exc)


def _parts(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Cut chunks of any sizes into parts of ``PART_BYTES`` (the last shorter); an empty file is one empty part."""
    buffer = bytearray()
    sent = False
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= PART_BYTES:
            yield bytes(buffer[:PART_BYTES])
            del buffer[:PART_BYTES]
            sent = True
    if buffer or not sent:
        yield bytes(buffer)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def make_store(kind: str, folder: str, db: Database) -> FileStore:
    """Return the store ``TRADEROW_UPLOAD_STORE`` names."""
    if kind == "database":
        return DatabaseFileStore(folder, db)
    return FolderFileStore(folder)


def init_app(app: Flask) -> None:
    """Make the app's file store (after ``marketplace.db.init_app``)."""
    app.extensions["traderow.files"] = make_store(app.config["UPLOAD_STORE"], app.config["UPLOAD_PATH"], database(app))


def file_store(app: Flask | None = None) -> FileStore:
    """Return the app's file store."""
    return (app or current_app).extensions["traderow.files"]
