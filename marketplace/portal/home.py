"""The portal page: the supplier's feeds, imports and offers, the price-list upload, and the supplier's numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import supplier_required
from marketplace.analytics.dashboard import csv_response, date_range, supplier_dashboard
from marketplace.analytics.report import supplier_report
from marketplace.db import get_session, utcnow
from marketplace.files.store import file_store
from marketplace.imports.columns import may_need_mapping
from marketplace.imports.feeds import feed_sources, latest_runs
from marketplace.imports.options import choose_price_type
from marketplace.imports.uploads import queue_import
from marketplace.imports.withdraw import offer_count
from marketplace.moderation.services import hidden_offers_of
from marketplace.portal.blueprint import bp
from marketplace.portal.forms import ActionForm, FeedSourceForm, UploadForm
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import import_history
from supplier_feeds.commerceml import pack_exchange
from supplier_feeds.streams import HEAD_SIZE


def portal_page(
    form: UploadForm | None = None, feed_form: FeedSourceForm | None = None, status: int = 200, error: str | None = None
) -> ResponseReturnValue:
    """Render the portal page, with a form that failed validation (and ``status``) if there is one."""
    session = get_session()
    supplier = current_user.supplier
    feeds = feed_sources(session, supplier)
    return render_template(
        "portal/index.html",
        supplier=supplier,
        form=form or UploadForm(price_type=supplier.price_type),
        feed_form=feed_form or FeedSourceForm(price_type=supplier.price_type),
        action_form=ActionForm(),
        feeds=feeds,
        # Each feed's last status is told in the supplier's language from its newest run's codes.
        feed_runs=latest_runs(session, feeds),
        runs=import_history(session, supplier),
        offers=offer_count(session, supplier),
        upload_error=error,
        hidden_offers=hidden_offers_of(session, supplier.id),
        # The supplier's numbers of the last 30 days, in short; /portal/numbers has them all.
        numbers=supplier_report(session, supplier.slug, *date_range(None, None, utcnow().date())),
    ), status


@bp.get("/")
@supplier_required
def index() -> ResponseReturnValue:
    return portal_page()


@bp.post("/upload")
@supplier_required
def upload() -> ResponseReturnValue:
    form = UploadForm()
    if not form.validate_on_submit():
        return portal_page(form, status=400)
    data = form.feed.data.read()
    if not data:
        form.feed.errors.append(_("The file is empty."))
        return portal_page(form, status=400)
    filename = form.feed.data.filename or "upload"
    if form.offers.data is not None:
        # A 1C exchange in two files goes on as the one zip 1C-Bitrix would have made of them.
        data = pack_exchange([(filename, data), (form.offers.data.filename or "offers.xml", form.offers.data.read())])
    session = get_session()
    choose_price_type(current_user.supplier, form.price_type.data)
    # Only the format is sniffed here; the worker reads a table's rows (``prepare_preview``).
    table = may_need_mapping(data[:HEAD_SIZE])
    run = queue_import(
        session,
        current_user.supplier,
        data,
        filename=filename,
        files=file_store(),
        mode=form.mode.data,
        dry_run=form.dry_run.data,
        preview=table,
    )
    session.commit()
    if table:
        return redirect(url_for("portal.map_columns", run_id=run.id))
    flash(_("Your price list is queued for import."), "info")
    return redirect(url_for("portal.import_run", run_id=run.id))


def _numbers(supplier: Supplier) -> tuple[dt.date, dt.date, dict[str, Any]]:
    first, last = date_range(request.args.get("from"), request.args.get("to"), utcnow().date())
    return first, last, supplier_dashboard(get_session(), supplier, first, last)


@bp.get("/numbers")
@supplier_required
def numbers() -> ResponseReturnValue:
    """The supplier's own numbers: views, click-outs, CTR, search position, prices against the market, wins."""
    first, last, data = _numbers(current_user.supplier)
    return render_template("portal/numbers.html", supplier=current_user.supplier, first=first, last=last, **data)


@bp.get("/numbers/<name>.csv")
@supplier_required
def numbers_csv(name: str) -> ResponseReturnValue:
    first, last, data = _numbers(current_user.supplier)
    table = data["tables"].get(name)
    if table is None:
        abort(404)
    return csv_response(table, f"{current_user.supplier.slug}-{name}-{first}-{last}.csv")
