"""Click-outs waiting to be recorded: one small file each, when the database could not take them in time.

A click-out never waits for the database's write lock (on SQLite an import holds it for its
whole run). The click goes into this spool instead, and the worker records it later with its
own time. The spool is a maildir: each click is written to ``tmp/`` and renamed into
``new/``, so readers only ever see whole files, any number of web processes can write at
once without a lock, and a file is deleted only after its click was committed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClickRecord:
    """One person's click-out, as it is to be recorded."""

    offer_id: int
    visitor_id: str | None
    user_id: int | None
    #: The page the click came from (path only, on our own site).
    source_page: str | None
    #: The offer's 1-based position in the list it was clicked in.
    position: int | None
    #: When the buyer clicked (aware, UTC); the click is recorded with this time, however late.
    clicked_at: dt.datetime

    def to_json(self) -> str:
        """Return the record as one line of JSON."""
        return json.dumps({**dataclasses.asdict(self), "clicked_at": self.clicked_at.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> ClickRecord:
        """Read a record written by ``to_json``."""
        data = json.loads(text)
        data["clicked_at"] = dt.datetime.fromisoformat(data["clicked_at"])
        return cls(**data)


class ClickSpool:
    """The spool directory (``<instance>/click-spool`` by default)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def put(self, record: ClickRecord) -> Path:
        """Write ``record`` into the spool and return its file."""
        tmp, new = self.directory / "tmp", self.directory / "new"
        tmp.mkdir(parents=True, exist_ok=True)
        new.mkdir(parents=True, exist_ok=True)
        # The time first, so that names sort in click order.
        name = f"{record.clicked_at:%Y%m%dT%H%M%S%f}-{os.getpid()}-{secrets.token_hex(6)}.json"
        with open(tmp / name, "w", encoding="utf-8") as file:
            file.write(record.to_json())
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp / name, new / name)
        return new / name

    def waiting(self, limit: int = 1000) -> Iterator[tuple[Path, ClickRecord]]:
        """Yield up to ``limit`` spooled clicks, oldest first; unreadable files are set aside in ``bad/``."""
        new = self.directory / "new"
        if not new.is_dir():
            return
        for path in sorted(new.iterdir())[:limit]:
            try:
                record = ClickRecord.from_json(path.read_text("utf-8"))
            except (OSError, ValueError, TypeError, KeyError) as error:
                logger.error("Click spool: cannot read %s (%s); moved to bad/", path.name, error)
                (self.directory / "bad").mkdir(exist_ok=True)
                os.replace(path, self.directory / "bad" / path.name)
                continue
            yield path, record

    def count(self) -> int:
        """Return how many clicks wait in the spool."""
        new = self.directory / "new"
        return sum(1 for _ in new.iterdir()) if new.is_dir() else 0
