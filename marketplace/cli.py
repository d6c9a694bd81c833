"""The ``traderow`` command line: a Flask CLI group whose commands call the same services as the views."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, run_command, shell_command, with_appcontext

from marketplace.appctx import real_app
from marketplace.db import database, get_session


def _create_app() -> Flask:
    from marketplace import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, set_debug_flag=False)
def cli() -> None:
    """TradeRow: many suppliers' price lists, one searchable catalog."""


cli.add_command(shell_command)
cli.add_command(routes_command)


def main() -> None:
    """Run the ``traderow`` console script; a configuration error is one line, not a traceback."""
    from marketplace.config import ConfigError

    try:
        cli.main(prog_name="traderow")
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database, seed the category tree and create the index."""
    from marketplace import schema
    from marketplace.search.index_runtime import SEARCH_SCHEMA, get_index
    from marketplace.taxonomy.seed import seed_categories

    schema.upgrade(database().engine)
    session = get_session()
    created = seed_categories(session)
    session.commit()
    get_index().ensure()
    click.echo(f"Database ready at {database().engine.url.render_as_string(hide_password=True)}")
    click.echo(f"Categories seeded: {created}" if created else "Category tree already present")
    index = get_index()
    where = f"schema {SEARCH_SCHEMA}" if index.engine == "postgres" else current_app.config["INDEX_PATH"]
    click.echo(f"Search index ready ({index.engine}) at {where}")


@click.command("demo")
@click.option("--if-empty/--always", default=True, help="Load only when no supplier exists yet (default).")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo suppliers, their price lists, a buyer request and its quotes."""
    from marketplace.demo.loader import DemoAlreadyLoaded, load_demo
    from marketplace.search.index_runtime import get_index
    from marketplace.search.indexer import writes_with_the_catalog
    from marketplace.search.jobs import sync_index
    from marketplace.suppliers.services import SupplierError

    if not (current_app.debug or current_app.testing):
        # The demo accounts, an operator's among them, share a password printed in the README.
        raise click.ClickException("The demo data is for development only: set TRADEROW_DEBUG=true to load it.")
    session = get_session()
    try:
        summary = load_demo(
            session,
            base_currency=current_app.config["BASE_CURRENCY"],
            rates=current_app.config["CURRENCY_RATES"],
            skip_if_loaded=if_empty,
        )
    except DemoAlreadyLoaded:
        click.echo("Demo data already loaded; nothing to do.")
        return
    except SupplierError as exc:
        raise click.ClickException(f"{exc} The demo loads only into a database without its suppliers.") from exc
    session.commit()
    index = get_index()
    # PostgreSQL: the commit above wrote the index; Whoosh: the queue is applied now.
    indexed = index.doc_count() if writes_with_the_catalog(index) else sync_index(session, index)
    click.echo(f"Demo loaded: {summary}; {indexed} offers indexed")


@click.command("worker")
@click.option("--once", is_flag=True, help="Do one pass and exit.")
@click.option("--interval", type=float, default=None, help="Seconds to wait when idle.")
@with_appcontext
def worker_command(once: bool, interval: float | None) -> None:
    """Run queued imports and keep the search index in step: the one index writer."""
    from marketplace.worker import run_worker, work_once

    app = real_app()
    if once:
        done = work_once(app)
        click.echo(f"Imports run: {done.imports}; offers indexed: {done.indexed}")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        run_worker(app, interval=interval or app.config["WORKER_INTERVAL"], stop=stop)


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=True, help="Start the background worker beside the server.")
@click.pass_context
def run_command_with_worker(ctx: click.Context, host: str, port: int, worker: bool) -> None:
    """Serve the site, with the worker (the index writer) in a child process."""
    child = None
    if worker:
        # A SIGTERM (from a process manager or `kill`) must stop the worker too, not orphan it;
        # handled from before the worker exists, since a SIGTERM may come while it starts.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if worker:
            child = subprocess.Popen([sys.executable, "-m", "marketplace", "worker"], env=os.environ.copy())
        ctx.invoke(run_command, host=host, port=port, reload=False, debugger=False, with_threads=True)
    finally:
        if child is not None:
            child.terminate()
            child.wait(timeout=10)


def register_commands(app: Flask) -> None:
    """Register every command on the app, so ``flask --app marketplace`` works too."""
    from marketplace.accounts.cli import users
    from marketplace.accounts.token_cli import tokens
    from marketplace.analytics.cli import analytics
    from marketplace.backup.cli import backup_command, restore_command
    from marketplace.catalog.cli import products
    from marketplace.crm.cli import crm
    from marketplace.search.cli import index, search_command
    from marketplace.suppliers.cli import feeds, suppliers

    for command in (
        init_command,
        demo_command,
        worker_command,
        run_command_with_worker,
        suppliers,
        feeds,
        search_command,
        index,
        users,
        products,
        tokens,
        analytics,
        crm,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
