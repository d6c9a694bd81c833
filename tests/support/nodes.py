"""App nodes as separate processes: gunicorn web nodes and workers, each with an instance folder of its own.

Each node is configured only through ``TRADEROW_*`` variables, as on a machine of its own,
and imports the code of this checkout (``PYTHONPATH``), so that CI's clone tests itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

from marketplace.config import as_environment, in_folder
from tests.support.replica import free_port

#: The checkout these tests run from.
REPO = Path(__file__).resolve().parents[2]


def node_environment(folder: Path, settings: Mapping[str, Any]) -> dict[str, str]:
    """Return the environment of a node whose instance, index and uploads are in ``folder``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TRADEROW_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env | as_environment({**in_folder(folder), **settings}) | {"PYTHONPATH": str(REPO)}


def loopback_client() -> requests.Session:
    """Return an HTTP client for the nodes on loopback that ignores any proxy the environment names."""
    client = requests.Session()
    client.trust_env = False
    return client


def _tail(log: Path) -> str:
    with contextlib.suppress(OSError):
        return log.read_text("utf-8", "replace")[-3000:]
    return ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def web_node(folder: Path, settings: Mapping[str, Any]) -> Iterator[str]:
    """Serve the app with gunicorn on a free port of 127.0.0.1; yield its base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "web.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "120", "marketplace:create_app()"],
            env=node_environment(folder, settings), cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    client = loopback_client()
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the web node in {folder} exited ({process.returncode}):\n{_tail(log)}")
            with contextlib.suppress(requests.RequestException):
                if client.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"the web node in {folder} did not answer /healthz within 60 s:\n{_tail(log)}")
            time.sleep(0.2)
        yield base
    finally:
        client.close()
        _stop(process)


@contextlib.contextmanager
def worker_node(folder: Path, settings: Mapping[str, Any]) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``traderow worker`` with its own instance folder until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "worker.log", "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "marketplace", "worker"],
            env=node_environment(folder, settings), cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process
    finally:
        _stop(process)


def worker_log(folder: Path) -> str:
    """Return the end of a worker node's log, for a failure's message."""
    return _tail(folder / "worker.log")


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(page: str) -> str:
    """Return the CSRF token of a page's first form."""
    found = _CSRF.search(page)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1) or found.group(2)
