"""One import in the portal: its column mapping, its progress and report, the withdrawal confirmation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import supplier_required
from marketplace.db import get_session
from marketplace.files.store import file_store
from marketplace.imports.columns import (
    MappingError,
    map_and_queue,
    mapping_fields,
    mapping_layout,
    queue_preview,
    stored_preview,
)
from marketplace.imports.feeds import fetch_now
from marketplace.imports.options import choose_price_type
from marketplace.imports.progress import read_progress
from marketplace.imports.uploads import NotHeld, confirm_withdrawal
from marketplace.portal.blueprint import bp
from marketplace.portal.forms import ActionForm, mapping_form, price_type_choice_form
from marketplace.suppliers.models import ImportRun, ImportStatus
from supplier_feeds.detect import FORMAT_NAMES


def _own_run(run_id: int) -> ImportRun:
    run = get_session().get(ImportRun, run_id)
    if run is None or run.supplier_id != current_user.supplier_id:
        abort(404)
    return run


@bp.route("/imports/<int:run_id>/mapping", methods=["GET", "POST"])
@supplier_required
def map_columns(run_id: int) -> ResponseReturnValue:
    run = _own_run(run_id)
    if run.status == ImportStatus.NEEDS_MAPPING and not run.preview:
        queue_preview(get_session(), run)  # waiting since before the worker kept previews
        get_session().commit()
    if run.status == ImportStatus.PREPARING:
        # The worker is reading the file's first rows; the page reloads itself until it is done.
        return render_template("portal/preview_pending.html", run=run)
    if run.status != ImportStatus.NEEDS_MAPPING:
        return redirect(url_for("portal.import_run", run_id=run.id))
    preview = stored_preview(run)
    if preview is None:
        abort(404)
    form = mapping_form(preview.columns, mapping_fields(), preview.suggested)
    fields = [getattr(form, f"col_{i}") for i in range(len(preview.columns))]
    errors: list[str] = []
    if form.validate_on_submit():
        chosen = {column: field.data for column, field in zip(preview.columns, fields, strict=True)}
        session = get_session()
        try:
            map_and_queue(session, run, preview, chosen)
        except MappingError as exc:
            # Every problem at once: the mapping's above the form, each column's on its select.
            by_column = {column: field for column, field in zip(preview.columns, fields, strict=True)}
            for problem in exc.problems:
                if problem.column in by_column:
                    by_column[problem.column].errors.append(str(problem.message))
                else:
                    errors.append(str(problem.message))
        else:
            session.commit()
            flash(_("Column mapping saved; your price list is queued for import."), "info")
            return redirect(url_for("portal.import_run", run_id=run.id))
    layout = mapping_layout(preview, [field.data or "" for field in fields], [bool(f.errors) for f in fields])
    return render_template(
        "portal/mapping.html", run=run, preview=preview, form=form, fields=fields, errors=errors, layout=layout
    ), (400 if form.is_submitted() else 200)


@bp.get("/imports/<int:run_id>")
@supplier_required
def import_run(run_id: int) -> ResponseReturnValue:
    run = _own_run(run_id)
    progress = read_progress(file_store(), run.id) if run.status == ImportStatus.RUNNING else None
    choices = run.report.get("price_types") if run.status == ImportStatus.FAILED else None
    return render_template(
        "portal/import_run.html",
        run=run,
        progress=progress,
        action_form=ActionForm(),
        format_name=FORMAT_NAMES.get(run.format or "", run.format),
        price_type_form=price_type_choice_form(choices) if choices else None,
    )


@bp.post("/imports/<int:run_id>/price-type")
@supplier_required
def choose_run_price_type(run_id: int) -> ResponseReturnValue:
    run = _own_run(run_id)
    choices = run.report.get("price_types") or []
    form = price_type_choice_form(choices)
    if not choices or not form.validate_on_submit():
        abort(400)
    session = get_session()
    chosen = choose_price_type(run.supplier, form.price_type.data)
    if run.feed_source is not None:
        fetch_now(session, run.supplier, run.feed_source.id)
        message = _("Price type “%(name)s” saved; your feed is fetched again in a moment.", name=chosen)
    else:
        message = _("Price type “%(name)s” saved; upload the exchange again to import it.", name=chosen)
    session.commit()
    flash(message, "info")
    return redirect(url_for("portal.index"))


@bp.post("/imports/<int:run_id>/confirm-withdraw")
@supplier_required
def confirm_withdraw(run_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    run = _own_run(run_id)
    session = get_session()
    try:
        confirm_withdrawal(session, run, files=file_store())
    except NotHeld as exc:
        flash(str(exc), "error")
        return redirect(url_for("portal.import_run", run_id=run.id))
    session.commit()
    flash(_("Confirmed: the price list is queued for import again and will withdraw the offers it lacks."), "info")
    return redirect(url_for("portal.import_run", run_id=run.id))
