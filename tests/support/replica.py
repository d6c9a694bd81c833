"""A streaming replica of the test PostgreSQL server, started by a test on a port of its own.

``pg_basebackup -R -X stream`` copies the primary into a temporary data directory and writes
its ``standby.signal`` and ``primary_conninfo``; ``pg_ctl`` then starts it as a hot standby.
The primary must accept replication connections from 127.0.0.1 (a ``host replication``
line in pg_hba.conf; ``wal_level`` replica and ``max_wal_senders`` >= 1 are PostgreSQL's
defaults). PostgreSQL refuses to run as root: as root, the tools run as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

#: Seconds a replica may take to catch up with a commit before a test gives up on it.
CATCH_UP_SECONDS = 30.0


def needs_postgres() -> str:
    """Return ``TEST_DATABASE_URL`` if it is PostgreSQL; skip otherwise (SQLite has no replicas)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("a streaming replica needs PostgreSQL: set TEST_DATABASE_URL")
    return url


def missing(message: str) -> None:
    """Skip for a missing part of the machine; fail on CI, whose PostgreSQL phase provides every part."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_bin(primary: URL) -> Path:
    """Return the folder of the PostgreSQL tools of the primary's major version."""
    engine = create_engine(primary.set(database="postgres"))
    try:
        with engine.connect() as conn:
            major = int(conn.scalar(text("SHOW server_version_num")) or 0) // 10000
            settings = dict(
                conn.execute(
                    text("SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders')")
                ).all()
            )
    finally:
        engine.dispose()
    if settings.get("wal_level") not in ("replica", "logical") or int(settings.get("max_wal_senders", 0)) < 1:
        missing(f"the primary cannot stream to a replica: {settings} (needs wal_level=replica, max_wal_senders>=1)")
    folder = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (folder / "pg_basebackup").exists():
        found = shutil.which("pg_basebackup")
        if found is None:
            missing(f"no pg_basebackup for PostgreSQL {major} (/usr/lib/postgresql/*/bin or PATH)")
        folder = Path(str(found)).parent
    return folder


def _as_server_user() -> list[str]:
    """Return the command prefix that runs a PostgreSQL tool as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        missing("running as root without runuser: PostgreSQL refuses to run as root")
    return [str(runuser), "-u", "postgres", "--"]


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        message = f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        if "pg_hba.conf" in done.stderr:
            message += (
                " -- the primary must accept replication from 127.0.0.1: add "
                "'host replication all 127.0.0.1/32 trust' to pg_hba.conf and reload"
            )
        missing(message)


@contextlib.contextmanager
def streaming_replica(primary_url: str) -> Iterator[str]:
    """Start a hot standby of the primary at ``primary_url`` and yield the same database's URL on it."""
    primary = make_url(primary_url)
    tools = _server_bin(primary)
    prefix = _as_server_user()
    # Not under pytest's tmp_path: the postgres user must reach it, and pytest's folders are the test user's own.
    folder = Path(tempfile.mkdtemp(prefix="traderow-replica-"))
    data = folder / "data"
    port = free_port()
    if prefix:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    started = False
    try:
        _run(
            [*prefix, str(tools / "pg_basebackup"), "-h", primary.host or "127.0.0.1", "-p", str(primary.port or 5432),
             "-U", primary.username or "postgres", "-D", str(data), "-R", "-X", "stream", "-c", "fast", "-N"],
            "pg_basebackup",
        )  # fmt: skip
        # A packaged cluster (Debian's) keeps its settings outside the data directory; a copied
        # postgresql.conf (other installs) keeps its own, and the lines added last win.
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
                f"hot_standby = on\nhba_file = '{data / 'pg_hba.conf'}'\nident_file = '{data / 'pg_ident.conf'}'\n"
                "logging_collector = off\n"
                # A test's replica outlives no crash: flushing its copy to disk only costs time.
                "fsync = off\n"
            )
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n", encoding="utf-8")
        (data / "pg_ident.conf").write_text("", encoding="utf-8")
        if prefix:
            for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
                os.chown(data / name, owner.pw_uid, owner.pw_gid)
        _run(
            [*prefix, str(tools / "pg_ctl"), "-D", str(data), "-l", str(folder / "replica.log"), "-w", "-t", "60",
             "start"],
            "starting the replica",
        )  # fmt: skip
        started = True
        yield primary.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        if started:
            subprocess.run(
                [*prefix, str(tools / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def wait_for(condition: str, check: Callable[[], bool], *, seconds: float = CATCH_UP_SECONDS) -> None:
    """Poll ``check()`` until it is true, at most ``seconds``; fail naming ``condition`` otherwise."""
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{condition}: not within {seconds:.0f} s")
        time.sleep(0.2)
