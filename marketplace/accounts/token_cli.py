"""``traderow tokens``: an operator makes an API token for a user."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from marketplace.accounts.tokens import TokenError, create_token_for
from marketplace.db import get_session


@click.group()
def tokens() -> None:
    """Manage personal API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
@with_appcontext
def create_command(email: str, name: str) -> None:
    """Create an API token for EMAIL and print it; it is shown only this once."""
    session = get_session()
    try:
        token, secret = create_token_for(session, email, name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(secret)
    click.echo(f"Token for {token.user.email} created; it is shown only this once.", err=True)
