"""How far a running import has got, for the portal's progress line.

The import runs in one database transaction, so its progress cannot be committed to the
database while it runs (SQLite has one writer at a time). The worker writes it to a small
file beside the uploads instead, which web processes already share with the worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable


def _path(upload_dir: str, run_id: int) -> str:
    return os.path.join(upload_dir, "progress", f"run-{int(run_id)}.json")


def progress_writer(upload_dir: str, run_id: int) -> Callable[[int], None]:
    """Return a callback that records ``rows`` processed so far for the run."""
    path = _path(upload_dir, run_id)
    os.makedirs(os.path.dirname(path), exist_ok=True)

    def write(rows: int) -> None:
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            json.dump({"rows": int(rows)}, fh)
        os.replace(tmp, path)

    return write


def read_progress(upload_dir: str, run_id: int) -> int | None:
    """Return the rows the run has processed so far, or ``None`` if nothing was recorded."""
    try:
        with open(_path(upload_dir, run_id), encoding="ascii") as fh:
            return int(json.load(fh)["rows"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_progress(upload_dir: str, run_id: int) -> None:
    """Forget the run's progress once it has finished."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(_path(upload_dir, run_id))
