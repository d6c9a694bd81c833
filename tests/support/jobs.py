"""Background jobs in tests: the Redis that CI starts, and a process id that is surely dead."""

from __future__ import annotations

import subprocess
import sys

#: The Redis .ci/run starts; tests of the RQ path skip without it (and fail on CI).
REDIS_URL = "redis://127.0.0.1:6379/0"


def dead_pid() -> int:
    """Return the id of a process that has already ended (a worker that vanished)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
