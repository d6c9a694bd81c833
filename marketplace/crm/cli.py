"""``traderow crm``: keep the customer records in step, list them, and print one customer's timeline."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import selectinload

from marketplace.accounts.services import find_user
from marketplace.crm.customers import CustomerFilter, customer_of_user, filtered, find_by_email
from marketplace.crm.models import Customer, LinkSource
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
    """Return one record as the CLI prints it; tier and RFM come with the segments (null until then)."""
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
        "tier": None,
        "rfm": None,
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
