"""The campaigns at ``/admin/campaigns`` (operators), the mails' links ``/c/<token>`` and unsubscribe (public),
and the account page's consent box.

Operators write a mail for a segment, preview it as each recipient gets it, send it through
the worker and read its report. Whoever holds a mail's link may follow it or unsubscribe: the
token is the capability, and a link only ever leads where that mail pointed on this site.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from marketplace.accounts.access import View, admin_required, logged_in_account
from marketplace.crm.campaign_mail import preview_mail
from marketplace.crm.campaigns import (
    Campaign,
    CampaignStatus,
    audience_users,
    campaign_recipients,
    campaign_report,
    create_campaign,
    follow_link,
    list_campaigns,
    recipient_by_token,
    segment_choices,
    set_consent,
    start_sending,
    unsubscribe_recipient,
)
from marketplace.crm.customers import CustomerError
from marketplace.crm.forms import ButtonForm, CampaignForm, MarketingConsentForm
from marketplace.crm.models import CustomerSegment
from marketplace.db import get_session, utcnow, writes_on_get
from marketplace.extensions import csrf

bp = Blueprint("campaigns", __name__, url_prefix="/admin/campaigns")
public = Blueprint("campaign_links", __name__)
consent = Blueprint("campaign_consent", __name__, url_prefix="/account")

#: Flask-Login's and Flask-WTF's decorators, which ship no types.
signed_in_required = cast(Callable[[View], View], login_required)
csrf_exempt = cast(Callable[[View], View], csrf.exempt)

#: Recipients offered in the preview's picker at most.
PICKER = 200


def _form() -> CampaignForm:
    form = CampaignForm()
    form.segment_id.choices = segment_choices(get_session())
    return form


def _index(form: CampaignForm, status: int = 200) -> ResponseReturnValue:
    return render_template("crm/campaigns.html", form=form, campaigns=list_campaigns(get_session())), status


@bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    form = _form()
    if request.args.get("segment", "").isdigit():
        form.segment_id.data = int(request.args["segment"])
    return _index(form)


@bp.post("/")
@admin_required
def create() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return _index(form, 400)
    session = get_session()
    segment = session.get(CustomerSegment, form.segment_id.data)
    if segment is None:
        abort(400)
    try:
        campaign = create_campaign(
            session, segment, form.subject.data or "", form.body.data or "", user=logged_in_account()
        )
    except CustomerError as exc:
        getattr(form, exc.field or "subject").errors.append(str(exc))
        return _index(form, 400)
    session.commit()
    return redirect(url_for("campaigns.campaign", campaign_id=campaign.id))


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = get_session().get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


@bp.get("/<int:campaign_id>")
@admin_required
def campaign(campaign_id: int) -> ResponseReturnValue:
    session = get_session()
    found = _campaign_or_404(campaign_id)
    segment = session.get(CustomerSegment, found.segment_id) if found.segment_id is not None else None
    now = utcnow()
    if found.status == CampaignStatus.DRAFT and segment is not None:
        people = audience_users(session, segment, now=now, cap_days=current_app.config["CAMPAIGN_CAP_DAYS"])
    else:
        people = campaign_recipients(session, found, limit=PICKER)
    chosen = request.args.get("recipient", "")
    person = next((p for p in people if str(p.id) == chosen), people[0] if people else None)
    preview = preview_mail(session, found, person, now=now) if person is not None else None
    return render_template(
        "crm/campaign.html",
        campaign=found,
        segment=segment,
        audience=len(people),
        people=people[:PICKER],
        person=person,
        preview=preview,
        report=campaign_report(session, found),
        button=ButtonForm(),
    )


@bp.post("/<int:campaign_id>/send")
@admin_required
def send(campaign_id: int) -> ResponseReturnValue:
    session = get_session()
    found = _campaign_or_404(campaign_id)
    try:
        count = start_sending(
            session, found, now=utcnow(), cap_days=current_app.config["CAMPAIGN_CAP_DAYS"], user=logged_in_account()
        )
    except CustomerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("campaigns.campaign", campaign_id=found.id))
    session.commit()
    flash(_("The campaign goes to %(num)d recipients; the worker sends it.", num=count), "success")
    return redirect(url_for("campaigns.campaign", campaign_id=found.id))


# --- public: the mail's links ----------------------------------------------------------------


@public.get("/c/<token>")
@writes_on_get
def follow(token: str) -> ResponseReturnValue:
    """Go where the mail's link points on this site, counting its first click; anything else is 404."""
    session = get_session()
    path = follow_link(session, token, now=utcnow())
    if path is None:
        abort(404)
    session.commit()
    return redirect(path)


@public.get("/c/u/<token>")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    """Ask before stopping: a link scanner's GET must not unsubscribe anyone."""
    if recipient_by_token(get_session(), token) is None:
        abort(404)
    return render_template("crm/unsubscribe.html", token=token)


@public.post("/c/u/<token>")
@csrf_exempt
def unsubscribe_now(token: str) -> ResponseReturnValue:
    """Stop every campaign mail to this account in one POST (RFC 8058: mail clients send no CSRF token)."""
    session = get_session()
    recipient = recipient_by_token(session, token)
    if recipient is None:
        abort(404)
    unsubscribe_recipient(session, recipient, now=utcnow())
    session.commit()
    return render_template("crm/unsubscribed.html")


# --- the account page's consent box ----------------------------------------------------------


@consent.post("/marketing")
@signed_in_required
def marketing() -> ResponseReturnValue:
    form = MarketingConsentForm()
    if not form.validate_on_submit():
        abort(400)
    set_consent(get_session(), logged_in_account(), bool(form.consent.data), source="account", now=utcnow())
    get_session().commit()
    if form.consent.data:
        flash(_("We will mail you TradeRow's news and offers."), "success")
    else:
        flash(_("We will mail you no news or offers."), "success")
    return redirect(url_for("accounts.account"))
