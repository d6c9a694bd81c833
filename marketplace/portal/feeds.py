"""The portal's feed addresses: register one, fetch it now, remove it."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import supplier_required
from marketplace.db import get_session
from marketplace.imports.feeds import FeedSourceError, add_feed_source, fetch_now, remove_feed_source
from marketplace.imports.options import choose_price_type
from marketplace.portal.blueprint import bp
from marketplace.portal.forms import ActionForm, FeedSourceForm
from marketplace.portal.home import portal_page


@bp.post("/feeds")
@supplier_required
def add_feed() -> ResponseReturnValue:
    form = FeedSourceForm()
    if not form.validate_on_submit():
        return portal_page(feed_form=form, status=400)
    session = get_session()
    try:
        add_feed_source(
            session, current_user.supplier, form.url.data, interval_hours=form.interval_hours.data, mode=form.mode.data
        )
    except FeedSourceError as exc:
        form.url.errors.append(str(exc))
        return portal_page(feed_form=form, status=400)
    choose_price_type(current_user.supplier, form.price_type.data)
    session.commit()
    flash(_("Feed address saved; we fetch it shortly and then on schedule."), "info")
    return redirect(url_for("portal.index"))


@bp.post("/feeds/<int:source_id>/fetch")
@supplier_required
def fetch_feed_now(source_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        fetch_now(session, current_user.supplier, source_id)
    except FeedSourceError:
        abort(404)
    session.commit()
    flash(_("The feed will be fetched in a moment."), "info")
    return redirect(url_for("portal.index"))


@bp.post("/feeds/<int:source_id>/remove")
@supplier_required
def remove_feed(source_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        remove_feed_source(session, current_user.supplier, source_id)
    except FeedSourceError:
        abort(404)
    session.commit()
    flash(_("Feed address removed."), "info")
    return redirect(url_for("portal.index"))
