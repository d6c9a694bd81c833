"""Open whatever the caller passes as a binary stream we can peek into."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

#: How much of a file the format sniffers look at.
HEAD_SIZE = 64 * 1024


class PrefixedStream(io.RawIOBase):
    """Replay bytes already read from a stream, then continue with the stream itself."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        """Say yes: this stream is for reading only."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the replayed prefix first, then from the underlying stream."""
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_head(stream: BinaryIO, size: int = HEAD_SIZE) -> tuple[bytes, BinaryIO]:
    """Read up to ``size`` bytes and return them with a stream that still starts at byte 0."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        # A socket or pipe may return short reads; keep going until EOF or enough bytes.
        chunk = stream.read(remaining)
        if not chunk:
            break
        if not isinstance(chunk, bytes):
            raise TypeError("feeds must be read from a binary file; open it with 'rb'")
        chunks.append(chunk)
        remaining -= len(chunk)
    head = b"".join(chunks)
    return head, io.BufferedReader(PrefixedStream(head, stream), buffer_size=HEAD_SIZE)


@contextmanager
def open_source(source: bytes | str | os.PathLike[str] | BinaryIO) -> Iterator[BinaryIO]:
    """Yield a binary stream for bytes, a path, or an open binary file (left open for the caller)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield io.BytesIO(bytes(source))
    elif isinstance(source, str) and (source.lstrip().startswith("<") or "\n" in source):
        raise TypeError("parse_feed() reads a str as a file path; pass feed content as bytes")
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            yield stream
    elif hasattr(source, "read"):
        yield source
    else:
        raise TypeError(f"cannot read a feed from {type(source).__name__}")
