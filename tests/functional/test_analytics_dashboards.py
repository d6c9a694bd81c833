"""The operator's analytics page and each supplier's numbers, on a small known set of visits.

The visits go through the real capture (the test client, a browser's user agent) and the real
rollup; the pages must show what those visits add up to, and the CSV the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.analytics.jobs import run_rollup
from marketplace.catalog.models import Offer
from marketplace.suppliers.models import Supplier
from tests.support.accounts import login
from tests.support.analytics import BROWSER, DAY, Clock

QUERY = "pan"
NOTHING = "zzqqxxnothing"


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.combine(DAY, dt.time(10, 0), tzinfo=dt.UTC))


@pytest.fixture
def app_overrides(clock: Clock) -> dict[str, Any]:
    return {"ANALYTICS_CLOCK": clock}


def visit(client: FlaskClient, path: str, referrer: str | None = None) -> int:
    headers = {"User-Agent": BROWSER}
    if referrer:
        headers["Referer"] = referrer
    return client.get(path, headers=headers).status_code


@pytest.fixture
def visited(app: Flask, db_session: Session, stocked: dict[str, Supplier], clock: Clock) -> Offer:
    """Three visitors on DAY, one the day before; rolled up. Return the offer clicked."""
    offer = db_session.scalars(select(Offer).where(Offer.supplier_sku == "PAN-28")).one()
    # The product's own address (the bare id redirects to it, and a redirect is no page view).
    product = app.test_client().get(f"/products/{offer.product_id}").location
    # 1: from Google to the product, then out to the store.
    first = app.test_client()
    assert visit(first, product, "https://www.google.com/") == 200
    clock.move(minutes=1)
    assert visit(first, f"/go/{offer.id}") == 302
    # 2: direct, searches (found), opens the product.
    second = app.test_client()
    clock.move(minutes=1)
    assert visit(second, "/") == 200
    clock.move(minutes=1)
    assert visit(second, f"/search?q={QUERY}", "http://localhost/") == 200
    clock.move(minutes=1)
    assert visit(second, product, "http://localhost/search") == 200
    # 3: a search that finds nothing.
    third = app.test_client()
    clock.move(minutes=1)
    assert visit(third, f"/search?q={NOTHING}") == 200
    # The day before: one visit to the home page, the previous period's only one.
    clock.at -= dt.timedelta(days=1)
    assert visit(app.test_client(), "/") == 200
    run_rollup(db_session, app, [DAY - dt.timedelta(days=1), DAY])
    db_session.commit()
    return offer


def day_args(first: dt.date = DAY, last: dt.date = DAY) -> str:
    return f"from={first.isoformat()}&to={last.isoformat()}"


def csv_rows(client: FlaskClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_dashboard_shows_the_days_visits_against_the_previous_period(
    client: FlaskClient, admin: User, visited: Offer
) -> None:
    login(client, admin)
    page = client.get(f"/admin/analytics?{day_args()}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Visits 3 now, 1 the day before: +200 %.
    assert '<td class="num">3</td><td class="num">1</td><td class="num">+200.0</td>' in html
    assert 'id="chart-data-traffic"' in html and "<canvas" in html
    # A zero-result query links to trying it again.
    assert f'<a href="/search?q={NOTHING}">{NOTHING}</a>' in html
    assert 'data-testid="csv-zero_result_searches"' in html


def test_each_table_exports_the_rows_the_page_shows(client: FlaskClient, admin: User, visited: Offer) -> None:
    login(client, admin)

    assert csv_rows(client, f"/admin/analytics/zero_result_searches.csv?{day_args()}") == [
        ["Query", "Searches"],
        [NOTHING, "1"],
    ]
    searches = csv_rows(client, f"/admin/analytics/searches.csv?{day_args()}")
    assert sorted(searches[1:]) == sorted([[QUERY, "1"], [NOTHING, "1"]])
    # Visit → searched → product → store: 3, 2, 2, 1.
    funnel = csv_rows(client, f"/admin/analytics/funnel.csv?{day_args()}")
    assert [row[1] for row in funnel[1:5]] == ["3", "2", "2", "1"]
    assert funnel[2][2] == "66.7"
    # Product views of the pan: two, by both visitors who opened it; one click-out: CTR 50 %.
    suppliers = csv_rows(client, f"/admin/analytics/clickouts_by_supplier.csv?{day_args()}")
    assert suppliers[0] == ["Supplier", "Product views", "Click-outs", "CTR, %"]
    assert ["kitchen-pro", "2", "1", "50.0"] in suppliers
    channels = dict((row[0], row[1]) for row in csv_rows(client, f"/admin/analytics/channels.csv?{day_args()}")[1:])
    assert channels["Search engines"] == "1"
    entries = csv_rows(client, f"/admin/analytics/entry_pages.csv?{day_args()}")
    assert any(row[0].startswith(f"/products/{visited.product_id}-") and row[1] == "1" for row in entries)
    # Per day, from the daily rollups: the day before's one visitor, then DAY's three, all new.
    daily = csv_rows(client, f"/admin/analytics/daily.csv?{day_args(DAY - dt.timedelta(days=1))}")
    assert [row[:2] + row[3:] for row in daily[1:]] == [
        [(DAY - dt.timedelta(days=1)).isoformat(), "1", "1", "1", "0"],
        [DAY.isoformat(), "3", "3", "3", "0"],
    ]
    assert client.get(f"/admin/analytics/nothing.csv?{day_args()}").status_code == 404


def test_the_dashboard_is_for_operators_only(
    client: FlaskClient, buyer: User, supplier_member: User, admin: User
) -> None:
    assert client.get("/admin/analytics").status_code == 302
    for user in (buyer, supplier_member):
        login(client, user)
        assert client.get("/admin/analytics").status_code == 403
        assert client.get("/admin/analytics/searches.csv").status_code == 403
    login(client, admin)
    assert client.get("/admin/analytics?from=bad&to=2026-13-40").status_code == 200


def test_a_supplier_sees_their_own_numbers_only(
    client: FlaskClient, db_session: Session, visited: Offer, sellers: dict[str, User]
) -> None:
    login(client, sellers["kitchen-pro"])
    page = client.get(f"/portal/numbers?{day_args()}").get_data(as_text=True)

    assert '<td class="num" data-testid="views">2</td>' in page
    assert '<td class="num" data-testid="clickouts">1</td>' in page
    assert '<td class="num" data-testid="ctr">50.0</td>' in page
    # The pan's search put kitchen-pro's best offer somewhere on the first page.
    position = page.split('data-testid="position">', 1)[1].split("<", 1)[0]
    assert float(position) >= 1
    prices = csv_rows(client, f"/portal/numbers/prices.csv?{day_args()}")
    assert prices[0][0] == "Code" and any(row[0] == "PAN-28" for row in prices[1:])

    login(client, sellers["office-point"])
    other = client.get(f"/portal/numbers?{day_args()}").get_data(as_text=True)
    assert '<td class="num" data-testid="clickouts">0</td>' in other
    assert "PAN-28" not in other
    assert all(row[0] != "PAN-28" for row in csv_rows(client, f"/portal/numbers/prices.csv?{day_args()}"))
