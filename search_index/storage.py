"""Open index files as lazy, shared memory maps instead of private in-memory copies.

Whoosh keeps each segment in one compound file. With its default storage, opening a
segment maps that file and then wraps every part it reads (terms, postings, stored
fields) in ``BytesIO(memoryview)``, which copies the part: opening a reader on a 100k
offer index copied ~225 MB into the process and touched every page of the map as well,
so the writer's own searcher (which ``update_document`` and ``delete_by_term`` need to
find the documents they replace) cost ~460 MB of RSS at 100k offers, and every web
process paid the same again for each new searcher after each commit.

:class:`MappedFileStorage` serves the same bytes straight from a read-only map: reading a
part slices the map, so a process holds only the pages it actually read (term lookups,
the postings of the words searched, the column slices), and those pages are the
kernel's page cache, shared by every process and reclaimable.
"""

from __future__ import annotations

import mmap
import os
from array import array
from typing import Any

from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.system import IS_LITTLE

__all__ = ["MappedFileStorage", "open_index"]

_ITEM_SIZES = {code: array(code).itemsize for code in "bBhHiIlLqQfd"}


class _Map:
    """One read-only map, unmapped once its file and every part opened from it are closed."""

    __slots__ = ("mm", "users")

    def __init__(self, mm: mmap.mmap) -> None:
        self.mm = mm
        self.users = 0

    def acquire(self) -> None:
        self.users += 1

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0:
            # Nothing exports a buffer of the map (reads slice it into bytes), so this
            # never meets the BufferError Whoosh's own storage has to tolerate.
            self.mm.close()


class _MapReader:
    """The file-like object under a :class:`_MappedFile`: a window of a map, with a position."""

    __slots__ = ("_base", "_length", "_map", "_pos", "closed")

    def __init__(self, shared: _Map, base: int, length: int) -> None:
        self._map = shared
        self._base = base
        self._length = length
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._length if size is None or size < 0 else min(self._length, start + size)
        if end <= start:
            return b""
        self._pos = end
        return self._map.mm[self._base + start : self._base + end]

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        limit = self._length if size is None or size < 0 else min(self._length, self._pos + size)
        found = self._map.mm.find(b"\n", self._base + self._pos, self._base + limit)
        end = limit if found < 0 else found - self._base + 1
        return self.read(end - self._pos)

    def seek(self, where: int, whence: int = 0) -> int:
        if whence == 0:
            self._pos = where
        elif whence == 1:
            self._pos += where
        elif whence == 2:
            self._pos = self._length + where
        else:
            raise ValueError(f"bad whence: {whence!r}")
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._map.release()


class _MappedFile(StructFile):
    """A Whoosh ``StructFile`` over a window of a map; random reads slice it without copying the rest."""

    def __init__(self, shared: _Map, base: int, length: int, name: str | None = None, onclose: Any = None) -> None:
        shared.acquire()
        super().__init__(_MapReader(shared, base, length), name=name, onclose=onclose)
        self._shared = shared
        self._base = base
        self._length = length

    def subset(self, offset: int, length: int, name: str | None = None) -> _MappedFile:
        # What a compound file hands out for each part; Whoosh's BufferFile copies here.
        return _MappedFile(self._shared, self._base + offset, length, name=name or self._name)

    def get(self, position: int, length: int) -> bytes:
        start = self._base + position
        return self._shared.mm[start : start + max(0, min(length, self._length - position))]

    def get_array(self, position: int, typecode: str, length: int) -> array[Any]:
        values = array(typecode)
        values.frombytes(self.get(position, length * _ITEM_SIZES[typecode]))
        if IS_LITTLE:
            values.byteswap()
        return values


class MappedFileStorage(FileStorage):
    """A ``FileStorage`` whose files open as lazy maps; see the module docstring.

    ``supports_mmap`` is False on purpose: it tells Whoosh's compound files not to map the
    file themselves (and copy its parts) but to take their parts from our file's ``subset``.
    Writing is unchanged.
    """

    supports_mmap = False

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        path = self._fpath(name)
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if not size:
                return super().open_file(name, **kwargs)  # an empty file cannot be mapped
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return _MappedFile(_Map(mm), 0, size, name=name, **kwargs)


def open_index(path: str | os.PathLike[str]) -> index.FileIndex:
    """Open the Whoosh index in ``path`` with :class:`MappedFileStorage`."""
    return index.FileIndex(MappedFileStorage(str(path)), indexname=index._DEF_INDEX_NAME)
