"""The offer index on disk: generations, one writer at a time, one cached searcher per instance.

Layout under ``root``::

    CURRENT        one line naming the active generation, e.g. "gen-3"
    WRITE.lock     held (flock) by whoever writes: apply(), rebuild(), ensure(); names its holder
    WRITE.lock.guard  taken for a moment around each attempt at WRITE.lock
    gen-3/         a plain Whoosh index directory
    gen-2/         the generation before, kept so a reader that just read CURRENT can open it

``rebuild()`` writes a whole new generation and switches CURRENT with ``os.replace``, so a
reader sees either the old complete index or the new complete one. Incremental changes go
into the current generation with one writer and one commit per batch.
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self, TypeVar

from whoosh import index
from whoosh.index import Index, LockError
from whoosh.writing import SegmentWriter

from search_index.column_data import ColumnCache
from search_index.documents import OfferDocument
from search_index.query import (
    IndexedOffer,
    SearchQuery,
    SearchResults,
    Suggestions,
    normalized,
)
from search_index.reading import Snapshot
from search_index.schema import InvalidDocumentError, build_schema, document_fields, outdated_fields
from search_index.storage import open_index
from search_index.writers import ForkserverMpWriter

__all__ = ["IndexLockedError", "IndexOutdatedError", "LockHolder", "SearchIndex"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

CURRENT_FILE = "CURRENT"
LOCK_FILE = "WRITE.lock"
GENERATION_PREFIX = "gen-"
_GENERATION_RE = re.compile(r"^gen-(\d+)$")

#: Taken for a moment around each attempt at WRITE.lock, so a takeover cannot race a writer.
GUARD_FILE = "WRITE.lock.guard"
#: How long WRITE.lock must stay busy while the holder it records is gone before a writer
#: takes it over. A live holder records itself within microseconds of taking the lock.
STALE_LOCK_GRACE = 1.0

#: How long apply() and rebuild() wait for another writer before giving up.
DEFAULT_LOCK_TIMEOUT = 30.0
#: Above this many documents rebuild() uses two writer processes (WHOOSH.md: ~1.7x faster).
MULTIPROCESS_THRESHOLD = 20_000
#: From this many documents on, apply() analyses them in two writer processes too (a
#: re-import's repriced offers); each such commit adds two segments, which Whoosh's merge
#: policy folds into the others at later commits.
APPLY_MULTIPROCESS_THRESHOLD = 2_000

# Errors a search can meet when another process commits or rebuilds underneath it: a
# segment or generation directory deleted between listing and opening, or a TOC missing.
_RETRYABLE = (OSError, EOFError, index.IndexError)


class IndexLockedError(LockError):
    """Report that another writer held the index for longer than the lock timeout."""


class IndexOutdatedError(RuntimeError):
    """Report an index written with an older schema; ``rebuild()`` replaces it."""


@dataclass(frozen=True)
class LockHolder:
    """Who holds WRITE.lock now, as ``SearchIndex.lock_holder()`` sees it."""

    #: Someone holds the lock at this moment.
    held: bool
    #: The holder the lock file records (None: free, or no holder recorded).
    pid: int | None
    #: The recorded holder is a running process; held but not alive means stale (taken over by the next writer).
    alive: bool

    @property
    def stale(self) -> bool:
        return self.held and not self.alive


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


def _start_ticks(pid: int) -> str:
    """Return when process ``pid`` started (Linux clock ticks since boot), or "" where unknown.

    Recorded with the pid, so a pid reused by an unrelated process is not taken for the holder.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def _record_holder(fd: int) -> None:
    pid = os.getpid()
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid={pid} start={_start_ticks(pid)}\n".encode("ascii"), 0)


def _read_record(fd: int) -> str:
    return os.pread(fd, 200, 0).decode("ascii", errors="replace").strip()


def _record_pid(record: str) -> int | None:
    match = re.match(r"pid=(\d+)", record)
    return int(match.group(1)) if match else None


def _holder_alive(record: str) -> bool:
    """Say whether the holder a lock file records is a running process (False when none is recorded)."""
    pid = _record_pid(record)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, under another user
    match = re.search(r"start=(\d+)", record)
    return match is None or _start_ticks(pid) in ("", match.group(1))


def _writer(ix: Index, *, procs: int = 1, **options: Any) -> Any:
    """Open a Whoosh writer on ``ix``, with ``procs`` writer processes.

    WRITE.lock already serialises every writer of ours, so Whoosh's own lock in the
    generation is not taken: it would only repeat ours, and a stray process holding a copy
    of it would freeze that generation where the takeover of WRITE.lock cannot reach.
    Two processes need ``multisegment=True`` (else Whoosh can raise IndexError) and come from
    the fork server (``search_index.writers``), never forked from this process.
    """
    if procs > 1:
        return ForkserverMpWriter(ix, procs=procs, multisegment=True, _lk=False, **options)
    return SegmentWriter(ix, _lk=False, **options)


class SearchIndex:
    """Keep the offer search index under one root directory; see the module docstring.

    Writers are serialised across processes by a lock file. Readers keep one searcher per
    instance and swap it when the index changed; the swap and the searches run under one
    lock, because a Whoosh searcher is not documented as thread-safe and pure-Python search
    gains nothing from threads anyway (WHOOSH.md: scale with processes).
    """

    #: Which engine this is (``search_index.engine.SearchEngine``).
    engine = "whoosh"

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        multiprocess_threshold: int = MULTIPROCESS_THRESHOLD,
        apply_multiprocess_threshold: int = APPLY_MULTIPROCESS_THRESHOLD,
    ) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self.multiprocess_threshold = multiprocess_threshold
        self.apply_multiprocess_threshold = apply_multiprocess_threshold
        self._read_lock = threading.Lock()
        # How deep this thread is inside write_lock(), so apply() within it does not wait on itself.
        self._writing = threading.local()
        self._generation: Snapshot | None = None
        self._columns = ColumnCache()

    def __repr__(self) -> str:
        return f"<SearchIndex {str(self.root)!r}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- layout ----------------------------------------------------------------------

    def _read_current(self) -> str | None:
        try:
            name = (self.root / CURRENT_FILE).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return name if _GENERATION_RE.match(name) else None

    def _write_current(self, name: str) -> None:
        tmp = self.root / f".{CURRENT_FILE}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / CURRENT_FILE)
        # Make the rename itself durable.
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _generation_numbers(self) -> list[int]:
        numbers = []
        for entry in self.root.iterdir():
            match = _GENERATION_RE.match(entry.name)
            if match and entry.is_dir():
                numbers.append(int(match.group(1)))
        return sorted(numbers)

    def _new_generation(self) -> tuple[str, Path]:
        number = max(self._generation_numbers(), default=0) + 1
        name = f"{GENERATION_PREFIX}{number}"
        path = self.root / name
        path.mkdir()
        return name, path

    def _delete_old_generations(self, keep: Collection[str]) -> None:
        """Delete generation directories not in ``keep``; best effort.

        A reader that already opened one keeps working: its segment files are mapped, and
        on Linux deleted files live on until closed.
        """
        for number in self._generation_numbers():
            name = f"{GENERATION_PREFIX}{number}"
            if name not in keep:
                shutil.rmtree(self.root / name, ignore_errors=True)
                logger.info("search index %s: deleted old generation %s", self.root, name)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Hold the cross-process write lock, waiting up to ``lock_timeout`` seconds.

        The holder's pid is recorded in the lock file while it holds it. flock locks belong
        to the open file, so threads of one process exclude each other too (each call opens
        its own descriptor), and the lock goes with its holder's descriptors, whatever
        kills it; a copy of the descriptor in another process keeps it, though, so a lock
        that stays busy while the holder it names is gone is taken over (see ``_acquire``).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd = self._acquire()
        try:
            yield
        finally:
            try:
                os.ftruncate(fd, 0)  # nobody holds it now
            finally:
                os.close(fd)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Serialise taking WRITE.lock with taking it over; held for microseconds, never while forking."""
        fd = os.open(self.root / GUARD_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _acquire(self) -> int:
        """Return a descriptor holding WRITE.lock, with this process recorded as its holder.

        A lock that is busy while the holder it records is gone (or records none) for
        ``STALE_LOCK_GRACE`` seconds is held by a descriptor that some other process
        inherited (an orphaned child of a killed writer): the lock file is then replaced
        by a fresh one, and the orphan keeps a lock on a file nobody uses any more.
        """
        path = self.root / LOCK_FILE
        deadline = time.monotonic() + self.lock_timeout
        suspect: tuple[int, str, float] | None = None  # (inode, record, first seen) of a stale-looking lock
        while True:
            with self._guard():
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
                if _try_flock(fd) and os.fstat(fd).st_ino == os.stat(path).st_ino:
                    _record_holder(fd)
                    return fd
                inode, record = os.fstat(fd).st_ino, _read_record(fd)
                os.close(fd)
                now = time.monotonic()
                if _holder_alive(record):
                    suspect = None
                elif suspect is None or suspect[:2] != (inode, record):
                    suspect = (inode, record, now)
                elif now - suspect[2] >= STALE_LOCK_GRACE:
                    self._take_over(path, record)
                    suspect = None
                    continue
            if now >= deadline:
                raise IndexLockedError(f"search index {self.root} is locked by another writer ({record or 'unknown'})")
            time.sleep(0.05)

    def _take_over(self, path: Path, record: str) -> None:
        """Replace a lock file whose recorded holder is gone; the caller holds the guard."""
        tmp = self.root / f".{LOCK_FILE}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        os.close(os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644))
        os.replace(tmp, path)
        logger.warning(
            "search index %s: took over %s: it stayed held while its holder (%s) was gone, "
            "by a process that inherited the holder's descriptor",
            self.root,
            LOCK_FILE,
            record or "not recorded",
        )

    def lock_holder(self) -> LockHolder:
        """Say whether WRITE.lock is held now, by whom, and whether that holder is alive."""
        path = self.root / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return LockHolder(held=False, pid=None, alive=False)
        try:
            record = _read_record(fd)
            if _try_flock(fd):
                return LockHolder(held=False, pid=None, alive=False)  # closing the descriptor releases it
            return LockHolder(held=True, pid=_record_pid(record), alive=_holder_alive(record))
        finally:
            os.close(fd)

    def _ensure_locked(self) -> str:
        """Return the current generation, creating an empty one if none is usable."""
        name = self._read_current()
        if name is not None and index.exists_in(str(self.root / name)):
            return name
        if name is not None:
            logger.error(
                "search index %s: CURRENT names %s, which is not an index; starting empty",
                self.root,
                name,
            )
        name, path = self._new_generation()
        index.create_in(str(path), build_schema())
        self._write_current(name)
        logger.info("search index %s: created empty generation %s", self.root, name)
        return name

    # -- writing ---------------------------------------------------------------------

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the write lock across several steps; ``apply``/``rebuild`` inside reuse it.

        A caller that reads what it will write (the database's offers) must read under the
        lock: otherwise another writer can write newer documents between the read and the
        write, and this one then overwrites them with stale ones. Re-entrant per thread.
        Raises :class:`IndexLockedError` after ``lock_timeout`` seconds.
        """
        depth = getattr(self._writing, "depth", 0)
        if depth:
            self._writing.depth = depth + 1
            try:
                yield
            finally:
                self._writing.depth = depth
            return
        with self._write_lock():
            self._writing.depth = 1
            try:
                yield
            finally:
                self._writing.depth = 0

    def ensure(self) -> None:
        """Create an empty index if none exists yet."""
        name = self._read_current()
        if name is not None and index.exists_in(str(self.root / name)):
            return
        with self.write_lock():
            self._ensure_locked()

    def apply(self, upserts: Iterable[OfferDocument], removals: Iterable[int] = ()) -> int:
        """Write ``upserts`` and delete ``removals`` with one writer and one commit.

        An offer id both upserted and removed in one batch ends up removed. Invalid
        documents are skipped and logged, never handed to the writer. Returns the number of
        documents written plus the number of indexed documents removed.
        """
        by_id: dict[int, dict[str, Any]] = {}
        for fields in self._checked_fields(upserts):
            by_id[int(fields["offer_id"])] = fields  # the last version in a batch wins
        removed_ids: set[int] = set()
        for offer_id in removals:
            if isinstance(offer_id, bool) or not isinstance(offer_id, int):
                raise TypeError(f"offer ids to remove must be int, not {offer_id!r}")
            removed_ids.add(offer_id)
            by_id.pop(offer_id, None)
        if not by_id and not removed_ids:
            return 0

        with self.write_lock():
            name = self._ensure_locked()
            # Mapped, not copied: update_document needs the writer's own searcher to find
            # what it replaces, and Whoosh's default storage copies every segment's terms,
            # postings and stored fields into memory to open one (search_index.storage).
            ix = open_index(self.root / name)
            outdated = outdated_fields(ix.schema)
            if outdated:
                raise IndexOutdatedError(
                    f"search index {self.root} ({name}) has missing or outdated fields {outdated}; rebuild it"
                )
            # Deletions run in this process; with two writer processes only the adding is
            # shared out, and the documents are validated above (an error in a child drops
            # its batch silently).
            writer = _writer(ix, procs=2 if len(by_id) >= self.apply_multiprocess_threshold else 1)
            removed = 0
            try:
                for offer_id in removed_ids:
                    removed += writer.delete_by_term("offer_id", str(offer_id))
                for fields in by_id.values():
                    writer.update_document(**fields)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        logger.info(
            "search index %s: wrote %d and removed %d documents in %s",
            self.root,
            len(by_id),
            removed,
            name,
        )
        return len(by_id) + removed

    def index(self, docs: Iterable[OfferDocument]) -> int:
        """Add or replace ``docs``; see :meth:`apply`."""
        return self.apply(docs)

    def remove(self, offer_ids: Iterable[int]) -> int:
        """Remove the offers with ``offer_ids``; returns how many were in the index."""
        return self.apply((), offer_ids)

    def rebuild(self, docs: Iterable[OfferDocument]) -> int:
        """Build a complete new generation from ``docs`` and switch readers to it atomically.

        Returns the number of documents written. If the build fails, the current
        generation stays active and the partial one is deleted.
        """
        with self.write_lock():
            previous = self._read_current()
            name, path = self._new_generation()
            try:
                ix = index.create_in(str(path), build_schema())
                written = self._build(ix, docs)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            self._write_current(name)
            logger.info(
                "search index %s: rebuilt %s with %d documents",
                self.root,
                name,
                written,
            )
            self._delete_old_generations(keep={name} | ({previous} if previous else set()))
        return written

    def _checked_fields(self, docs: Iterable[OfferDocument]) -> Iterator[dict[str, Any]]:
        """Yield the stored fields of each valid document; log and skip the invalid ones."""
        for doc in docs:
            try:
                yield document_fields(doc)
            except InvalidDocumentError as exc:
                logger.warning("search index %s: skipped invalid document: %s", self.root, exc)

    def _valid_fields(self, docs: Iterable[OfferDocument]) -> Iterator[dict[str, Any]]:
        seen: set[int] = set()
        for fields in self._checked_fields(docs):
            offer_id = int(fields["offer_id"])
            if offer_id in seen:
                # A fresh index has nothing for update_document to replace, so a second
                # copy would be a duplicate hit.
                logger.warning("search index %s: skipped duplicate offer %d", self.root, offer_id)
                continue
            seen.add(offer_id)
            yield fields

    def _build(self, ix: Index, docs: Iterable[OfferDocument]) -> int:
        valid = self._valid_fields(docs)
        # Look ahead just far enough to choose the writer without holding every doc.
        head = list(itertools.islice(valid, self.multiprocess_threshold + 1))
        if len(head) > self.multiprocess_threshold:
            # Children get only validated plain dicts: an error in a child silently drops its batch.
            writer = _writer(ix, procs=2, limitmb=128)
        else:
            writer = _writer(ix, limitmb=128)
        written = 0
        try:
            for fields in itertools.chain(head, valid):
                writer.add_document(**fields)
                written += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return written

    # -- reading ---------------------------------------------------------------------

    def _fresh_generation(self) -> Snapshot | None:
        """Return an up-to-date searcher state, reopening it if the index changed."""
        name = self._read_current()
        current = self._generation
        if current is not None and current.name == name:
            try:
                if current.up_to_date():
                    return current
            except _RETRYABLE:
                pass  # the directory vanished under us: reopen below
        if name is None:
            self._drop_generation()
            return None
        # Never Searcher.refresh(): in whoosh-reloaded it keeps replaced segments and
        # shows stale duplicates (WHOOSH.md). Open a new searcher, then close the old one.
        fresh = Snapshot(name, self.root / name, self._columns)
        try:
            # Read the columns and orders every search needs before the swap, so searches
            # after a commit do not each pay for a piece of it.
            fresh.warm()
        except BaseException:
            fresh.close()
            raise
        self._generation = fresh
        if current is not None:
            current.close()
        return fresh

    def _drop_generation(self) -> None:
        current, self._generation = self._generation, None
        if current is not None:
            try:
                current.close()
            except _RETRYABLE:
                logger.debug("search index %s: error closing searcher", self.root, exc_info=True)

    def _with_generation(self, default: T, work: Callable[[Snapshot], T]) -> T:
        """Run ``work(generation)`` under the read lock, retrying once on a fresh searcher."""
        with self._read_lock:
            for attempt in (1, 2):
                try:
                    generation = self._fresh_generation()
                    return default if generation is None else work(generation)
                except _RETRYABLE:
                    if attempt == 2:
                        raise
                    logger.info(
                        "search index %s: reader hit a concurrent change, reopening",
                        self.root,
                        exc_info=True,
                    )
                    self._drop_generation()
        raise AssertionError("unreachable")

    def search(self, query: SearchQuery) -> SearchResults:
        """Run ``query`` and return one page of results with exact totals and facets.

        Every word must match; when no offer has them all, a misspelt word is corrected
        (``corrected``) or any word may match (``relaxed``). See ``search_index.reading``.
        """
        q = normalized(query)
        low, high = q.min_price_minor, q.max_price_minor
        if low is not None and high is not None and low > high:
            return SearchResults(hits=(), total=0, page=q.page, per_page=q.per_page)
        empty = SearchResults(hits=(), total=0, page=q.page, per_page=q.per_page)
        return self._with_generation(empty, lambda snapshot: snapshot.search(q))

    def suggest(self, text: str, limit: int = 5) -> Suggestions:
        """Return autocomplete suggestions for ``text``, the last word being a prefix."""
        limit = min(max(1, limit), 20)
        return self._with_generation(Suggestions(), lambda snapshot: snapshot.suggest(text, limit))

    def indexed_offers(self) -> dict[int, IndexedOffer]:
        """Return what the index holds for each offer, for drift checks against the database."""
        return self._with_generation({}, lambda snapshot: snapshot.indexed_offers())

    def offer_ids(self) -> set[int]:
        """Return the ids of all indexed offers."""
        return set(self.indexed_offers())

    def doc_count(self) -> int:
        """Return the number of indexed offers."""
        return self._with_generation(0, lambda snapshot: snapshot.searcher.doc_count())

    def is_outdated(self) -> bool:
        """Return True when the live generation was built with an older schema.

        Reads only the generation's schema, not a searcher's columns, so the worker can ask
        every pass.
        """
        for attempt in (1, 2):
            name = self._read_current()
            if name is None or not index.exists_in(str(self.root / name)):
                return False
            try:
                return bool(outdated_fields(index.open_dir(str(self.root / name)).schema))
            except _RETRYABLE:
                if attempt == 2:
                    raise  # a rebuild swapped generations twice under us
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the cached searcher; the next search opens a new one."""
        with self._read_lock:
            self._drop_generation()
