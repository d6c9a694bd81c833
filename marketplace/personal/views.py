"""The recently viewed page, its clear button, and the personal part of the home page."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.forms import ButtonForm
from marketplace.catalog.services import product_summaries
from marketplace.db import get_session
from marketplace.events.log import capture_state, event_buffer, now
from marketplace.personal.history import Who, clear_history, visitor_history
from marketplace.personal.home import PersonalHome, personal_home
from marketplace.recommendations.services import recommendations_of

logger = logging.getLogger(__name__)

bp = Blueprint("personal", __name__)


def current_visitor() -> Who:
    """Return the visitor of this request: the cookie, and the account when signed in."""
    user_id: int | None = current_user.id if current_user.is_authenticated else None
    return Who(g.get("visitor_id"), user_id)


def remembers() -> bool:
    """Return whether we remember this visitor: only when analytics records them (no DNT/GPC, no bot)."""
    return capture_state() == "record"


def pending_events() -> list[dict[str, Any]]:
    """Return a copy of this process's events not yet written, so a page just viewed is listed at once."""
    buffer = event_buffer()
    with buffer.lock:
        return list(buffer.rows)


def home_sections() -> PersonalHome | None:
    """Return the personal sections of the home page for this request's visitor, or ``None`` for today's page."""
    if not remembers() or (g.get("visitor_is_new") and not current_user.is_authenticated):
        return None
    return personal_home(get_session(), current_visitor(), now(), pending_events(), recommendations_of)


@bp.get("/recently-viewed")
def recently_viewed() -> ResponseReturnValue:
    session = get_session()
    history = visitor_history(session, current_visitor(), pending_events()) if remembers() else None
    summaries = {}
    if history:
        summaries = {s.product.id: s for s in product_summaries(session, [p.product_id for p in history.products])}
    response = make_response(
        render_template(
            "personal/recently_viewed.html",
            history=history,
            summaries=summaries,
            declined=capture_state() == "declined",
            form=ButtonForm(),
        )
    )
    response.headers["Cache-Control"] = "private, no-store"  # one visitor's list, for their browser alone
    return response


@bp.post("/recently-viewed/clear")
def clear() -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)
    who = current_visitor()
    session = get_session()
    clear_history(session, who, now())
    session.commit()
    logger.info("Visitor %s (user %s) cleared their recently viewed list", who.visitor_id, who.user_id)
    flash(_("Your recently viewed list is cleared."), "success")
    return redirect(url_for(".recently_viewed"))
