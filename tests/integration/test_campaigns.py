"""Campaigns: who gets the mail (consent, the cap), what it says, the sending job, and the redirect's safety."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import ClickOut
from marketplace.crm.campaign_mail import preview_mail, send_campaign
from marketplace.crm.campaigns import (
    CampaignLink,
    CampaignRecipient,
    CampaignStatus,
    RecipientStatus,
    audience_users,
    campaign_report,
    create_campaign,
    follow_link,
    is_own_path,
    start_sending,
    unsubscribe_recipient,
)
from marketplace.db import utcnow
from marketplace.jobs.models import Job
from marketplace.notifications.models import OutboxMail
from marketplace.suppliers.models import Supplier
from tests.support import campaigns, crm, factories


def test_only_consenting_buyers_outside_the_cap_are_the_audience(db_session: Session) -> None:
    yes = campaigns.buyer(db_session, "yes@example.com")
    campaigns.buyer(db_session, "no@example.com", consent=False)
    recent = campaigns.buyer(db_session, "recent@example.com")
    segment = campaigns.buyers_segment(db_session)
    now = utcnow()
    earlier = create_campaign(db_session, segment, "Earlier", "Hello", user=None)
    db_session.add(
        CampaignRecipient(
            campaign_id=earlier.id,
            user_id=recent.id,
            token="t-recent",
            status="sent",
            mailed_at=now - dt.timedelta(days=3),
        )
    )
    db_session.flush()

    assert [p.email for p in audience_users(db_session, segment, now=now, cap_days=7)] == [yes.email]
    # Past the cap, the recent one is back.
    later = now + dt.timedelta(days=5)
    assert {p.email for p in audience_users(db_session, segment, now=later, cap_days=7)} == {yes.email, recent.email}


def test_the_mail_is_in_the_recipients_language_with_their_viewed_products(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    offer = factories.offer(db_session, supplier, "P1", title="Чавунна сковорода", price="799.00")
    person = campaigns.buyer(db_session, "olena@example.com", name="Олена", locale="uk")
    campaigns.viewed(db_session, person, offer.product_id)
    segment = campaigns.buyers_segment(db_session)
    campaign = create_campaign(db_session, segment, "Новини для {name}", "Вітаємо, {name}!", user=None)

    mail = preview_mail(db_session, campaign, person, now=utcnow())

    assert mail.locale == "uk"
    assert mail.subject == "Новини для Олена"
    assert mail.text.startswith("Вітаємо, Олена!")
    assert "Чавунна сковорода: 799.00 UAH" in mail.text
    assert f"/products/{offer.product_id}" in mail.paths
    assert "{name}" not in mail.text


def test_the_job_sends_a_batch_a_minute_with_unsubscribe_headers(app: Flask, db_session: Session) -> None:
    app.config["CAMPAIGN_MAILS_PER_MINUTE"] = 2
    for n in range(3):
        campaigns.buyer(db_session, f"b{n}@example.com")
    segment = campaigns.buyers_segment(db_session)
    campaign = create_campaign(db_session, segment, "News", "Hello {name}", user=None)
    assert start_sending(db_session, campaign, now=utcnow(), cap_days=7, user=None) == 3
    db_session.commit()

    assert send_campaign(db_session, app, campaign_id=campaign.id) == 2
    again = db_session.scalars(select(Job).where(Job.kind == "send_campaign").order_by(Job.id.desc())).first()
    assert again is not None and again.run_after > utcnow() + dt.timedelta(seconds=50)
    assert campaign.status == CampaignStatus.SENDING
    assert send_campaign(db_session, app, campaign_id=campaign.id) == 1
    assert campaign.status == CampaignStatus.SENT

    mails = db_session.scalars(select(OutboxMail).where(OutboxMail.subject == "News")).all()
    assert len(mails) == 3
    for mail in mails:
        assert mail.headers is not None
        assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail.headers["List-Unsubscribe"].startswith("<http://") and "/c/u/" in mail.headers["List-Unsubscribe"]
        assert "/c/" in mail.body and "/products/" not in mail.body.replace("/c/", "")
    assert campaign_report(db_session, campaign).sent == 3


def test_an_unsubscribed_recipient_gets_nothing(app: Flask, db_session: Session) -> None:
    person = campaigns.buyer(db_session, "leaving@example.com")
    segment = campaigns.buyers_segment(db_session)
    first = create_campaign(db_session, segment, "First", "Hi", user=None)
    start_sending(db_session, first, now=utcnow(), cap_days=7, user=None)
    recipient = db_session.scalars(select(CampaignRecipient).where(CampaignRecipient.campaign_id == first.id)).one()
    unsubscribe_recipient(db_session, recipient, now=utcnow())
    db_session.commit()

    send_campaign(db_session, app, campaign_id=first.id)

    assert recipient.status == RecipientStatus.SKIPPED
    assert db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == person.email)).all() == []
    assert person.marketing_consent is False and person.marketing_consent_source == "unsubscribe"
    second = create_campaign(db_session, segment, "Second", "Hi", user=None)
    assert start_sending(db_session, second, now=utcnow(), cap_days=0, user=None) == 0
    assert campaign_report(db_session, first).unsubscribed == 1


def test_a_link_counts_its_first_click_and_leads_only_where_the_mail_pointed(app: Flask, db_session: Session) -> None:
    campaigns.buyer(db_session, "clicker@example.com")
    segment = campaigns.buyers_segment(db_session)
    campaign = create_campaign(db_session, segment, "Clicks", "Hi", user=None)
    start_sending(db_session, campaign, now=utcnow(), cap_days=7, user=None)
    db_session.commit()
    send_campaign(db_session, app, campaign_id=campaign.id)
    link = db_session.scalars(select(CampaignLink)).first()
    assert link is not None

    assert follow_link(db_session, link.token, now=utcnow()) == link.path
    first_click = link.clicked_at
    assert follow_link(db_session, link.token, now=utcnow() + dt.timedelta(minutes=1)) == link.path
    assert link.clicked_at == first_click
    assert campaign_report(db_session, campaign).clicked == 1
    assert follow_link(db_session, "no-such-token", now=utcnow()) is None
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "evil.example"):
        assert not is_own_path(bad)
    link.path = "//evil.example/"
    assert follow_link(db_session, link.token, now=utcnow()) is None


def test_the_report_counts_the_recipients_leads_and_click_outs_after_their_mail(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    person = campaigns.buyer(db_session, "follower@example.com")
    campaigns.buyer(db_session, "other@example.com", consent=False)
    offer = factories.offer(db_session, supplier, "F1", title="Skillet", price="500.00")
    segment = campaigns.buyers_segment(db_session)
    campaign = create_campaign(db_session, segment, "Follow", "Hi", user=None)
    start_sending(db_session, campaign, now=utcnow(), cap_days=7, user=None)
    db_session.commit()
    send_campaign(db_session, app, campaign_id=campaign.id)

    def click_out(user_id: int | None, at: dt.datetime) -> None:
        db_session.add(
            ClickOut(
                offer_id=offer.id,
                supplier_id=supplier.id,
                user_id=user_id,
                price_base=offer.price_base,
                target_url="https://shop.example/f1",
                created_at=at,
            )
        )

    click_out(person.id, utcnow() + dt.timedelta(hours=1))  # followed the mail
    click_out(person.id, utcnow() - dt.timedelta(days=1))  # before it: not the mail's doing
    click_out(None, utcnow() + dt.timedelta(hours=1))  # someone else
    crm.order(db_session, supplier, user_id=person.id, email=person.email)
    db_session.flush()

    report = campaign_report(db_session, campaign)

    assert (report.sent, report.click_outs, report.leads) == (1, 1, 1)
