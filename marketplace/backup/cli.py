"""``traderow backup DEST`` and ``traderow restore FILE``: the embedded instance, with the app's paths."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from marketplace.backup.services import BackupError, InstanceLayout, backup_instance, restore_instance
from marketplace.metrics.instruments import directory as metrics_directory

POSTGRES_HINT = (
    "traderow backup copies an embedded (SQLite) instance. On PostgreSQL use pg_dump -Fc and "
    "pg_restore, or pg_basebackup (README, 'Running at scale')."
)


def layout(app: Flask) -> InstanceLayout:
    """Return where the app's database and files are; refuse a database that is not a SQLite file."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(POSTGRES_HINT)
    if not url.database or url.database == ":memory:":
        raise click.ClickException("The database is in memory: there is nothing on disk to back up or restore.")
    skip = [Path(app.config["INDEX_PATH"])]
    metrics = metrics_directory() or app.config["METRICS_DIR"]
    skip.append(Path(metrics))
    return InstanceLayout(
        database=Path(url.database),
        folders={
            "instance": Path(app.instance_path),
            "uploads": Path(app.config["UPLOAD_PATH"]),
            "click-spool": Path(app.config["CLICK_SPOOL_PATH"]),
            "thumbnails": Path(app.config["THUMBNAIL_PATH"]),
        },
        skip=tuple(skip),
    )


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Write the database and the instance's files to DESTINATION: a .tar.gz, or a folder to put one in."""
    try:
        summary = backup_instance(layout(current_app), destination)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {summary.path}: database {summary.database_bytes} bytes, {summary.files} files.")
    click.echo("The search index is not in it: after a restore run `traderow index rebuild`.")


@click.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace the database of an instance that is not empty.")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup made by `traderow backup` into this instance (a fresh one, unless --force)."""
    try:
        restored = restore_instance(layout(current_app), archive, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the database and {restored} files from {archive}.")
    click.echo("Next: `traderow init` (migrates a backup of an older version), then `traderow index rebuild`.")
