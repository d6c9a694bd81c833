"""The visitor's own page (what analytics holds about them, and a button to erase it) and the operator's dashboard."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.access import admin_required
from marketplace.accounts.forms import ButtonForm
from marketplace.analytics.dashboard import admin_dashboard, csv_response, date_range
from marketplace.analytics.privacy import erase_visitor_data, held_data
from marketplace.catalog.views import VISITOR_COOKIE
from marketplace.db import get_session, utcnow
from marketplace.events.log import flush
from marketplace.personal.history import Who, erase_history

logger = logging.getLogger(__name__)

bp = Blueprint("analytics", __name__)

#: What each kind of event is called on the visitor's page.
KIND_LABELS = {
    "pageview": _l("Page viewed"),
    "product_view": _l("Product viewed"),
    "search": _l("Search"),
    "clickout": _l("Went to a seller's store"),
    "request_published": _l("Request published"),
    "quote_sent": _l("Quote sent"),
    "lead_created": _l("Order request sent"),
    "registration": _l("Registered"),
    "login": _l("Logged in"),
}


def _who() -> tuple[str | None, int | None]:
    user_id: int | None = current_user.id if current_user.is_authenticated else None
    return g.get("visitor_id"), user_id


@bp.get("/privacy/analytics")
def privacy() -> ResponseReturnValue:
    visitor_id, user_id = _who()
    held = held_data(get_session(), visitor_id, user_id)
    return render_template("analytics/privacy.html", held=held, form=ButtonForm(), labels=KIND_LABELS)


@bp.post("/privacy/analytics/erase")
def erase() -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)
    visitor_id, user_id = _who()
    flush()  # this process's unwritten events of the visitor go too
    session = get_session()
    erased = erase_visitor_data(session, visitor_id, user_id)
    erase_history(session, Who(visitor_id, user_id))  # the recently viewed list's clears name the visitor too
    session.commit()
    logger.info("Visitor %s (user %s) erased their %d analytics events", visitor_id, user_id, erased)
    flash(_("What we held about your visits is erased."), "success")
    response = redirect(url_for(".privacy"))
    # A fresh random id from the next page on: nothing links the new visits to the erased ones.
    response.delete_cookie(VISITOR_COOKIE)
    return response


def _dashboard_range() -> tuple[dt.date, dt.date]:
    return date_range(request.args.get("from"), request.args.get("to"), utcnow().date())


@bp.get("/admin/analytics")
@admin_required
def dashboard() -> ResponseReturnValue:
    first, last = _dashboard_range()
    data = admin_dashboard(
        get_session(), first, last, lambda query: url_for("search.search", q=query), str(get_locale() or "en")
    )
    return render_template("analytics/dashboard.html", first=first, last=last, **data)


@bp.get("/admin/analytics/<name>.csv")
@admin_required
def export(name: str) -> ResponseReturnValue:
    first, last = _dashboard_range()
    data = admin_dashboard(
        get_session(), first, last, lambda query: url_for("search.search", q=query), str(get_locale() or "en")
    )
    table = data["tables"].get(name)
    if table is None:
        abort(404)
    return csv_response(table, f"{name}-{first}-{last}.csv")
