"""Who hears of a lead, and how often: one notice per event, in the portal and by mail, in each member's language."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.crm.jobs import run_lead_jobs
from marketplace.crm.lead_sources import collect_leads
from marketplace.notifications.models import Notification, OutboxMail
from marketplace.shops.leads import add_lead
from marketplace.shops.models import Lead
from marketplace.suppliers.models import Supplier
from tests.support import factories


def _kinds(db_session: Session, user: User) -> Counter[str]:
    return Counter(db_session.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


def test_a_matched_request_is_announced_once_though_it_also_becomes_a_lead(db_session: Session, buyer: User) -> None:
    category_id = factories.category_id(db_session, 665)
    knives = factories.supplier(db_session, "knife-house")
    member = factories.user(db_session, "s@knife.example", role=Role.SUPPLIER, supplier=knives, locale="ru")
    factories.offer(db_session, knives, "K1", category_id=category_id)
    factories.buyer_request(db_session, buyer, items=[factories.item("Chef's knife", "2", category_id=category_id)])
    assert collect_leads(db_session) == 1
    assert collect_leads(db_session) == 0
    # The request's own notice is the lead's: no second "new lead" notice or mail for it.
    assert _kinds(db_session, member) == Counter({"request.matched": 1})
    mails = db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == member.email)).all()
    assert [mail.locale for mail in mails] == ["ru"]


def test_an_overdue_step_reminds_every_member_once_by_mail_in_their_language(
    db_session: Session, supplier: Supplier
) -> None:
    members = [
        factories.user(db_session, f"{locale}@kitchen.example", role=Role.SUPPLIER, supplier=supplier, locale=locale)
        for locale in ("uk", "en")
    ]
    lead = add_lead(db_session, Lead(supplier_id=supplier.id, buyer_name="Olena", subject="Pans"), tell=False)
    lead.next_step, lead.next_step_at = "Call back", dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    db_session.commit()
    assert run_lead_jobs(db_session).reminded == 1
    assert run_lead_jobs(db_session).reminded == 0
    for member in members:
        assert _kinds(db_session, member) == Counter({"lead.overdue": 1})
        mails = db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == member.email)).all()
        assert len(mails) == 1 and mails[0].locale == member.locale and "Call back" in mails[0].body
