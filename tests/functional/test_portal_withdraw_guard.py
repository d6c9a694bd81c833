"""A held import in the portal and the CLI: the numbers, the confirm button (with CSRF), --confirm-withdraw."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.files.store import file_store
from marketplace.imports.uploads import queue_import
from marketplace.suppliers.models import ImportStatus, Supplier
from marketplace.worker import work_once
from tests.support.feeds import run_import, yml_feed, yml_offer

TWENTY = [yml_offer(f"P{i}", str(100 + i)) for i in range(1, 21)]


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_the_run_page_shows_the_numbers_and_a_confirm_button(
    app: Flask, client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User
) -> None:
    run_import(db_session, supplier, yml_feed(TWENTY))
    run = queue_import(db_session, supplier, yml_feed(TWENTY[:3]), filename="tiny.xml", files=file_store(app))
    db_session.commit()
    work_once(app)
    db_session.expire_all()
    assert run.status == ImportStatus.HELD
    with client.session_transaction() as browser:
        # Logged in through the session: the login form itself would want a token too.
        browser["_user_id"] = supplier_member.get_id()
        browser["_fresh"] = True

    page = client.get(f"/portal/imports/{run.id}").text
    assert 'data-testid="run-held"' in page and "17" in page and "20" in page and "85.0%" in page
    assert 'data-testid="confirm-withdraw"' in page

    assert client.post(f"/portal/imports/{run.id}/confirm-withdraw").status_code == 400
    db_session.expire_all()
    assert run.status == ImportStatus.HELD

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    response = client.post(f"/portal/imports/{run.id}/confirm-withdraw", data={"csrf_token": token.group(1)})
    assert response.status_code == 302
    db_session.expire_all()
    assert run.status == ImportStatus.QUEUED and run.withdraw_confirmed
    work_once(app)
    db_session.expire_all()
    assert run.status == ImportStatus.SUCCEEDED and run.withdrawn == 17


def test_the_cli_wants_confirm_withdraw(
    runner: FlaskCliRunner, db_session: Session, supplier: Supplier, tmp_path
) -> None:
    run_import(db_session, supplier, yml_feed(TWENTY))
    tiny = tmp_path / "tiny.xml"
    tiny.write_bytes(yml_feed(TWENTY[:3]))

    held = runner.invoke(args=["feeds", "import", supplier.slug, str(tiny), "--full"])
    assert held.exit_code == 3, held.output
    assert "17 of 20" in held.output and "--confirm-withdraw" in held.output
    assert held.exception is None or isinstance(held.exception, SystemExit)

    done = runner.invoke(args=["feeds", "import", supplier.slug, str(tiny), "--full", "--confirm-withdraw"])
    assert done.exit_code == 0, done.output
    assert "17 withdrawn" in done.output
