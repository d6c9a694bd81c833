"""Visitors, new and returning over a range, from the daily sketches: the CLI's JSON and the dashboard agree.

The three visitors of the browser test (issue 14): one new, one returning on a later day, one
sending Do Not Track; and a headless browser, which counts in nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.analytics.jobs import run_rollup
from marketplace.analytics.report import analytics_report
from tests.support.accounts import login
from tests.support.analytics import BROWSER, DAY, HEADLESS, Clock

DAY_TWO = DAY + dt.timedelta(days=1)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.combine(DAY, dt.time(10, 0), tzinfo=dt.UTC))


@pytest.fixture
def app_overrides(clock: Clock) -> dict[str, Any]:
    return {"ANALYTICS_CLOCK": clock}


def browse(client: FlaskClient, path: str, **headers: str) -> None:
    response = client.get(path, headers={"User-Agent": BROWSER, **headers})
    assert response.status_code == 200, path


@pytest.fixture
def three_visitors(app: Flask, db_session: Session, clock: Clock) -> FlaskClient:
    """Browse as the three visitors and the bot over DAY and DAY_TWO, roll up; return the returning visitor."""
    new, returning, private, bot = (app.test_client() for _ in range(4))
    browse(returning, "/")
    browse(new, "/")
    browse(new, "/privacy/analytics")
    clock.at = dt.datetime.combine(DAY_TWO, dt.time(11, 0), tzinfo=dt.UTC)
    browse(returning, "/categories/")
    browse(private, "/", DNT="1")
    browse(private, "/categories/", DNT="1")
    browse(bot, "/", **{"User-Agent": HEADLESS})
    run_rollup(db_session, app, [DAY, DAY_TWO])
    db_session.commit()
    return returning


def cli_report(app: Flask, first: dt.date, last: dt.date) -> dict[str, Any]:
    printed = app.test_cli_runner().invoke(
        args=["analytics", "report", "--from", first.isoformat(), "--to", last.isoformat(), "--json"]
    )
    assert printed.exit_code == 0, printed.output
    result: dict[str, Any] = json.loads(printed.output)
    return result


def people(report: dict[str, Any]) -> tuple[int, int, int]:
    return report["visitors"], report["new_visitors"], report["returning_visitors"]


def test_the_cli_report_counts_new_returning_and_no_dnt_visitor_or_bot(app: Flask, three_visitors: FlaskClient) -> None:
    assert people(cli_report(app, DAY, DAY)) == (2, 2, 0)
    assert people(cli_report(app, DAY_TWO, DAY_TWO)) == (1, 0, 1)
    both = cli_report(app, DAY, DAY_TWO)
    assert people(both) == (2, 2, 1)
    assert both["visits"] == 3 and both["bots_excluded"] >= 1


def test_the_dashboard_marks_range_visitors_as_estimates(
    client: FlaskClient, admin: User, three_visitors: FlaskClient
) -> None:
    login(client, admin)
    html = client.get(f"/admin/analytics?from={DAY_TWO}&to={DAY_TWO}").get_data(as_text=True)

    # DAY_TWO against DAY: visitors 1 against 2, returning 1 against 0, new 0 against 2 (exact).
    rows = {row.split("</th>", 1)[0].split(">")[-1]: row for row in html.split('<th scope="row">')[1:]}
    assert '<td class="num">≈&nbsp;1</td><td class="num">≈&nbsp;2</td><td class="num">-50.0</td>' in html
    # Nobody is exactly nobody: an empty union is no estimate.
    assert '<td class="num">≈&nbsp;1</td><td class="num">0</td><td class="num">—</td>' in html
    assert '<td class="num">0</td><td class="num">2</td><td class="num">-100.0</td>' in html
    assert "≈" not in rows["Visits"] and 'href="#estimates"' in html and 'id="estimates"' in html
    assert "standard error of about 0.8%" in html


def test_an_erased_visitor_leaves_the_range_count_at_the_next_rollup(
    app: Flask, db_session: Session, three_visitors: FlaskClient, clock: Clock
) -> None:
    response = three_visitors.post("/privacy/analytics/erase", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    # The sketches still hold the visitor's hashed trace until the worker's next rollup rebuilds them.
    assert people(analytics_report(db_session, DAY, DAY_TWO)) == (2, 2, 1)
    clock.move(days=1)
    run_rollup(db_session, app, [DAY_TWO + dt.timedelta(days=1)])
    assert people(analytics_report(db_session, DAY, DAY_TWO)) == (1, 1, 0)
