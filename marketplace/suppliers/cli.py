"""``traderow suppliers`` and ``traderow feeds``."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pathlib
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from marketplace.db import get_session
from marketplace.imports.feeds import FeedSourceError, add_feed_source
from marketplace.imports.lock import BUSY_MESSAGE
from marketplace.imports.options import ImportMode, ImportOptions, choose_price_type
from marketplace.imports.run import begin_run, execute_import, fail_busy
from marketplace.imports.withdraw import configured_threshold
from marketplace.jobs.queue import claim_inline, finish_inline
from marketplace.suppliers.models import ImportRun, ImportStatus
from marketplace.suppliers.services import SupplierError, add_supplier, get_supplier
from search_index import IndexLockedError
from supplier_feeds.commerceml import pack_exchange


@click.group()
def suppliers() -> None:
    """Manage suppliers."""


@suppliers.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="The shop's name as buyers see it.")
@click.option("--url", "store_url", required=True, help="The shop's own web store.")
@click.option("--email", default=None, help="Contact email.")
@click.option("--currency", default="UAH", show_default=True, help="Currency of rows that name none.")
@with_appcontext
def add_command(slug: str, name: str, store_url: str, email: str | None, currency: str) -> None:
    """Register a supplier under SLUG."""
    session = get_session()
    try:
        supplier = add_supplier(session, slug, name=name, store_url=store_url, contact_email=email, currency=currency)
    except SupplierError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"Supplier {supplier.slug} ({supplier.name}) added with id {supplier.id}")


@click.group()
def feeds() -> None:
    """Import suppliers' price lists."""


@feeds.command("import")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--dry-run", is_flag=True, help="Show what would change, and publish nothing.")
@click.option(
    "--partial/--full",
    "partial",
    default=None,
    help="Update only the offers the file names, or replace the whole catalog (default: as the file says).",
)
@click.option(
    "--confirm-withdraw",
    is_flag=True,
    help="Let a full import withdraw more than TRADEROW_WITHDRAW_GUARD_PERCENT of the live offers.",
)
@click.option(
    "--price-type",
    default=None,
    help="1C (CommerceML) exchanges: the name or id of the supplier's price type; remembered for later imports.",
)
@click.option(
    "--offers",
    "offers_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="1C (CommerceML) exchanges: the offers.xml imported together with PATH (its import.xml).",
)
@with_appcontext
def import_command(
    slug: str,
    path: str,
    as_json: bool,
    dry_run: bool,
    partial: bool | None,
    confirm_withdraw: bool,
    price_type: str | None,
    offers_path: str | None,
) -> None:
    """Import the price list at PATH for SLUG, then update the index.

    A 1C exchange is imported from its zip, or from import.xml with --offers offers.xml.
    """
    from marketplace.search.index_runtime import get_index
    from marketplace.search.indexer import writes_with_the_catalog
    from marketplace.search.jobs import sync_index

    session = get_session()
    try:
        supplier = get_supplier(session, slug)
    except SupplierError as exc:
        raise click.ClickException(str(exc)) from exc
    options = ImportOptions(
        mode=ImportMode.AUTO if partial is None else ImportMode.PARTIAL if partial else ImportMode.FULL,
        dry_run=dry_run,
        price_move_percent=current_app.config["PRICE_MOVE_PERCENT"],
        withdraw_guard_percent=configured_threshold(current_app.config),
        confirm_withdraw=confirm_withdraw,
        price_type=choose_price_type(supplier, price_type),
    )
    source: str | bytes = path
    if offers_path is not None:
        # The pair goes through the import as the zip 1C-Bitrix would have made of it.
        source = pack_exchange((name, pathlib.Path(name).read_bytes()) for name in (path, offers_path))
    # The run is in the history before the file is read, claimed by this process: if it is
    # killed, the worker's next pass marks the run failed, as for a dead worker's import.
    # The supplier was read in a transaction of its own: SQLite then lets the run's INSERT
    # wait for another import's commit instead of failing on a stale snapshot.
    session.commit()
    try:
        run = begin_run(session, supplier, filename=os.path.basename(path), options=options)
        job = claim_inline(session, "import_run", lease=dt.timedelta(seconds=current_app.config["JOB_LEASE"]),
                           run_id=run.id)  # fmt: skip
        session.commit()
    except OperationalError as exc:  # SQLite's one writer stayed busy for longer than busy_timeout
        session.rollback()
        raise click.ClickException(BUSY_MESSAGE) from exc
    size = os.path.getsize(path) if isinstance(source, str) else len(source)
    # The bar goes to stderr so that --json output stays clean on stdout.
    with (
        open(path, "rb") if isinstance(source, str) else io.BytesIO(source) as fh,
        click.progressbar(length=size, label=f"Importing {os.path.basename(path)}", file=sys.stderr) as bar,
    ):

        def progress(_rows: int) -> None:
            bar.update(fh.tell() - bar.pos)

        try:
            execute_import(
                session,
                run,
                fh,
                base_currency=current_app.config["BASE_CURRENCY"],
                rates=current_app.config["CURRENCY_RATES"],
                progress=progress,
                options=options,
            )
            session.commit()
        except OperationalError:
            # SQLite: another import held the database for longer than busy_timeout; nothing was applied.
            session.rollback()
            fail_busy(session, run.id)
            session.commit()
            session.refresh(run)
    finish_inline(session, job.id)
    index = get_index()
    try:
        # PostgreSQL: the import's own commit wrote its offers into the index; nothing is queued.
        indexed: int | None = 0 if writes_with_the_catalog(index) else sync_index(session, index)
    except IndexLockedError:
        # The import is committed and its index changes are queued: the worker, which holds
        # the index now, writes them.
        indexed = None
    if as_json:
        click.echo(json.dumps(run_as_json(run), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(run))
    if indexed is not None:
        if not as_json and writes_with_the_catalog(index):
            click.echo("Index updated with the import's commit")
        elif not as_json:
            click.echo(f"Index updated: {indexed} offers")
    else:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            click.echo(
                _(
                    "The import is saved. Another process (the worker) is writing the search index now; it adds "
                    "these changes at its next pass."
                ),
                err=True,
            )
    if run.status == ImportStatus.HELD:
        guard = run.report.get("withdraw_guard") or {}
        # No request to choose a language from: the site's default one.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            message = _(
                "Held: this full import would withdraw %(withdraw)d of %(live)d live offers (%(percent)s%%, more "
                "than %(threshold)s%%). Nothing was changed. Run it again with --confirm-withdraw if that is meant.",
                withdraw=guard.get("withdraw", run.withdrawn),
                live=guard.get("live", 0),
                percent=guard.get("percent", ""),
                threshold=guard.get("threshold", ""),
            )
        click.echo(message, err=True)
        raise SystemExit(3)
    if run.status == ImportStatus.FAILED:
        if run.report.get("price_types"):
            with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
                click.echo(
                    _(
                        "Choose your price type with --price-type; this file has: %(types)s.",
                        types=", ".join(run.report["price_types"]),
                    ),
                    err=True,
                )
        raise SystemExit(1)


def run_as_json(run: ImportRun) -> dict[str, object]:
    """Return the run and its report as plain JSON data."""
    return {
        "id": run.id,
        "supplier": run.supplier.slug,
        "filename": run.filename,
        "format": run.format,
        "status": str(run.status),
        "error": run.error,
        "rows_read": run.rows_read,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "withdrawn": run.withdrawn,
        "rejected": run.rejected,
        "warnings": run.warnings,
        "partial": run.partial,
        "dry_run": run.dry_run,
        **run.report,
    }


def format_report(run: ImportRun) -> str:
    """Return the report as lines a person reads in a terminal."""
    lines = [
        f"Import {run.id} of {run.filename} for {run.supplier.slug}: {run.status}",
    ]
    if run.error:
        lines.append(f"  Error: {run.error}")
    else:
        lines.append(
            f"  {run.rows_read} rows read: {run.created} new, {run.updated} changed, "
            f"{run.unchanged} unchanged, {run.withdrawn} withdrawn, {run.rejected} rejected, {run.warnings} warnings"
        )
    if run.dry_run:
        lines.append("  Dry run: nothing was published.")
    if run.partial:
        lines.append("  Partial update: only the offers the file names were touched.")
    diff = run.report.get("diff") or {}
    for name, label in (
        ("new", "New"),
        ("withdrawn", "Withdrawn"),
        ("changed", "Changed"),
        ("price_moves", "Price moves"),
    ):
        entries = diff.get(name) or []
        total = (diff.get("counts") or {}).get(name, len(entries))
        if not total:
            continue
        lines.append(f"  {label} ({total}):")
        for entry in entries[:20]:
            if name == "price_moves":
                lines.append(
                    f"    {entry['sku']}: {entry['old']} -> {entry['new']} {entry['currency']} ({entry['percent']:+}%)"
                )
            elif name == "changed":
                lines.append(f"    {entry['sku']}: {', '.join(entry['fields'])}")
            else:
                lines.append(f"    {entry['sku']}: {entry.get('title', '')}")
        if total > 20:
            lines.append(f"    ... and {total - 20} more")
    counts = run.report.get("counts", {})
    if counts:
        lines.append("  Problems by code: " + ", ".join(f"{code}={n}" for code, n in sorted(counts.items())))
    for problem in run.report.get("problems", [])[:50]:
        where = f"line {problem['line']}" if problem.get("line") else ""
        sku = f"offer {problem['sku']}" if problem.get("sku") else ""
        lines.append(
            f"  [{problem['severity']}] {problem['code']} {', '.join(filter(None, [where, sku]))}: {problem['message']}"
        )
    return "\n".join(lines)


@feeds.command("add-url")
@click.argument("slug")
@click.argument("url")
@click.option("--every", "interval_hours", type=int, default=24, show_default=True, help="Fetch every N hours.")
@click.option(
    "--mode", type=click.Choice(ImportMode.ALL), default=ImportMode.AUTO, show_default=True, help="How to apply it."
)
@with_appcontext
def add_url_command(slug: str, url: str, interval_hours: int, mode: str) -> None:
    """Register a feed URL that the worker fetches for SLUG on a schedule."""
    session = get_session()
    try:
        source = add_feed_source(session, get_supplier(session, slug), url, interval_hours=interval_hours, mode=mode)
    except (SupplierError, FeedSourceError) as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"Feed {source.id} registered for {slug}: {url} every {interval_hours} h (the worker fetches it)")
