"""Two web nodes, a worker node and a streaming replica on loopback, each node with its own instance folder.

What one node writes, another reads: a price list uploaded through node A is imported by the
worker (a third instance folder), its offers reach the replica, and node B, which searches on
the replica, finds them; a session logged in on A is valid on B. The nodes share only what
machines of their own would: PostgreSQL (the primary, and the replica for searches), the
secret key that signs sessions, and the file store in the database (``UPLOAD_STORE``).

Runs in CI's PostgreSQL phase; without PostgreSQL it skips, and on CI a missing part (the
primary refusing replication, no pg_basebackup) fails it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.catalog.models import Offer
from marketplace.db import make_engine
from marketplace.suppliers.models import ImportRun, ImportStatus
from marketplace.suppliers.services import add_supplier
from tests.support.database import migrate, side_database
from tests.support.feeds import yml_feed, yml_offer
from tests.support.nodes import csrf_token, loopback_client, web_node, worker_log, worker_node
from tests.support.replica import needs_postgres, streaming_replica, wait_for

pytestmark = pytest.mark.slow

EMAIL = "buyer-desk@kitchen-pro.example"
PASSWORD = "copper pans and cast iron lids"
#: A title no other test's data holds, so that a search for it finds this upload only.
TITLE = "Sauteuse Zyrvonka"


@dataclass
class Cluster:
    """The running nodes, and engines on the primary and on the replica."""

    node_a: str
    node_b: str
    worker_folder: Path
    primary: Engine
    replica: Engine


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    needs_postgres()
    root = tmp_path_factory.mktemp("nodes")
    with side_database(root, "nodes") as url:
        migrate(url, seed=True)
        primary = make_engine(url)
        try:
            with Session(primary) as session:
                supplier = add_supplier(
                    session, "kitchen-pro", name="Kitchen Pro", store_url="https://kitchen-pro.example/"
                )
                create_user(session, EMAIL, PASSWORD, role=Role.SUPPLIER, supplier=supplier, display_name="Desk")
                session.commit()
            # A replica that cannot be made skips the module here: the primary's pool is closed all the same.
            with streaming_replica(url) as replica_url:
                replica = make_engine(replica_url)
                shared = {
                    "SECRET_KEY": "two-nodes-" + "0123456789abcdef" * 4,  # the same on every node: it signs sessions
                    "DATABASE_URL": url,
                    "DATABASE_REPLICA_URL": replica_url,
                    "UPLOAD_STORE": "database",
                    "SEARCH_BACKEND": "postgres",
                    "SITE_URL": "http://127.0.0.1",
                    "INDEX_COMMIT_SECONDS": 0,
                    "WORKER_INTERVAL": 0.2,
                }
                try:
                    with (
                        web_node(root / "node-a", shared) as node_a,
                        web_node(root / "node-b", shared) as node_b,
                        worker_node(root / "worker", shared),
                    ):
                        yield Cluster(node_a, node_b, root / "worker", primary, replica)
                finally:
                    replica.dispose()
        finally:
            primary.dispose()


@pytest.fixture(scope="module")
def browser(cluster: Cluster) -> requests.Session:
    """Log in on node A, as a supplier's member does, and upload a price list there."""
    web = loopback_client()
    form = web.get(cluster.node_a + "/account/login", timeout=30)
    answer = web.post(
        cluster.node_a + "/account/login",
        data={"csrf_token": csrf_token(form.text), "email": EMAIL, "password": PASSWORD},
        timeout=30,
    )
    assert answer.status_code == 200 and "Welcome back" in answer.text
    return web


@pytest.fixture(scope="module")
def uploaded_run(cluster: Cluster, browser: requests.Session) -> int:
    """Upload a price list through node A's portal; return its run's id once the worker has imported it."""
    portal = browser.get(cluster.node_a + "/portal/", timeout=30)
    assert portal.status_code == 200
    feed = yml_feed([yml_offer("NODE-1", "4321", name=TITLE), yml_offer("NODE-2", "1234")])
    answer = browser.post(
        cluster.node_a + "/portal/upload",
        data={"csrf_token": csrf_token(portal.text), "mode": "auto"},
        files={"feed": ("pans.xml", feed, "application/xml")},
        timeout=60,
    )
    assert answer.status_code == 200 and "/portal/imports/" in answer.url, answer.text[:2000]
    run_id = int(answer.url.rstrip("/").rsplit("/", 1)[1])

    def imported() -> bool:
        with Session(cluster.primary) as session:
            run = session.get(ImportRun, run_id)
            assert run is not None
            assert run.status not in (ImportStatus.FAILED, ImportStatus.HELD), (
                run.error,
                worker_log(cluster.worker_folder),
            )
            return run.status == ImportStatus.SUCCEEDED

    wait_for(f"the worker node imports the upload of node A\n{worker_log(cluster.worker_folder)}", imported, seconds=90)
    return run_id


def test_the_replica_streams_from_the_primary(cluster: Cluster) -> None:
    with cluster.replica.connect() as conn:
        assert conn.scalar(text("SELECT pg_is_in_recovery()")) is True

    def streaming() -> bool:
        with cluster.primary.connect() as conn:
            return bool(conn.scalar(text("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")))

    wait_for("the primary streams to the replica", streaming)


def test_an_upload_on_node_a_is_imported_by_a_worker_with_another_instance_folder(
    cluster: Cluster, uploaded_run: int
) -> None:
    with Session(cluster.primary) as session:
        run = session.get_one(ImportRun, uploaded_run)
        assert run.created == 2
        # The file waited in the database, not in node A's folder, and is forgotten once imported.
        assert session.scalar(text("SELECT count(*) FROM stored_files")) == 0


def test_the_import_reaches_the_replica(cluster: Cluster, uploaded_run: int) -> None:
    def on_replica() -> bool:
        with Session(cluster.replica) as session:
            return session.scalar(select(Offer.price).where(Offer.supplier_sku == "NODE-1")) is not None

    wait_for("the imported offer reaches the replica", on_replica)


def test_a_session_logged_in_on_node_a_is_valid_on_node_b(
    cluster: Cluster, browser: requests.Session, uploaded_run: int
) -> None:
    page = browser.get(f"{cluster.node_b}/portal/imports/{uploaded_run}", timeout=30, allow_redirects=False)
    assert page.status_code == 200
    assert "pans.xml" in page.text
    # ...and a visitor without it is sent to log in there.
    anonymous = loopback_client().get(
        f"{cluster.node_b}/portal/imports/{uploaded_run}", timeout=30, allow_redirects=False
    )
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]


def test_what_node_a_uploaded_is_found_by_a_search_on_node_b(cluster: Cluster, uploaded_run: int) -> None:
    def found() -> bool:
        answer = loopback_client().get(cluster.node_b + "/api/v1/search", params={"q": TITLE}, timeout=30)
        assert answer.status_code == 200
        return TITLE in answer.text

    wait_for("node B finds node A's upload by search", found)
