"""The campaign pages at /admin/campaigns, the mails' links /c/<token>, unsubscribe, and the account's consent box."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.crm.campaign_mail import send_campaign
from marketplace.crm.campaigns import Campaign, CampaignLink, CampaignRecipient, CampaignStatus
from marketplace.notifications.models import OutboxMail
from marketplace.suppliers.models import Supplier
from tests.support import campaigns, factories
from tests.support.accounts import login


def test_the_operator_writes_previews_sends_and_reads_the_report(
    app: Flask, client: FlaskClient, db_session: Session, admin: User, supplier: Supplier
) -> None:
    offer = factories.offer(db_session, supplier, "P1", title="Cast iron skillet", price="799.00")
    olena = campaigns.buyer(db_session, "olena@example.com", name="Olena", locale="en")
    campaigns.buyer(db_session, "ivan@example.com", name="Ivan", locale="uk")
    campaigns.buyer(db_session, "silent@example.com", consent=False)
    campaigns.viewed(db_session, olena, offer.product_id)
    segment = campaigns.buyers_segment(db_session)
    db_session.commit()
    login(client, admin)

    chosen = client.get(f"/admin/campaigns/?segment={segment.id}").text
    assert re.search(rf'<option selected value="{segment.id}"|<option value="{segment.id}" selected', chosen), chosen[
        -3000:
    ]
    empty = client.post("/admin/campaigns/", data={"segment_id": segment.id, "subject": " ", "body": "Hi"})
    assert empty.status_code == 400 and "Write a subject." in empty.text
    created = client.post(
        "/admin/campaigns/", data={"segment_id": segment.id, "subject": "For {name}", "body": "Hello, {name}!"}
    )
    assert created.status_code == 302
    campaign = db_session.scalars(select(Campaign)).one()

    page = client.get(created.headers["Location"]).text
    assert 'data-testid="campaign-audience">2 customers' in page
    assert "silent@example.com" not in page
    olena_preview = client.get(f"/admin/campaigns/{campaign.id}?recipient={olena.id}").text
    assert "For Olena" in olena_preview and "Cast iron skillet: 799.00 UAH" in olena_preview
    ivan = db_session.scalar(select(User).where(User.email == "ivan@example.com"))
    assert ivan is not None
    ivan_preview = client.get(f"/admin/campaigns/{campaign.id}?recipient={ivan.id}").text
    assert "For Ivan" in ivan_preview and '<span class="muted">(uk)</span>' in ivan_preview

    sent = client.post(f"/admin/campaigns/{campaign.id}/send")
    assert sent.status_code == 302
    assert client.post(f"/admin/campaigns/{campaign.id}/send").status_code == 302  # told: sent already
    db_session.expire_all()
    assert len(db_session.scalars(select(CampaignRecipient)).all()) == 2
    send_campaign(db_session, app, campaign_id=campaign.id)
    db_session.expire_all()
    assert db_session.get(Campaign, campaign.id).status == CampaignStatus.SENT  # type: ignore[union-attr]

    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == "olena@example.com")).one()
    token = re.search(r"/c/([\w-]+)", mail.body)
    assert token is not None
    clicked = client.get(f"/c/{token.group(1)}")
    assert clicked.status_code == 302 and clicked.headers["Location"].startswith("/")
    client.get(f"/c/{token.group(1)}")
    report = client.get(f"/admin/campaigns/{campaign.id}").text
    assert 'data-testid="report-sent">2 / 2' in report
    assert 'data-testid="report-clicked">1<' in report


def test_unknown_links_are_not_found_and_unsubscribe_asks_first(client: FlaskClient, db_session: Session) -> None:
    person = campaigns.buyer(db_session, "leaving@example.com")
    segment = campaigns.buyers_segment(db_session)
    campaign = Campaign(segment_id=segment.id, subject="S", body="B", status=CampaignStatus.SENT)
    db_session.add(campaign)
    db_session.flush()
    recipient = CampaignRecipient(campaign_id=campaign.id, user_id=person.id, token="tok-1", status="sent")
    db_session.add(recipient)
    db_session.flush()
    db_session.add(CampaignLink(recipient_id=recipient.id, path="//evil.example/", token="evil"))
    db_session.commit()

    assert client.get("/c/nothing").status_code == 404
    assert client.get("/c/evil").status_code == 404  # a stored path off the site is never followed
    assert client.get("/c/u/nothing").status_code == 404
    assert 'data-testid="unsubscribe"' in client.get("/c/u/tok-1").text
    db_session.expire_all()
    assert db_session.get(User, person.id).marketing_consent is True  # type: ignore[union-attr]
    assert client.post("/c/u/tok-1").status_code == 200  # RFC 8058: a mail client's POST, no CSRF token
    db_session.expire_all()
    assert db_session.get(User, person.id).marketing_consent is False  # type: ignore[union-attr]


def test_the_account_page_has_the_consent_box_off_by_default(
    client: FlaskClient, db_session: Session, buyer: User
) -> None:
    db_session.commit()
    login(client, buyer)
    page = client.get("/account/").text
    assert 'data-testid="marketing-consent-box"' in page
    assert 'data-testid="marketing-consent-box" checked' not in page

    assert client.post("/account/marketing", data={"consent": "y"}).status_code == 302
    db_session.expire_all()
    assert buyer.marketing_consent is True and buyer.marketing_consent_source == "account"
    assert 'data-testid="marketing-consent-box" checked' in client.get("/account/").text
    client.post("/account/marketing", data={})
    db_session.expire_all()
    assert buyer.marketing_consent is False


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_posts_without_a_csrf_token_are_refused(client: FlaskClient, db_session: Session, admin: User) -> None:
    segment = campaigns.buyers_segment(db_session)
    db_session.commit()
    with client.session_transaction() as browser:
        browser["_user_id"] = admin.get_id()
        browser["_fresh"] = True

    refused = client.post("/admin/campaigns/", data={"segment_id": segment.id, "subject": "S", "body": "B"})

    assert refused.status_code == 400
    assert db_session.scalars(select(Campaign)).all() == []
