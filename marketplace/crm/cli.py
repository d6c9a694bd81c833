"""``traderow crm``: keep the customer records in step, score them, list them, segments, one customer's timeline."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import selectinload

from marketplace.accounts.services import find_user
from marketplace.crm.customers import CustomerFilter, customer_of_user, filtered, find_by_email
from marketplace.crm.models import Customer, LinkSource
from marketplace.crm.scoring_pass import score_customers
from marketplace.crm.segments import find_segment, list_segments, segment_members
from marketplace.crm.sync import sync_customers
from marketplace.crm.timeline import customer_timeline
from marketplace.db import get_session


@click.group("crm")
def crm() -> None:
    """The customer database: records, duplicates, timelines."""


@crm.command("sync")
@with_appcontext
def sync_command() -> None:
    """Make records for accounts, suppliers and order contacts that have none (the worker does it each pass)."""
    session = get_session()
    done = sync_customers(session)
    session.commit()
    click.echo(f"Customer records made: {done.created}; sources linked to existing records: {done.linked}")


def customer_json(customer: Customer) -> dict[str, Any]:
    """Return one record as the CLI prints it; tier, RFM, value and cost are null until the scoring pass ran."""
    return {
        "id": customer.id,
        "kind": str(customer.kind),
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "company": customer.company,
        "tax_id": customer.tax_id,
        "b2b": customer.b2b,
        "language": customer.language,
        "last_seen_at": customer.last_seen_at.isoformat() if customer.last_seen_at else None,
        "accounts": customer.ids_of(LinkSource.USER),
        "suppliers": customer.ids_of(LinkSource.SUPPLIER),
        "leads": customer.ids_of(LinkSource.LEAD),
        "tier": customer.tier,
        "rfm": (
            {"r": customer.rfm_r, "f": customer.rfm_f, "m": customer.rfm_m} if customer.rfm_r is not None else None
        ),
        "recency_days": customer.recency_days,
        "frequency": customer.frequency,
        "value": str(customer.value) if customer.value is not None else None,
        "cost": str(customer.cost) if customer.cost is not None else None,
        "currency": customer.value_currency,
        "scored_at": customer.scored_at.isoformat() if customer.scored_at else None,
    }


@crm.command("customers")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.option("--query", "-q", default="", help="Part of a name, company, e-mail or phone.")
@with_appcontext
def customers_command(as_json: bool, query: str) -> None:
    """List the live customer records."""
    rows = get_session().scalars(filtered(CustomerFilter(query=query)).options(selectinload(Customer.links))).all()
    if as_json:
        click.echo(json.dumps([customer_json(c) for c in rows], ensure_ascii=False))
        return
    for c in rows:
        click.echo(f"{c.id}\t{c.kind}\t{c.name}\t{c.email or ''}\t{c.phone or ''}")


@crm.command("score")
@with_appcontext
def score_command() -> None:
    """Score and tier every customer now (the worker does it hourly): RFM, value, cost, browsed categories."""
    session = get_session()
    done = score_customers(session)
    session.commit()
    click.echo(
        f"Scored {done.buyers} buyers and {done.suppliers} suppliers in {done.seconds:.1f} s: "
        f"{done.gold} gold, {done.loss} loss-making"
    )


@crm.command("segment")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def segment_command(name: str, as_json: bool) -> None:
    """Print who is in the segment called NAME now."""
    session = get_session()
    segment = find_segment(session, name)
    if segment is None:
        known = ", ".join(s.name for s, _count in list_segments(session)) or "none"
        raise click.ClickException(f"No segment is called {name!r}; the segments are: {known}.")
    rows = session.scalars(segment_members(session, segment).options(selectinload(Customer.links))).all()
    if as_json:
        body = {
            "segment": {"id": segment.id, "name": segment.name, "filters": segment.filters},
            "count": len(rows),
            "customers": [customer_json(c) for c in rows],
        }
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    for c in rows:
        click.echo(f"{c.id}\t{c.kind}\t{c.tier or ''}\t{c.name}\t{c.email or ''}")


@crm.command("timeline")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", default=200, show_default=True, help="Entries at most.")
@with_appcontext
def timeline_command(email: str, as_json: bool, limit: int) -> None:
    """Print the timeline of the customer with EMAIL (a record's or one of its accounts')."""
    session = get_session()
    customer = find_by_email(session, email)
    if customer is None:
        user = find_user(session, email)
        customer = customer_of_user(session, user) if user is not None else None
    if customer is None:
        raise click.ClickException(f"No customer has the e-mail {email}; run `traderow crm sync` if it is new.")
    entries = customer_timeline(session, customer, limit=limit)
    if as_json:
        click.echo(
            json.dumps(
                {"customer": customer_json(customer), "timeline": [e.as_json() for e in entries]}, ensure_ascii=False
            )
        )
        return
    for entry in entries:
        click.echo(f"{entry.at:%Y-%m-%d %H:%M}\t{entry.label}\t{entry.text}")
