"""Analytics through the test client: each event kind, who is left out, visits, the report, erasing, retention."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.analytics.jobs import run_rollup
from marketplace.analytics.models import VisitorDay
from marketplace.analytics.report import analytics_report
from marketplace.catalog.models import ClickOut, Offer
from marketplace.events.models import AnalyticsEvent
from marketplace.suppliers.models import Supplier
from tests.support.accounts import login
from tests.support.analytics import BROWSER, DAY, HEADLESS, Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.combine(DAY, dt.time(10, 0), tzinfo=dt.UTC))


@pytest.fixture
def app_overrides(clock: Clock) -> dict[str, Any]:
    return {"ANALYTICS_CLOCK": clock}


def events(db_session: Session, kind: str | None = None) -> list[AnalyticsEvent]:
    query = select(AnalyticsEvent).order_by(AnalyticsEvent.occurred_at)
    if kind:
        query = query.where(AnalyticsEvent.kind == kind)
    db_session.expire_all()
    return list(db_session.scalars(query))


def browse(client: FlaskClient, path: str, **headers: str) -> None:
    response = client.get(path, headers={"User-Agent": BROWSER, **headers}, follow_redirects=True)
    assert response.status_code in (200, 302), path


def report(app: Flask, db_session: Session, first: dt.date = DAY, last: dt.date = DAY) -> dict[str, Any]:
    run_rollup(db_session, app, [first + dt.timedelta(days=n) for n in range((last - first).days + 1)])
    return analytics_report(db_session, first, last)


def test_a_page_view_records_path_route_ids_channel_utm_and_language(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    offer = db_session.scalars(select(Offer).where(Offer.supplier_sku == "PAN-28")).one()
    browse(
        client,
        f"/products/{offer.product_id}?utm_source=forum&utm_campaign=spring",
        Referer="https://forum.example/t/1",
    )
    browse(client, "/?lang=uk", Referer="https://www.google.com.ua/")
    page, product_view, home = events(db_session)
    assert (page.kind, page.route, page.product_id, page.channel) == (
        "pageview",
        "catalog.product",
        offer.product_id,
        "campaign",
    )
    assert (page.utm_source, page.utm_campaign, page.referrer) == ("forum", "spring", "forum.example/t/1")
    assert page.path is not None and page.path.startswith(f"/products/{offer.product_id}")
    assert product_view.kind == "product_view" and product_view.product_id == offer.product_id
    assert (home.path, home.channel) == ("/", "search")
    assert page.visitor_id and page.visitor_id == home.visitor_id
    assert page.ip_hash and len(page.ip_hash) == 16 and "127.0.0.1" not in page.ip_hash


def test_searches_record_query_filters_results_and_zero_results(
    app: Flask, client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    browse(client, "/search?q=pan&supplier=kitchen-pro")
    browse(client, "/search?q=zzqxv")
    found, nothing = events(db_session, "search")
    assert found.data and found.data["query"] == "pan" and found.data["results"] > 0
    assert found.data["filters"]["suppliers"] == ["kitchen-pro"]
    assert nothing.data and nothing.data["results"] == 0
    result = report(app, db_session)
    assert result["zero_result_searches"] == [{"query": "zzqxv", "count": 1}]
    assert {row["query"] for row in result["searches"]} == {"pan", "zzqxv"}
    assert result["funnel"]["searched"] == 1


def test_a_click_out_is_an_event_and_counted_by_supplier(
    app: Flask, client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    offer = db_session.scalars(select(Offer).where(Offer.supplier_sku == "PAN-28")).one()
    browse(client, f"/products/{offer.product_id}")
    assert client.get(f"/go/{offer.id}", headers={"User-Agent": BROWSER}).status_code == 302
    (click,) = events(db_session, "clickout")
    assert (click.supplier_id, click.product_id) == (offer.supplier_id, offer.product_id)
    result = report(app, db_session)
    assert result["clickouts_by_supplier"] == {offer.supplier.slug: 1}
    assert result["clickouts_by_category"] == {str(offer.category_id or ""): 1}
    assert result["funnel"] == {"visits": 1, "searched": 0, "viewed_product": 1, "clicked_out": 1, "requested": 0}


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}),
        ("GET", {"User-Agent": HEADLESS}),
        ("GET", {"User-Agent": BROWSER, "DNT": "1"}),
        ("GET", {"User-Agent": BROWSER, "Sec-GPC": "1"}),
        ("GET", {"User-Agent": BROWSER, "Sec-Purpose": "prefetch"}),
        ("HEAD", {"User-Agent": BROWSER}),
    ],
)
def test_bots_dnt_gpc_prefetch_and_head_leave_no_visit_and_no_click(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    stocked: dict[str, Supplier],
    method: str,
    headers: dict[str, str],
) -> None:
    offer = db_session.scalars(select(Offer).where(Offer.supplier_sku == "PAN-28")).one()
    for path in ("/", f"/products/{offer.product_id}", "/search?q=pan", f"/go/{offer.id}"):
        client.open(path, method=method, headers=headers)
    assert {e.kind for e in events(db_session)} <= {"bots"}
    # A click-out is the supplier's bill, not tracking: a person sending DNT still counts there.
    declined = "DNT" in headers or "Sec-GPC" in headers
    assert db_session.scalar(select(func.count()).select_from(ClickOut)) == int(declined)
    result = report(app, db_session)
    assert (result["visits"], result["visitors"], result["pageviews"], result["top_pages"]) == (0, 0, 0, [])
    is_bot = headers["User-Agent"] != BROWSER
    # "/" and the search page; the product's address without its slug is only a redirect.
    assert result["bots_excluded"] == (2 if is_bot else 0)


def test_dnt_is_recorded_when_the_operator_turns_honouring_it_off(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    app.config["ANALYTICS_HONOUR_DNT"] = False
    browse(client, "/", DNT="1")
    assert [e.kind for e in events(db_session)] == ["pageview"]


def test_visits_split_after_thirty_idle_minutes_and_pages_per_visit(
    app: Flask, client: FlaskClient, db_session: Session, clock: Clock
) -> None:
    for minutes in (0, 10, 45):
        clock.move(minutes=minutes)
        browse(client, "/categories/")
    browse(client, "/")
    result = report(app, db_session)
    assert (result["visits"], result["visitors"], result["pageviews"], result["pages_per_visit"]) == (2, 1, 4, 2.0)
    assert result["entry_pages"] == [{"path": "/categories/", "views": 2}]
    assert {row["path"]: row["views"] for row in result["exit_pages"]} == {"/categories/": 1, "/": 1}
    assert result["depth"] == {"2": 2}
    assert result["channels"] == {"direct": 2}


def test_a_visitor_seen_on_an_earlier_day_is_returning(
    app: Flask, client: FlaskClient, db_session: Session, clock: Clock
) -> None:
    browse(client, "/")
    clock.move(days=1)
    browse(client, "/")
    other = app.test_client()
    browse(other, "/")
    first, second = DAY, DAY + dt.timedelta(days=1)
    run_rollup(db_session, app, [first, second])
    later = analytics_report(db_session, second, second)
    assert (later["visitors"], later["new_visitors"], later["returning_visitors"]) == (2, 1, 1)
    both = analytics_report(db_session, first, second)
    assert (both["visits"], both["visitors"]) == (3, 2)


def test_search_engine_only_pages(app: Flask, db_session: Session, stocked: dict[str, Supplier]) -> None:
    for _ in range(3):
        browse(app.test_client(), "/categories/", Referer="https://www.google.com/")
    deep = app.test_client()
    browse(deep, "/", Referer="https://www.google.com/")
    browse(deep, "/categories/")
    result = report(app, db_session)
    assert result["search_engine_pages"] == [{"path": "/categories/", "visits": 3, "single_page_visits": 3}]
    assert result["channels"] == {"search": 4}


def test_at_login_the_visitors_history_joins_the_account(
    app: Flask, client: FlaskClient, db_session: Session, buyer: User, clock: Clock
) -> None:
    browse(client, "/")
    run_rollup(db_session, app, [DAY])
    phone = app.test_client()
    clock.move(days=1)
    browse(phone, "/")
    login(phone, buyer)
    browse(phone, "/categories/")
    assert events(db_session)[-1].user_id == buyer.id
    clock.move(minutes=1)
    browse(client, "/categories/")
    login(client, buyer)
    run_rollup(db_session, app, [DAY + dt.timedelta(days=1)])
    anonymous = [e for e in events(db_session) if e.kind != "bots" and e.user_id is None]
    assert anonymous == []
    assert db_session.scalars(select(VisitorDay.person).distinct()).all() == [f"u{buyer.id}"]
    result = analytics_report(db_session, DAY, DAY + dt.timedelta(days=1))
    assert (result["visitors"], result["returning_visitors"]) == (1, 1)
    assert result["events"]["login"] == 2


def test_registration_is_an_event(client: FlaskClient, db_session: Session) -> None:
    response = client.post(
        "/account/register",
        data={"email": "new@example.com", "password": "correct horse battery", "confirm": "correct horse battery",
              "display_name": "Nova", "account_type": "buyer", "accept": "y"},
        headers={"User-Agent": BROWSER},
    )  # fmt: skip
    assert response.status_code in (200, 302)
    registered = events(db_session, "registration")
    user_id = db_session.scalar(select(User.id).where(User.email == "new@example.com"))
    if user_id is None:
        pytest.fail(response.get_data(as_text=True)[:2000])
    assert [e.user_id for e in registered] == [user_id]


def test_a_visitor_sees_and_erases_what_we_hold(app: Flask, client: FlaskClient, db_session: Session) -> None:
    browse(client, "/")
    browse(client, "/categories/")
    run_rollup(db_session, app, [DAY])
    page = client.get("/privacy/analytics", headers={"User-Agent": BROWSER}).get_data(as_text=True)
    assert "/categories/" in page and "Page viewed" in page
    response = client.post("/privacy/analytics/erase", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert "visitor=;" in response.headers.get("Set-Cookie", "")
    assert events(db_session) == []
    assert db_session.scalar(select(func.count()).select_from(VisitorDay)) == 0
    # The counts, which name nobody, stay.
    assert analytics_report(db_session, DAY, DAY)["pageviews"] == 2


def test_the_privacy_page_is_linked_from_every_footer(client: FlaskClient) -> None:
    assert 'href="/privacy/analytics"' in client.get("/").get_data(as_text=True)


def test_retention_deletes_raw_events_but_keeps_rollups(
    app: Flask, client: FlaskClient, db_session: Session, clock: Clock
) -> None:
    app.config["ANALYTICS_RETENTION_DAYS"] = 10
    browse(client, "/")
    run_rollup(db_session, app, [DAY])
    clock.move(days=11)
    browse(client, "/categories/")
    run_rollup(db_session, app, [clock.at.date()])
    assert [e.path for e in events(db_session)] == ["/categories/"]
    assert analytics_report(db_session, DAY, DAY)["pageviews"] == 1


def test_cli_rollup_and_report_print_every_key(app: Flask, client: FlaskClient, db_session: Session) -> None:
    browse(client, "/")
    runner = app.test_cli_runner()
    rolled = runner.invoke(args=["analytics", "rollup", "--from", DAY.isoformat()])
    assert rolled.exit_code == 0, rolled.output
    printed = runner.invoke(args=["analytics", "report", "--from", DAY.isoformat(), "--to", DAY.isoformat(), "--json"])
    assert printed.exit_code == 0, printed.output
    result = json.loads(printed.output)
    keys = (
        "visits visitors new_visitors returning_visitors pageviews pages_per_visit top_pages entry_pages exit_pages "
        "channels search_engine_pages searches zero_result_searches funnel clickouts_by_supplier bots_excluded"
    )
    assert set(keys.split()) <= set(result)
    assert (result["visits"], result["new_visitors"], result["top_pages"]) == (1, 1, [{"path": "/", "views": 1}])
    assert set(result["funnel"]) == {"visits", "searched", "viewed_product", "clicked_out", "requested"}


def test_capture_off_records_nothing(app: Flask, client: FlaskClient, db_session: Session) -> None:
    app.config["ANALYTICS_ENABLED"] = False
    browse(client, "/")
    assert events(db_session) == []
