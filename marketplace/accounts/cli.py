"""``traderow users``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from marketplace.accounts.models import Role
from marketplace.accounts.services import AccountError, create_user
from marketplace.db import get_session
from marketplace.suppliers.services import SupplierError, get_supplier


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--supplier", "supplier_slug", default=None, help="The supplier a supplier member belongs to.")
@click.option("--name", default=None, help="Display name (defaults to the part of the email before @).")
@with_appcontext
def add_command(email: str, role: str, supplier_slug: str | None, name: str | None) -> None:
    """Create an account for EMAIL; the password is read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    session = get_session()
    try:
        supplier = get_supplier(session, supplier_slug) if supplier_slug else None
        user = create_user(session, email, password, role=Role(role), display_name=name, supplier=supplier)
    except (AccountError, SupplierError) as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"User {user.email} created with role {user.role}")
