"""The supplier portal: upload a price list or register a feed URL, follow each import, read every row's fate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.accounts.access import supplier_required
from marketplace.db import get_session
from marketplace.imports.columns import (
    MappingError,
    map_and_queue,
    mapping_fields,
    may_need_mapping,
    queue_preview,
    stored_preview,
)
from marketplace.imports.feeds import FeedSourceError, add_feed_source, feed_sources, fetch_now, remove_feed_source
from marketplace.imports.progress import read_progress
from marketplace.imports.uploads import NotHeld, confirm_withdrawal, queue_import
from marketplace.imports.withdraw import offer_count
from marketplace.suppliers.forms import ActionForm, FeedSourceForm, UploadForm, mapping_form
from marketplace.suppliers.models import ImportRun, ImportStatus
from marketplace.suppliers.services import import_history
from marketplace.templating import IMPORT_STATUS_LABELS
from supplier_feeds.streams import HEAD_SIZE

bp = Blueprint("suppliers", __name__, url_prefix="/portal")

RUN_STATUS_LABELS = {
    **IMPORT_STATUS_LABELS,
    ImportStatus.PREPARING.value: _l("Preparing the preview"),
    ImportStatus.NEEDS_MAPPING.value: _l("Waiting for the column mapping"),
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"run_labels": RUN_STATUS_LABELS}


def _portal_page(
    form: UploadForm | None = None, feed_form: FeedSourceForm | None = None, status: int = 200, error: str | None = None
):  # type: ignore[no-untyped-def]
    session = get_session()
    supplier = current_user.supplier
    return render_template(
        "suppliers/portal.html",
        supplier=supplier,
        form=form or UploadForm(),
        feed_form=feed_form or FeedSourceForm(),
        action_form=ActionForm(),
        feeds=feed_sources(session, supplier),
        runs=import_history(session, supplier),
        offers=offer_count(session, supplier),
        upload_error=error,
    ), status


def _own_run(run_id: int) -> ImportRun:
    run = get_session().get(ImportRun, run_id)
    if run is None or run.supplier_id != current_user.supplier_id:
        abort(404)
    return run


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    return render_template(
        "errors/error.html",
        code=413,
        title=_("The file is too large"),
        description=_(
            "Price lists of up to %(mb)d MB can be uploaded here. Nothing was imported and your catalog is "
            "unchanged. For a larger price list, register its address as a feed URL in the portal instead.",
            mb=limit_mb,
        ),
    ), 413


@bp.get("/")
@supplier_required
def portal():  # type: ignore[no-untyped-def]
    return _portal_page()


@bp.post("/upload")
@supplier_required
def upload():  # type: ignore[no-untyped-def]
    form = UploadForm()
    if not form.validate_on_submit():
        return _portal_page(form, status=400)
    data = form.feed.data.read()
    if not data:
        form.feed.errors.append(_("The file is empty."))
        return _portal_page(form, status=400)
    session = get_session()
    # Only the format is sniffed here; the worker reads a table's rows (``prepare_preview``).
    table = may_need_mapping(data[:HEAD_SIZE])
    run = queue_import(
        session,
        current_user.supplier,
        data,
        filename=form.feed.data.filename or "upload",
        upload_dir=current_app.config["UPLOAD_PATH"],
        mode=form.mode.data,
        dry_run=form.dry_run.data,
        preview=table,
    )
    session.commit()
    if table:
        return redirect(url_for("suppliers.map_columns", run_id=run.id))
    flash(_("Your price list is queued for import."), "info")
    return redirect(url_for("suppliers.import_run", run_id=run.id))


@bp.route("/imports/<int:run_id>/mapping", methods=["GET", "POST"])
@supplier_required
def map_columns(run_id: int):  # type: ignore[no-untyped-def]
    run = _own_run(run_id)
    if run.status == ImportStatus.NEEDS_MAPPING and not run.preview:
        queue_preview(get_session(), run)  # waiting since before the worker kept previews
        get_session().commit()
    if run.status == ImportStatus.PREPARING:
        # The worker is reading the file's first rows; the page reloads itself until it is done.
        return render_template("suppliers/preview_pending.html", run=run)
    if run.status != ImportStatus.NEEDS_MAPPING:
        return redirect(url_for("suppliers.import_run", run_id=run.id))
    preview = stored_preview(run)
    if preview is None:
        abort(404)
    form = mapping_form(preview.columns, mapping_fields(), preview.suggested)
    error = None
    if form.validate_on_submit():
        chosen = {column: getattr(form, f"col_{i}").data for i, column in enumerate(preview.columns)}
        session = get_session()
        try:
            map_and_queue(session, run, preview, chosen)
        except MappingError as exc:
            error = str(exc)
        else:
            session.commit()
            flash(_("Column mapping saved; your price list is queued for import."), "info")
            return redirect(url_for("suppliers.import_run", run_id=run.id))
    fields = [getattr(form, f"col_{i}") for i in range(len(preview.columns))]
    return render_template("suppliers/mapping.html", run=run, preview=preview, form=form, fields=fields, error=error), (
        400 if form.is_submitted() else 200
    )


@bp.get("/imports/<int:run_id>")
@supplier_required
def import_run(run_id: int):  # type: ignore[no-untyped-def]
    run = _own_run(run_id)
    progress = read_progress(current_app.config["UPLOAD_PATH"], run.id) if run.status == ImportStatus.RUNNING else None
    return render_template("suppliers/import_run.html", run=run, progress=progress, action_form=ActionForm())


@bp.post("/imports/<int:run_id>/confirm-withdraw")
@supplier_required
def confirm_withdraw(run_id: int):  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    run = _own_run(run_id)
    session = get_session()
    try:
        confirm_withdrawal(session, run, upload_dir=current_app.config["UPLOAD_PATH"])
    except NotHeld:
        flash(_("This import is not waiting for a confirmation (or its file is gone); upload it again."), "error")
        return redirect(url_for("suppliers.import_run", run_id=run.id))
    session.commit()
    flash(_("Confirmed: the price list is queued for import again and will withdraw the offers it lacks."), "info")
    return redirect(url_for("suppliers.import_run", run_id=run.id))


@bp.post("/feeds")
@supplier_required
def add_feed():  # type: ignore[no-untyped-def]
    form = FeedSourceForm()
    if not form.validate_on_submit():
        return _portal_page(feed_form=form, status=400)
    session = get_session()
    try:
        add_feed_source(
            session, current_user.supplier, form.url.data, interval_hours=form.interval_hours.data, mode=form.mode.data
        )
    except FeedSourceError as exc:
        form.url.errors.append(str(exc))
        return _portal_page(feed_form=form, status=400)
    session.commit()
    flash(_("Feed address saved; we fetch it shortly and then on schedule."), "info")
    return redirect(url_for("suppliers.portal"))


@bp.post("/feeds/<int:source_id>/fetch")
@supplier_required
def fetch_feed_now(source_id: int):  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        fetch_now(session, current_user.supplier, source_id)
    except FeedSourceError:
        abort(404)
    session.commit()
    flash(_("The feed will be fetched in a moment."), "info")
    return redirect(url_for("suppliers.portal"))


@bp.post("/feeds/<int:source_id>/remove")
@supplier_required
def remove_feed(source_id: int):  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        remove_feed_source(session, current_user.supplier, source_id)
    except FeedSourceError:
        abort(404)
    session.commit()
    flash(_("Feed address removed."), "info")
    return redirect(url_for("suppliers.portal"))
