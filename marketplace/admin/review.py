"""The operators' review queue: pairs the text matcher found likely one product, to confirm or reject in one click."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.accounts.access import admin_required, logged_in_account
from marketplace.admin.forms import ReviewDecisionForm
from marketplace.catalog.models import GroupingCandidate
from marketplace.catalog.review import PAGE_SIZE, pending_candidates, pending_count
from marketplace.catalog.review_decisions import ReviewError, confirm_candidate, reject_candidate
from marketplace.db import get_session

bp = Blueprint("admin_review", __name__, url_prefix="/admin/products/review")


@bp.get("/")
@admin_required
def queue() -> ResponseReturnValue:
    session = get_session()
    waiting = pending_count(session)
    pages = max(1, -(-waiting // PAGE_SIZE))
    # A page past the end (the queue shrank while the operator worked) shows the last one.
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return render_template(
        "admin/review.html",
        candidates=pending_candidates(session, page=page),
        waiting=waiting,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1,
        form=ReviewDecisionForm(),
    )


def _answer(candidate_id: int, decide: Callable[[GroupingCandidate], str]) -> ResponseReturnValue:
    """Apply an operator's answer to a queued pair; ``decide`` returns the message to flash."""
    if not ReviewDecisionForm().validate_on_submit():
        abort(400)
    session = get_session()
    candidate = session.get(GroupingCandidate, candidate_id)
    if candidate is None:
        abort(404)
    try:
        flash(decide(candidate), "success")
    except ReviewError as exc:
        flash(str(exc), "error")  # the stale candidate is gone: that much is decided, and committed
    session.commit()
    # Back to the page the operator answered on, so that working through page 3 stays on page 3.
    return redirect(url_for("admin_review.queue", page=request.args.get("page", type=int)))


@bp.post("/<int:candidate_id>/confirm")
@admin_required
def confirm(candidate_id: int) -> ResponseReturnValue:
    def decide(candidate: GroupingCandidate) -> str:
        product = confirm_candidate(get_session(), candidate, user=logged_in_account())
        return str(_("Confirmed: both offers are now on product %(id)d.", id=product.id))

    return _answer(candidate_id, decide)


@bp.post("/<int:candidate_id>/reject")
@admin_required
def reject(candidate_id: int) -> ResponseReturnValue:
    def decide(candidate: GroupingCandidate) -> str:
        reject_candidate(get_session(), candidate, user=logged_in_account())
        return str(_("Rejected: these offers stay apart and will not be grouped together."))

    return _answer(candidate_id, decide)
