"""The ``traderow`` commands, run through Flask's CLI runner against the real database and index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.suppliers.models import Supplier
from tests.support.paths import FIXTURES

KITCHEN = str(FIXTURES / "feeds" / "kitchen.yml")


def test_suppliers_add_and_feeds_import_and_search(runner: FlaskCliRunner, db_session: Session) -> None:
    result = runner.invoke(
        args=["suppliers", "add", "pans", "--name", "Pans Ltd", "--url", "https://kitchen-pro.example/"]
    )
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(Supplier).where(Supplier.slug == "pans")) is not None

    result = runner.invoke(args=["feeds", "import", "pans", KITCHEN])
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output and "2 rejected" in result.output
    assert "invalid_price" in result.output and "BROKEN-1" in result.output

    result = runner.invoke(args=["search", "frying pan", "--json"])
    data = json.loads(result.output)
    assert data["total"] == 1 and data["offers"][0]["supplier"] == "pans"

    result = runner.invoke(args=["search", "frying pan", "--max-price", "100"])
    assert "0 offers found" in result.output


def test_feeds_import_json_report(runner: FlaskCliRunner, supplier: Supplier) -> None:
    result = runner.invoke(args=["feeds", "import", supplier.slug, KITCHEN, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "succeeded" and report["created"] == 3
    assert {p["sku"] for p in report["problems"] if p["severity"] == "error"} == {"BROKEN-1", "NOPRICE-1"}
    assert report["counts"] == {"invalid_price": 1, "missing_price": 1}


def test_feeds_import_of_a_broken_file_exits_non_zero(runner: FlaskCliRunner, supplier: Supplier) -> None:
    result = runner.invoke(args=["feeds", "import", supplier.slug, str(FIXTURES / "feeds" / "garbage.bin")])
    assert result.exit_code == 1
    assert "failed" in result.output and "Error:" in result.output


def test_unknown_supplier_is_a_clear_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["feeds", "import", "nobody", KITCHEN])
    assert result.exit_code != 0 and "no supplier has the slug 'nobody'" in result.output
    result = runner.invoke(args=["suppliers", "add", "Bad Slug!", "--name", "X", "--url", "https://x.example/"])
    assert result.exit_code != 0 and "not a valid slug" in result.output


def test_users_add_reads_the_password_from_stdin(
    runner: FlaskCliRunner, db_session: Session, supplier: Supplier
) -> None:
    result = runner.invoke(args=["users", "add", "Root@Example.com", "--role", "admin"], input="s3cret-enough\n")
    assert result.exit_code == 0, result.output
    admin = db_session.scalar(select(User).where(User.email == "root@example.com"))
    assert admin is not None and admin.role == Role.ADMIN
    assert "s3cret-enough" not in result.output

    result = runner.invoke(
        args=["users", "add", "seller@pans.example", "--role", "supplier", "--supplier", supplier.slug],
        input="long-password\n",
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "add", "short@example.com", "--role", "buyer"], input="short\n")
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    result = runner.invoke(args=["users", "add", "common@example.com", "--role", "buyer"], input="password1234\n")
    assert result.exit_code != 0 and "too common" in result.output


def test_index_rebuild_keeps_search_working(runner: FlaskCliRunner, supplier: Supplier) -> None:
    runner.invoke(args=["feeds", "import", supplier.slug, KITCHEN])
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Index rebuilt: 3 offers" in result.output
    assert json.loads(runner.invoke(args=["search", "Hartwell", "--json"]).output)["total"] == 1


# --- init, demo, and the guard rails around them ---------------------------------------------


def test_init_then_demo_loads_a_living_marketplace_once(runner: FlaskCliRunner, db_session: Session) -> None:
    from marketplace.buyer_requests.models import BuyerRequest, RequestStatus
    from marketplace.catalog.models import Offer, OfferStatus

    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output and "Search index ready" in result.output

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo loaded: 4 suppliers" in result.output

    offers = db_session.scalars(select(Offer).where(Offer.status == OfferStatus.ACTIVE)).all()
    assert any(offer.category_id is not None for offer in offers), "no demo offer landed in a category"
    by_product: dict[int, set[object]] = {}
    for offer in offers:
        by_product.setdefault(offer.product_id, set()).add(offer.price_base)
    assert any(len(prices) >= 2 for prices in by_product.values()), "no product with offers at different prices"
    request = db_session.scalars(select(BuyerRequest)).one()
    assert request.status == RequestStatus.OPEN
    assert sum(len(item.quotes) for item in request.items) == 4

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    forced = runner.invoke(args=["demo", "--always"])
    assert forced.exit_code == 1 and "already" in forced.output and "Traceback" not in forced.output


def test_demo_refuses_to_run_in_production(runner: FlaskCliRunner, db_session: Session) -> None:
    runner.app.testing = False  # neither debug nor testing: a production instance
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "development only" in result.output
    assert db_session.scalar(select(Supplier)) is None


def test_search_refuses_amounts_that_are_not_finite(runner: FlaskCliRunner) -> None:
    for bad in ("nan", "inf", "-5", "ten"):
        result = runner.invoke(args=["search", "pan", "--max-price", bad])
        assert result.exit_code == 2, bad
        assert "Invalid value for '--max-price'" in result.output and "Traceback" not in result.output


def test_the_console_script_names_a_missing_secret_key_in_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEROW_")}
    env["TRADEROW_INSTANCE_PATH"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "marketplace", "search", "pan"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Error: TRADEROW_SECRET_KEY is not set. Set it to a long random value, "
        "or run with TRADEROW_DEBUG=true on a development machine."
    ]


@pytest.mark.slow
def test_run_stops_its_worker_when_terminated(tmp_path: Path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEROW_")}
    env.update(TRADEROW_INSTANCE_PATH=str(tmp_path), TRADEROW_DEBUG="true")
    server = subprocess.Popen(
        [sys.executable, "-m", "marketplace", "run", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    children: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not children:
            time.sleep(0.2)
            children_file = f"/proc/{server.pid}/task/{server.pid}/children"
            with open(children_file) as f:
                children = [int(pid) for pid in f.read().split()]
        assert children, "traderow run started no worker"
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
        for pid in children:
            for _ in range(100):
                if not os.path.exists(f"/proc/{pid}") or _is_zombie(pid):
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"the worker {pid} outlived traderow run")
    finally:
        if server.poll() is None:
            server.kill()
        for pid in children:  # never leave a worker behind, whatever failed above
            if not _is_zombie(pid):
                os.kill(pid, signal.SIGKILL)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
