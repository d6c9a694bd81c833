"""The alerts and favourites pages, the heart and "save this search" buttons, confirm and unsubscribe."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from wtforms import SelectChoice

from marketplace.accounts.access import current_account, logged_in_account
from marketplace.alerts.forms import (
    PRODUCT_KINDS,
    ButtonForm,
    EditAlertForm,
    ProductAlertForm,
    SaveSearchForm,
    WebhookForm,
)
from marketplace.alerts.models import AlertKind
from marketplace.alerts.services import (
    AlertError,
    AlertInput,
    AlertNotFound,
    BadToken,
    alerts_of,
    confirm_alert,
    confirm_token,
    create_alert,
    delete_alert,
    favourite_ids,
    favourites_of,
    recipient_of,
    remove_webhook,
    send_confirmation,
    set_webhook,
    toggle_favourite,
    unsubscribe,
    update_alert,
    webhook_of,
)
from marketplace.db import get_session, writes_on_get
from marketplace.extensions import csrf
from marketplace.search.forms import SearchForm
from marketplace.suppliers.services import list_suppliers
from marketplace.templating import current_locale

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    def favourite(product_id: int) -> bool:
        account = current_account()
        if account is None:
            return False
        # One query per page, however many cards carry a heart.
        if "favourite_ids" not in g:
            g.favourite_ids = favourite_ids(get_session(), account)
        return product_id in g.favourite_ids

    return {
        "is_favourite": favourite,
        "product_alert_form": ProductAlertForm,
        "save_search_form": SaveSearchForm,
        "kind_labels": {choice.value: choice.label for choice in PRODUCT_KINDS},
    }


def _back(default: str) -> str:
    """Return where to go after a button: the page it was pressed on, if on this site."""
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    alerts = alerts_of(get_session(), logged_in_account())
    return render_template(
        "alerts/index.html",
        webhook=webhook_of(get_session(), logged_in_account()),
        webhook_form=WebhookForm(),
        product_alerts=[a for a in alerts if a.kind != AlertKind.SEARCH],
        searches=[a for a in alerts if a.kind == AlertKind.SEARCH],
        edit_form=EditAlertForm,
        button=ButtonForm(),
    )


@bp.post("/products/<int:product_id>")
def add_product_alert(product_id: int) -> ResponseReturnValue:
    """Set an alert on a product: a signed-in user's at once, a visitor's after they confirm by mail."""
    form = ProductAlertForm()
    back = url_for("catalog.product", product_id=product_id)
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    session = get_session()
    account = current_account()
    data = AlertInput(
        kind=AlertKind(form.kind.data),
        product_id=product_id,
        target_price=form.target_price.data,
        drop_percent=form.drop_percent.data,
        days=form.days.data,
    )
    try:
        alert = create_alert(session, data, user=account, email=form.email.data, locale=current_locale())
    except AlertNotFound:
        abort(404)
    except AlertError as exc:
        flash(str(exc), "error")
        return redirect(back)
    _confirm_or_done(alert)
    session.commit()
    return redirect(back)


def _confirm_or_done(alert: Any) -> None:
    if alert.confirmed_at is None:
        url = url_for("alerts.confirm", token=confirm_token(alert), _external=True)
        send_confirmation(get_session(), alert, url)
        flash(_("Check your mail: open the link we sent to confirm the alert."), "info")
    else:
        flash(_("Alert set. You will find it under “My alerts”."), "info")


@bp.post("/search")
def save_search() -> ResponseReturnValue:
    """Save the search whose parameters are in the query string, exactly as the search page read them."""
    session = get_session()
    search = SearchForm(request.args)
    search.supplier.choices = [SelectChoice(s.slug, s.name) for s in list_suppliers(session)]
    form = SaveSearchForm()
    back = url_for("search.search", **request.args.to_dict(flat=False))
    if not (search.validate() and form.validate()):
        flash(_("This search cannot be saved: fix its filters first."), "error")
        return redirect(back)
    data = AlertInput(
        kind=AlertKind.SEARCH,
        args=request.args.to_dict(flat=False),
        search=search.to_query(current_app.config["SEARCH_PER_PAGE"]),
    )
    try:
        alert = create_alert(session, data, user=current_account(), email=form.email.data, locale=current_locale())
    except AlertError as exc:
        flash(str(exc), "error")
        return redirect(back)
    _confirm_or_done(alert)
    session.commit()
    return redirect(back)


@bp.post("/<int:alert_id>/edit")
@login_required
def edit(alert_id: int) -> ResponseReturnValue:
    form = EditAlertForm()
    session = get_session()
    if form.validate():
        try:
            update_alert(
                session,
                logged_in_account(),
                alert_id,
                active=form.active.data,
                target_price=form.target_price.data,
                drop_percent=form.drop_percent.data,
                days=form.days.data,
            )
        except AlertNotFound:
            abort(404)
        except AlertError as exc:
            flash(str(exc), "error")
        else:
            session.commit()
            flash(_("Alert saved."), "info")
    else:
        flash(_("Check the values and try again."), "error")
    return redirect(url_for(".index"))


@bp.post("/<int:alert_id>/delete")
@login_required
def delete(alert_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate():
        abort(400)
    session = get_session()
    try:
        delete_alert(session, logged_in_account(), alert_id)
    except AlertNotFound:
        abort(404)
    session.commit()
    flash(_("Alert removed."), "info")
    return redirect(url_for(".index"))


@bp.post("/webhook")
@login_required
def webhook() -> ResponseReturnValue:
    """Set the user's webhook (a fresh secret each time)."""
    form = WebhookForm()
    session = get_session()
    if not form.validate():
        flash(_("Give the full address of your system, starting with https://."), "error")
        return redirect(url_for(".index"))
    try:
        set_webhook(
            session, logged_in_account(), form.url.data, allow_private=current_app.config["ALERT_WEBHOOK_ALLOW_PRIVATE"]
        )
    except AlertError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    session.commit()
    flash(_("Webhook saved. Check each call's signature with the secret shown below."), "info")
    return redirect(url_for(".index"))


@bp.post("/webhook/delete")
@login_required
def delete_webhook() -> ResponseReturnValue:
    if not ButtonForm().validate():
        abort(400)
    session = get_session()
    remove_webhook(session, logged_in_account())
    session.commit()
    flash(_("Webhook removed."), "info")
    return redirect(url_for(".index"))


@bp.get("/confirm/<token>")
@writes_on_get
def confirm(token: str) -> ResponseReturnValue:
    """Confirm an anonymous alert: the double opt-in's second step."""
    session = get_session()
    try:
        alert = confirm_alert(session, token)
    except BadToken as exc:
        return render_template("alerts/message.html", title=_("Alert not confirmed"), text=str(exc)), 400
    session.commit()
    return render_template(
        "alerts/message.html",
        title=_("Alert confirmed"),
        text=_("We will write to %(email)s when “%(label)s” changes.", email=alert.email, label=alert.label),
    )


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    """Ask before stopping: a link scanner's GET must not unsubscribe anyone."""
    try:
        recipient = recipient_of(token)
    except BadToken:
        abort(404)
    return render_template("alerts/unsubscribe.html", recipient=recipient, token=token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str) -> ResponseReturnValue:
    """Stop every alert mail to the token's address in one POST (RFC 8058: mail clients send no CSRF token)."""
    session = get_session()
    try:
        stopped = unsubscribe(session, token)
    except BadToken:
        abort(404)
    session.commit()
    return render_template(
        "alerts/message.html",
        title=_("Unsubscribed"),
        text=_("We will send no more alert mail to this address (%(num)d alerts stopped).", num=stopped),
    )


@bp.get("/favourites")
@login_required
def favourites() -> ResponseReturnValue:
    return render_template(
        "alerts/favourites.html", summaries=favourites_of(get_session(), logged_in_account()), button=ButtonForm()
    )


@bp.post("/favourites/<int:product_id>")
@login_required
def toggle(product_id: int) -> ResponseReturnValue:
    """The heart button: add the product to the favourites, or take it off."""
    if not ButtonForm().validate():
        abort(400)
    session = get_session()
    try:
        now_favourite = toggle_favourite(session, logged_in_account(), product_id)
    except AlertNotFound:
        abort(404)
    session.commit()
    flash(_("Added to your favourites.") if now_favourite else _("Removed from your favourites."), "info")
    return redirect(_back(url_for(".favourites")))
