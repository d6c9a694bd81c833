"""How far a running import has got, for the portal's progress line.

The import runs in one database transaction, so its progress cannot be committed with it
while it runs. The worker writes it as a note in the file store instead (a small file beside
the uploads, or a row of its own in the database store), which every web process reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from marketplace.files.store import FileStore


def _name(run_id: int) -> str:
    return f"progress/run-{int(run_id)}.json"


def progress_writer(store: FileStore, run_id: int) -> Callable[[int], None]:
    """Return a callback that records ``rows`` processed so far for the run."""
    name = _name(run_id)

    def write(rows: int) -> None:
        store.write_note(name, json.dumps({"rows": int(rows)}).encode("ascii"))

    return write


def read_progress(store: FileStore, run_id: int) -> int | None:
    """Return the rows the run has processed so far, or ``None`` if nothing was recorded."""
    data = store.read_note(_name(run_id))
    if data is None:
        return None
    try:
        return int(json.loads(data)["rows"])
    except (ValueError, KeyError, TypeError):
        return None


def clear_progress(store: FileStore, run_id: int) -> None:
    """Forget the run's progress once it has finished."""
    store.remove_note(_name(run_id))
