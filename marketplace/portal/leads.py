"""What buyers did with the supplier's offers: click-outs to its store and order requests (leads)."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marketplace.accounts.access import supplier_required
from marketplace.catalog.clickouts import clicks_per_day, clicks_per_offer
from marketplace.db import get_session
from marketplace.portal.blueprint import bp
from marketplace.shops.services import LeadNotFound, open_lead, supplier_leads

#: The days the click-out statistics cover.
CLICK_DAYS = 30


@bp.get("/clicks")
@supplier_required
def clicks() -> ResponseReturnValue:
    session = get_session()
    supplier_id = current_user.supplier_id
    return render_template(
        "portal/clicks.html",
        supplier=current_user.supplier,
        per_offer=clicks_per_offer(session, supplier_id, days=CLICK_DAYS),
        per_day=clicks_per_day(session, supplier_id, days=CLICK_DAYS),
        days=CLICK_DAYS,
    )


@bp.get("/leads")
@supplier_required
def leads() -> ResponseReturnValue:
    return render_template(
        "portal/leads.html",
        supplier=current_user.supplier,
        leads=supplier_leads(get_session(), current_user.supplier_id),
    )


@bp.get("/leads/<int:lead_id>")
@supplier_required
def lead(lead_id: int) -> ResponseReturnValue:
    session = get_session()
    try:
        found = open_lead(session, current_user.supplier_id, lead_id)
    except LeadNotFound:
        abort(404)
    session.commit()
    return render_template("portal/lead.html", supplier=current_user.supplier, lead=found)
