"""``traderow analytics``: build the rollups now, and print the report of a date range."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask.cli import with_appcontext

from marketplace.analytics.jobs import run_rollup
from marketplace.analytics.report import analytics_report
from marketplace.appctx import real_app
from marketplace.db import get_session


@click.group("analytics")
def analytics() -> None:
    """Visits, pages, channels and searches: rollups and reports."""


@analytics.command("rollup")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day to roll up again.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: the first).")
@with_appcontext
def rollup_command(first: dt.datetime | None, last: dt.datetime | None) -> None:
    """Build the hourly and daily rollups of the days due (or of --from..--to) and apply retention."""
    days = None
    if first is not None:
        end = (last or first).date()
        days = [first.date() + dt.timedelta(days=n) for n in range((end - first.date()).days + 1)]
    rolled = run_rollup(get_session(), real_app(), days)
    for day in rolled:
        click.echo(f"{day.day}: {day.events} events, {day.visits} visits, {day.visitors} visitors")


@analytics.command("report")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def report_command(first: dt.datetime, last: dt.datetime, as_json: bool) -> None:
    """Print the report of --from..--to (inclusive), read from the rollups."""
    report = analytics_report(get_session(), first.date(), last.date())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    for key in ("visits", "visitors", "new_visitors", "returning_visitors", "pageviews", "pages_per_visit"):
        click.echo(f"{key}: {report[key]}")
    click.echo(f"channels: {report['channels']}")
    click.echo(f"funnel: {report['funnel']}")
    click.echo(f"bots_excluded: {report['bots_excluded']}")
