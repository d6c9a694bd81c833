"""Price alerts, saved searches and favourites, end to end through HTTP, the import job and the worker's pass.

Each import runs through the worker's own import job; the alert step runs with an explicit
``now`` so the hour-long hold and the daily digest are crossed without sleeping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import create_token
from marketplace.alerts.models import Alert, AlertCheck, AlertHit, AlertWebhook
from marketplace.alerts.services import unsubscribe_token
from marketplace.db import utcnow
from marketplace.notifications.models import Notification, OutboxMail
from marketplace.notifications.services import SmtpSettings, _message
from marketplace.suppliers.models import ImportStatus, Supplier
from tests.support import factories
from tests.support.accounts import login
from tests.support.alerts import LATER, alert_pass, price_list, product_of, run_import

DRILL, SAW = "TL-1", "TL-2"


def _catalog(drill: str = "3 000,00", saw_in_stock: bool = False) -> bytes:
    return price_list(
        [(DRILL, "Дриль акумуляторна Bosko 18V", drill, True), (SAW, "Пила дискова Bosko", "1 500,00", saw_in_stock)]
    )


@pytest.fixture
def tools(app: Flask, db_session: Session) -> Supplier:
    """A supplier whose first catalog was imported and checked before anybody set an alert."""
    supplier = factories.supplier(db_session, "tools-ua")
    run = run_import(app, db_session, supplier, _catalog())
    assert run.status == ImportStatus.SUCCEEDED, run.error
    alert_pass(app, db_session, utcnow())
    return supplier


@pytest.fixture
def watcher(db_session: Session) -> User:
    return factories.user(db_session, "watcher@example.com", role=Role.BUYER, display_name="Vira")


def _notes(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id))
    )


def _set_alerts(client: FlaskClient, product_id: int, saw_id: int) -> None:
    for data in (
        {"kind": "target", "target_price": "2 800"},
        {"kind": "drop", "drop_percent": "10"},
        {"kind": "lowest", "days": "30"},
    ):
        assert client.post(f"/alerts/products/{product_id}", data=data).status_code == 302
    assert client.post(f"/alerts/products/{saw_id}", data={"kind": "stock"}).status_code == 302
    assert client.post("/alerts/search?q=дриль&max_price=2900").status_code == 302


def test_each_alert_kind_fires_once_after_the_hold_and_not_again_on_an_unchanged_reimport(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    drill, saw = product_of(db_session, tools, DRILL), product_of(db_session, tools, SAW)
    login(client, watcher)
    _set_alerts(client, drill, saw)
    assert db_session.scalar(select(func.count()).select_from(Alert).where(Alert.user_id == watcher.id)) == 5

    now = utcnow()
    cheaper = _catalog(drill="2 500,00", saw_in_stock=True)
    assert run_import(app, db_session, tools, cheaper).status == ImportStatus.SUCCEEDED
    first = alert_pass(app, db_session, now)
    assert first.hits == 5 and first.fired == 0  # held: nothing is told before the hour is over
    assert _notes(db_session, watcher) == []

    fired = alert_pass(app, db_session, now + LATER)
    assert fired.fired == 5
    assert sorted(_notes(db_session, watcher)) == ["alert.price"] * 3 + ["alert.search", "alert.stock"]
    page = client.get("/notifications/").get_data(as_text=True)
    assert "2500.00 UAH" in page and "дриль" in page

    assert run_import(app, db_session, tools, cheaper).status == ImportStatus.SUCCEEDED
    again = alert_pass(app, db_session, now + 2 * LATER)
    assert (again.checked_runs, again.hits, again.fired) == (1, 0, 0)
    assert len(_notes(db_session, watcher)) == 5


def test_a_price_that_flickers_back_within_the_hour_alerts_nobody(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    login(client, watcher)
    client.post(
        f"/alerts/products/{product_of(db_session, tools, DRILL)}", data={"kind": "target", "target_price": "2800"}
    )
    now = utcnow()
    run_import(app, db_session, tools, _catalog(drill="2 500,00"))
    assert alert_pass(app, db_session, now).hits == 1
    run_import(app, db_session, tools, _catalog(drill="3 000,00"))  # the supplier fixes its typo
    done = alert_pass(app, db_session, now + LATER)
    assert (done.fired, done.dropped) == (0, 1)
    assert _notes(db_session, watcher) == []
    assert (
        db_session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.recipient == watcher.email))
        == 0
    )


def test_a_small_move_is_not_news(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    login(client, watcher)
    client.post(f"/alerts/products/{product_of(db_session, tools, DRILL)}", data={"kind": "drop", "drop_percent": "1"})
    now = utcnow()
    run_import(app, db_session, tools, _catalog(drill="2 990,00"))  # 0.33 %: below the 1 % minimum
    assert alert_pass(app, db_session, now).hits == 0


def test_one_digest_a_day_with_one_click_unsubscribe(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    login(client, watcher)
    client.post(
        f"/alerts/products/{product_of(db_session, tools, DRILL)}", data={"kind": "target", "target_price": "2800"}
    )
    client.post(f"/alerts/products/{product_of(db_session, tools, SAW)}", data={"kind": "stock"})
    now = utcnow()
    run_import(app, db_session, tools, _catalog(drill="2 700,00"))
    alert_pass(app, db_session, now)
    alert_pass(app, db_session, now + LATER)
    run_import(app, db_session, tools, _catalog(drill="2 500,00", saw_in_stock=True))
    alert_pass(app, db_session, now + 2 * LATER)
    alert_pass(app, db_session, now + 3 * LATER)
    assert len(_notes(db_session, watcher)) == 3  # in the portal at once, each of them

    mails = list(db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == watcher.email)))
    assert len(mails) == 1  # the second day's news waits for tomorrow's digest
    alert_pass(app, db_session, now + dt.timedelta(days=1, hours=2))
    mails = list(
        db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == watcher.email).order_by(OutboxMail.id))
    )
    assert len(mails) == 2
    assert "2500.00" in mails[1].body and "Bosko" in mails[1].body

    token = unsubscribe_token(watcher.email)
    headers = mails[0].headers or {}
    assert headers["List-Unsubscribe"] == f"<{app.config['SITE_URL']}/alerts/unsubscribe/{token}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = _message(mails[0], SmtpSettings(host="127.0.0.1", site_url=app.config["SITE_URL"]))
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and token in sent["List-Unsubscribe"]

    assert client.get(f"/alerts/unsubscribe/{token}").status_code == 200  # a link scanner's GET stops nothing
    assert db_session.scalar(select(func.count()).select_from(Alert).where(Alert.active.is_(False))) == 0
    one_click = app.test_client()  # a mail client: no session, no CSRF token
    response = one_click.post(f"/alerts/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db_session.scalar(select(func.count()).select_from(Alert).where(Alert.active.is_(True))) == 0
    assert one_click.post("/alerts/unsubscribe/forged-token").status_code == 404


def test_a_visitor_confirms_the_address_before_anything_fires(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier
) -> None:
    drill = product_of(db_session, tools, DRILL)
    response = client.post(
        f"/alerts/products/{drill}?lang=uk",
        data={"kind": "target", "target_price": "2800", "email": "Guest@Example.com"},
    )
    assert response.status_code == 302
    confirm = db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == "guest@example.com")).one()
    assert "/alerts/confirm/" in confirm.body and confirm.locale == "uk"
    now = utcnow()
    run_import(app, db_session, tools, _catalog(drill="2 700,00"))
    assert alert_pass(app, db_session, now).hits == 0  # unconfirmed: never fires

    link = confirm.body[confirm.body.index("/alerts/confirm/") :].split()[0]
    assert client.get(link).status_code == 200
    assert client.get(link + "x").status_code == 400
    run_import(app, db_session, tools, _catalog(drill="2 500,00"))
    alert_pass(app, db_session, now + LATER)
    alert_pass(app, db_session, now + 2 * LATER)
    digest = db_session.scalars(
        select(OutboxMail).where(OutboxMail.recipient == "guest@example.com").order_by(OutboxMail.id.desc())
    ).first()
    assert digest is not None and digest.locale == "uk" and "List-Unsubscribe" in (digest.headers or {})


def test_a_failed_import_alerts_nobody(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    login(client, watcher)
    client.post(
        f"/alerts/products/{product_of(db_session, tools, DRILL)}", data={"kind": "target", "target_price": "2800"}
    )
    broken = _catalog(drill="2 500,00") + b"\x00\xff not a price list \x00" * 50
    run = run_import(app, db_session, tools, b"\x89PNG\r\n\x1a\n" + broken, name="tools.png")
    assert run.status == ImportStatus.FAILED
    now = utcnow()
    assert alert_pass(app, db_session, now).checked_runs == 0
    assert alert_pass(app, db_session, now + LATER).fired == 0
    assert db_session.scalar(select(func.count()).select_from(AlertHit)) == 0
    assert db_session.get(AlertCheck, run.id) is None


def test_a_buyers_open_request_hears_of_a_new_offer_that_fits(
    app: Flask, db_session: Session, tools: Supplier, buyer: User
) -> None:
    factories.buyer_request(
        db_session, buyer, title="Drills for the workshop", items=[factories.item("дриль bosko", 3)]
    )
    db_session.commit()
    now = utcnow()
    more = price_list(
        [
            (DRILL, "Дриль акумуляторна Bosko 18V", "3 000,00", True),
            (SAW, "Пила дискова Bosko", "1 500,00", False),
            ("TL-3", "Дриль ударна Bosko 750W", "1 900,00", True),
        ]
    )
    run_import(app, db_session, tools, more)
    assert alert_pass(app, db_session, now).hits == 1
    alert_pass(app, db_session, now + LATER)
    assert _notes(db_session, buyer) == ["alert.request"]
    run_import(app, db_session, tools, more)
    assert alert_pass(app, db_session, now + 2 * LATER).hits == 0


def test_nobody_sees_or_changes_anothers_alerts(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier, watcher: User, buyer: User
) -> None:
    login(client, watcher)
    client.post(
        f"/alerts/products/{product_of(db_session, tools, DRILL)}", data={"kind": "target", "target_price": "2800"}
    )
    alert = db_session.scalars(select(Alert).where(Alert.user_id == watcher.id)).one()
    login(client, buyer)
    assert "Дриль" not in client.get("/alerts/").get_data(as_text=True)
    assert client.post(f"/alerts/{alert.id}/edit", data={"target_price": "1", "active": ""}).status_code == 404
    assert client.post(f"/alerts/{alert.id}/delete").status_code == 404
    db_session.refresh(alert)
    assert alert.active and alert.target_price == Decimal("2800")
    client.post("/account/logout")
    for path in ("/alerts/", "/alerts/favourites"):
        assert "/account/login" in client.get(path).headers["Location"]
    assert "/account/login" in client.post(f"/alerts/{alert.id}/delete").headers["Location"]


def test_the_owner_edits_pauses_and_removes_an_alert(
    db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    login(client, watcher)
    client.post(
        f"/alerts/products/{product_of(db_session, tools, DRILL)}", data={"kind": "target", "target_price": "2800"}
    )
    alert = db_session.scalars(select(Alert).where(Alert.user_id == watcher.id)).one()
    assert client.post(f"/alerts/{alert.id}/edit", data={"target_price": "2 600"}).status_code == 302
    db_session.refresh(alert)
    assert alert.target_price == Decimal("2600") and not alert.active
    assert 'data-testid="alert"' in client.get("/alerts/").get_data(as_text=True)
    assert client.post(f"/alerts/{alert.id}/delete").status_code == 302
    assert db_session.get(Alert, alert.id) is None


def test_the_heart_keeps_favourites_with_their_best_price(
    db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    drill = product_of(db_session, tools, DRILL)
    login(client, watcher)
    product_page = client.get(f"/products/{drill}", follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="favourite"' in product_page and 'data-testid="alert-form"' in product_page
    assert (
        client.post(f"/alerts/favourites/{drill}", data={"next": f"/products/{drill}"}).headers["Location"]
        == f"/products/{drill}"
    )
    page = client.get("/alerts/favourites").get_data(as_text=True)
    assert "Дриль акумуляторна" in page and "3" in page and 'data-testid="favourite-item"' in page
    client.post(f"/alerts/favourites/{drill}")
    assert 'data-testid="favourite-item"' not in client.get("/alerts/favourites").get_data(as_text=True)
    assert client.post("/alerts/favourites/999999").status_code == 404


def test_the_api_lists_sets_edits_and_removes_alerts_with_a_token_and_only_the_callers(
    app: Flask, db_session: Session, tools: Supplier, watcher: User, buyer: User
) -> None:
    _token, secret = create_token(db_session, watcher, "my shop")
    _other, other_secret = create_token(db_session, buyer, "theirs")
    db_session.commit()
    client = app.test_client()
    mine = {"Authorization": f"Bearer {secret}"}
    drill = product_of(db_session, tools, DRILL)
    assert client.get("/api/v1/alerts").status_code == 401
    made = client.post(
        "/api/v1/alerts", json={"kind": "target", "product_id": drill, "target_price": "2800"}, headers=mine
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    search = client.post(
        "/api/v1/alerts", json={"kind": "search", "query": {"q": "дриль", "max_price": "2900"}}, headers=mine
    )
    assert search.status_code == 201 and search.get_json()["query"] == {"q": ["дриль"], "max_price": ["2900"]}
    bad = client.post("/api/v1/alerts", json={"kind": "drop", "product_id": drill, "drop_percent": "150"}, headers=mine)
    assert bad.status_code == 400
    assert [a["kind"] for a in client.get("/api/v1/alerts", headers=mine).get_json()["alerts"]] == ["search", "target"]
    alert_id = made.get_json()["id"]
    theirs = {"Authorization": f"Bearer {other_secret}"}
    assert client.get("/api/v1/alerts", headers=theirs).get_json()["alerts"] == []
    assert client.patch(f"/api/v1/alerts/{alert_id}", json={"active": False}, headers=theirs).status_code == 404
    assert client.delete(f"/api/v1/alerts/{alert_id}", headers=theirs).status_code == 404
    paused = client.patch(f"/api/v1/alerts/{alert_id}", json={"active": False, "target_price": "2700"}, headers=mine)
    assert paused.get_json()["active"] is False and paused.get_json()["target_price"] == "2700.00"
    assert client.delete(f"/api/v1/alerts/{alert_id}", headers=mine).status_code == 204
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/alerts", "/api/v1/alerts/{alert_id}"} <= set(spec["paths"])


class _Receiver(BaseHTTPRequestHandler):
    """A user's own system on loopback: records each POST it is sent."""

    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.calls.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def test_a_webhook_hears_of_fired_alerts_signed_with_its_secret(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.calls.clear()
    try:
        login(client, watcher)
        url = f"http://127.0.0.1:{server.server_port}/traderow"
        assert client.post("/alerts/webhook", data={"url": url}).status_code == 302
        assert db_session.get(AlertWebhook, watcher.id) is None  # a loopback address is refused in production
        app.config["ALERT_WEBHOOK_ALLOW_PRIVATE"] = True
        client.post("/alerts/webhook", data={"url": url})
        hook = db_session.get(AlertWebhook, watcher.id)
        assert hook is not None and hook.secret in client.get("/alerts/").get_data(as_text=True)
        client.post(
            f"/alerts/products/{product_of(db_session, tools, DRILL)}", data={"kind": "target", "target_price": "2800"}
        )
        now = utcnow()
        run_import(app, db_session, tools, _catalog(drill="2 500,00"))
        alert_pass(app, db_session, now)
        assert _Receiver.calls == []  # held: nothing fired yet
        alert_pass(app, db_session, now + LATER)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert len(_Receiver.calls) == 1
    headers, body = _Receiver.calls[0]
    expected = "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-TradeRow-Signature"] == expected
    assert json.loads(body)["hits"][0]["price"] == "2500.00"
    db_session.refresh(hook)
    assert hook.last_status == "204"


def test_a_saved_search_keeps_every_filter_and_fires_only_where_they_all_hold(
    app: Flask, db_session: Session, client: FlaskClient, tools: Supplier, watcher: User
) -> None:
    factories.supplier(db_session, "other-shop")
    db_session.commit()
    login(client, watcher)
    client.post("/alerts/search?q=дриль&supplier=tools-ua&supplier=other-shop&max_price=2900")
    client.post("/alerts/search?q=дриль&supplier=other-shop")
    client.post("/alerts/search?q=дриль&min_price=2600")
    saved = list(db_session.scalars(select(Alert).where(Alert.user_id == watcher.id).order_by(Alert.id)))
    assert saved[0].query is not None and saved[0].query["search"]["suppliers"] == ["tools-ua", "other-shop"]
    assert saved[0].query["args"]["supplier"] == ["tools-ua", "other-shop"]
    now = utcnow()
    run_import(app, db_session, tools, _catalog(drill="2 500,00"))
    alert_pass(app, db_session, now)
    assert [hit.alert_id for hit in db_session.scalars(select(AlertHit))] == [saved[0].id]
