"""The ``traderow`` commands, run through Flask's CLI runner against the real database and index."""

from __future__ import annotations

import json

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.suppliers.models import Supplier
from tests.conftest import FIXTURES

KITCHEN = str(FIXTURES / "feeds" / "kitchen.yml")


def test_suppliers_add_and_feeds_import_and_search(runner: FlaskCliRunner, db_session: Session) -> None:
    result = runner.invoke(args=["suppliers", "add", "pans", "--name", "Pans Ltd", "--url", "https://pans.example/"])
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
    assert result.exit_code != 0 and "at least 8 characters" in result.output


def test_index_rebuild_keeps_search_working(runner: FlaskCliRunner, supplier: Supplier) -> None:
    runner.invoke(args=["feeds", "import", supplier.slug, KITCHEN])
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Index rebuilt: 3 offers" in result.output
    assert json.loads(runner.invoke(args=["search", "Hartwell", "--json"]).output)["total"] == 1
