"""The notifications page, the header's unread count, and the development outbox."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from marketplace.accounts.access import logged_in_account
from marketplace.db import get_session
from marketplace.notifications.forms import MarkReadForm
from marketplace.notifications.messages import render
from marketplace.notifications.services import (
    NotificationNotFound,
    get_notification,
    mail_text,
    mark_read,
    notifications_of,
    outbox,
    unread_count,
)

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
#: Development tools; every route answers 404 unless the app runs in debug or testing mode.
dev = Blueprint("dev", __name__, url_prefix="/dev")


@bp.app_context_processor
def _unread() -> dict[str, Any]:
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return unread_count(get_session(), logged_in_account())

    return {"unread_notifications": unread_notifications}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    notifications = notifications_of(get_session(), logged_in_account())
    return render_template(
        "notifications/index.html",
        notifications=[(n, render(n.kind, n.params)) for n in notifications],
        form=MarkReadForm(),
    )


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> ResponseReturnValue:
    """Mark a notification read and go where it points."""
    session = get_session()
    try:
        notification = get_notification(session, logged_in_account(), notification_id)
    except NotificationNotFound:
        abort(404)
    mark_read(session, logged_in_account(), notification.id)
    session.commit()
    link = notification.link or ""
    # Only paths on this site: the link was written by our services, but never trust a stored URL blindly.
    if not link.startswith("/") or link.startswith("//"):
        link = url_for(".index")
    return redirect(link)


@bp.post("/read-all")
@login_required
def read_all() -> ResponseReturnValue:
    session = get_session()
    mark_read(session, logged_in_account())
    session.commit()
    return redirect(url_for(".index"))


@dev.get("/outbox")
def dev_outbox() -> ResponseReturnValue:
    """Show the mail queue; development only, since it holds every user's mail."""
    if not (current_app.debug or current_app.testing):
        abort(404)
    site_url = current_app.config["SITE_URL"]
    return render_template(
        "notifications/outbox.html",
        mails=[(mail, mail_text(mail, site_url)) for mail in outbox(get_session())],
        smtp_host=current_app.config.get("SMTP_HOST"),
    )
