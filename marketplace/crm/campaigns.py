"""Campaigns: the operator's mail to a saved segment, who got it, the links they clicked, and the report.

Who gets a campaign's mail (``audience``): the segment's customers with an account that said yes
to marketing mail (``User.marketing_consent``, off by default) and got no campaign mail within
``CAMPAIGN_CAP_DAYS``. Sending (``start_sending``) writes one ``CampaignRecipient`` per person
and queues the worker's job (``crm.campaign_mail``), which writes the outbox mails a batch a
minute. Each mail's links are ``/c/<token>`` of a ``CampaignLink`` row: the redirect only ever
goes to a link we wrote into that mail, and counts the first click.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Select, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from marketplace.accounts.models import User
from marketplace.catalog.models import ClickOut
from marketplace.crm.customers import CustomerError
from marketplace.crm.models import Customer, CustomerLink, CustomerSegment, LinkSource
from marketplace.crm.segments import segment_members
from marketplace.db import Base, created_at, intpk
from marketplace.jobs.queue import enqueue
from marketplace.shops.models import Lead

logger = logging.getLogger(__name__)

#: Days after a mail in which a recipient's leads and click-outs count as following it.
FOLLOW_DAYS = 7
MAX_SUBJECT = 200
MAX_BODY = 10_000


class CampaignStatus(enum.StrEnum):
    """Where a campaign stands."""

    DRAFT = "draft"
    SENDING = "sending"  #: recipients chosen; the worker is writing their mails
    SENT = "sent"


class RecipientStatus(enum.StrEnum):
    """Where one recipient's mail stands."""

    QUEUED = "queued"
    SENT = "sent"
    #: Said no (unsubscribed, or withdrew consent) between the choice and the mail: gets nothing.
    SKIPPED = "skipped"


class Campaign(Base):
    """A mail the operator wrote for a segment: a subject and a body with placeholders."""

    __tablename__ = "campaigns"

    id: Mapped[intpk]
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("customer_segments.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CampaignStatus] = mapped_column(String(20), default=CampaignStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    sent_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.status} {self.subject!r}>"


class CampaignRecipient(Base):
    """One person a campaign went (or goes) to; ``token`` names their mail in its unsubscribe link."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[RecipientStatus] = mapped_column(String(20), default=RecipientStatus.QUEUED, index=True)
    mailed_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    unsubscribed_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<CampaignRecipient {self.id} campaign={self.campaign_id} user={self.user_id} {self.status}>"


class CampaignLink(Base):
    """One link of one recipient's mail, behind ``/c/<token>``; ``clicked_at`` is the first click."""

    __tablename__ = "campaign_links"

    id: Mapped[intpk]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("campaign_recipients.id", ondelete="CASCADE"), index=True)
    #: A path on this site (never another site's address): where the redirect goes.
    path: Mapped[str] = mapped_column(String(500))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    clicked_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<CampaignLink {self.id} recipient={self.recipient_id} {self.path}>"


def new_token() -> str:
    """Return a token for a link: unguessable, URL-safe."""
    return secrets.token_urlsafe(24)


# --- writing a campaign ----------------------------------------------------------------------


def create_campaign(
    session: Session, segment: CustomerSegment, subject: str, body: str, *, user: User | None
) -> Campaign:
    """Save a draft for ``segment``; an empty or too long subject or body is refused."""
    subject = " ".join(subject.split())
    if not subject:
        raise CustomerError(_l("Write a subject."), "subject")
    if len(subject) > MAX_SUBJECT:
        raise CustomerError(_l("The subject is longer than %(n)d characters.", n=MAX_SUBJECT), "subject")
    if not body.strip():
        raise CustomerError(_l("Write the mail."), "body")
    if len(body) > MAX_BODY:
        raise CustomerError(_l("The mail is longer than %(n)d characters.", n=MAX_BODY), "body")
    campaign = Campaign(
        segment_id=segment.id, subject=subject, body=body.strip(), created_by_id=user.id if user else None
    )
    session.add(campaign)
    session.flush()
    logger.info("User %s wrote campaign %d for segment %d", user.id if user else "-", campaign.id, segment.id)
    return campaign


def list_campaigns(session: Session) -> list[Campaign]:
    """Return every campaign, the newest first."""
    return list(session.scalars(select(Campaign).order_by(Campaign.id.desc())))


# --- who gets it -----------------------------------------------------------------------------


def audience(session: Session, segment: CustomerSegment, *, now: dt.datetime, cap_days: int) -> Select[User, int]:
    """Return the query of (account, customer id) a campaign to ``segment`` may mail now.

    Only live accounts of the segment's customers that consented, and that got no campaign mail
    within ``cap_days`` (the frequency cap). A contact without an account never consented.
    """
    members = segment_members(session, segment).order_by(None).with_only_columns(Customer.id).subquery()
    capped = (
        select(CampaignRecipient.id)
        .where(
            CampaignRecipient.user_id == User.id,
            CampaignRecipient.mailed_at.is_not(None),
            CampaignRecipient.mailed_at > now - dt.timedelta(days=cap_days),
        )
        .exists()
    )
    return (
        select(User, CustomerLink.customer_id)
        .join(CustomerLink, (CustomerLink.source == LinkSource.USER) & (CustomerLink.source_id == User.id))
        .join(members, members.c.id == CustomerLink.customer_id)
        .where(User.active.is_(True), User.marketing_consent.is_(True), ~capped)
        .order_by(User.id)
    )


def audience_users(session: Session, segment: CustomerSegment, *, now: dt.datetime, cap_days: int) -> list[User]:
    """Return the accounts ``audience`` names, each once."""
    users: dict[int, User] = {}
    for user, _customer_id in session.execute(audience(session, segment, now=now, cap_days=cap_days)):
        users.setdefault(user.id, user)
    return list(users.values())


def start_sending(session: Session, campaign: Campaign, *, now: dt.datetime, cap_days: int, user: User | None) -> int:
    """Choose the recipients now, mark the campaign as sending and queue the worker's job; return how many."""
    if campaign.status != CampaignStatus.DRAFT:
        raise CustomerError(_l("This campaign was sent already."), "send")
    segment = session.get(CustomerSegment, campaign.segment_id) if campaign.segment_id is not None else None
    if segment is None:
        raise CustomerError(_l("The campaign's segment no longer exists."), "send")
    chosen: dict[int, int] = {}
    for person, customer_id in session.execute(audience(session, segment, now=now, cap_days=cap_days)):
        chosen.setdefault(person.id, customer_id)
    for user_id, customer_id in chosen.items():
        session.add(
            CampaignRecipient(campaign_id=campaign.id, user_id=user_id, customer_id=customer_id, token=new_token())
        )
    campaign.status = CampaignStatus.SENDING
    campaign.sent_at = now
    session.flush()
    enqueue(session, "send_campaign", campaign_id=campaign.id)
    logger.info("User %s sent campaign %d to %d recipients", user.id if user else "-", campaign.id, len(chosen))
    return len(chosen)


# --- the recipient's side: clicks and unsubscribing ------------------------------------------


def follow_link(session: Session, token: str, *, now: dt.datetime) -> str | None:
    """Return the path a mail's link leads to, counting its first click; ``None`` for an unknown token."""
    link = session.scalar(select(CampaignLink).where(CampaignLink.token == token))
    if link is None or not is_own_path(link.path):
        return None
    if link.clicked_at is None:
        link.clicked_at = now
        session.flush()
    return link.path


def is_own_path(path: str) -> bool:
    """Say whether ``path`` stays on this site: one leading slash, no scheme, no host, no backslash."""
    return path.startswith("/") and not path.startswith("//") and "\\" not in path and ":" not in path.split("?")[0]


def recipient_by_token(session: Session, token: str) -> CampaignRecipient | None:
    """Return the recipient whose mail's unsubscribe link carries ``token``."""
    return session.scalar(select(CampaignRecipient).where(CampaignRecipient.token == token))


def unsubscribe_recipient(session: Session, recipient: CampaignRecipient, *, now: dt.datetime) -> None:
    """Withdraw the recipient's consent to marketing mail (one click, from any campaign's mail)."""
    person = session.get(User, recipient.user_id)
    if person is not None:
        set_consent(session, person, False, source="unsubscribe", now=now)
    if recipient.unsubscribed_at is None:
        recipient.unsubscribed_at = now
    session.flush()


def set_consent(session: Session, person: User, consent: bool, *, source: str, now: dt.datetime) -> None:
    """Record the account's yes or no to marketing mail, with when and where it was said."""
    if person.marketing_consent == consent and person.marketing_consent_at is not None:
        return
    person.marketing_consent = consent
    person.marketing_consent_at = now
    person.marketing_consent_source = source
    session.flush()
    logger.info("User %d %s marketing mail (%s)", person.id, "accepted" if consent else "refused", source)


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignReport:
    """What a campaign did: mails sent, recipients who clicked or unsubscribed, and what followed."""

    recipients: int
    sent: int
    clicked: int
    clicks: int
    unsubscribed: int
    #: Leads and click-outs of the recipients within ``FOLLOW_DAYS`` after their mail.
    leads: int
    click_outs: int


def campaign_report(session: Session, campaign: Campaign) -> CampaignReport:
    """Count what ``campaign`` did."""
    of_campaign = CampaignRecipient.campaign_id == campaign.id

    def count(query: Select[int]) -> int:
        return session.scalar(query) or 0

    mailed = select(CampaignRecipient.user_id, CampaignRecipient.mailed_at).where(
        of_campaign, CampaignRecipient.status == RecipientStatus.SENT
    )
    recipients = mailed.subquery()
    clicked_links = (
        select(CampaignLink.recipient_id)
        .join(CampaignRecipient, CampaignRecipient.id == CampaignLink.recipient_id)
        .where(of_campaign, CampaignLink.clicked_at.is_not(None))
    )
    # What follows a mail counts from the recipient's own mail until FOLLOW_DAYS after the last one.
    last = session.scalar(select(func.max(CampaignRecipient.mailed_at)).where(of_campaign))
    end = (last or campaign.sent_at or campaign.created_at) + dt.timedelta(days=FOLLOW_DAYS)
    leads = (
        select(func.count(Lead.id))
        .join(recipients, recipients.c.user_id == Lead.user_id)
        .where(Lead.created_at >= recipients.c.mailed_at, Lead.created_at <= end)
    )
    outs = (
        select(func.count(ClickOut.id))
        .join(recipients, recipients.c.user_id == ClickOut.user_id)
        .where(ClickOut.created_at >= recipients.c.mailed_at, ClickOut.created_at <= end)
    )
    return CampaignReport(
        recipients=count(select(func.count(CampaignRecipient.id)).where(of_campaign)),
        sent=count(select(func.count()).select_from(recipients)),
        clicked=count(select(func.count()).select_from(clicked_links.distinct().subquery())),
        clicks=count(select(func.count()).select_from(clicked_links.subquery())),
        unsubscribed=count(
            select(func.count(CampaignRecipient.id)).where(of_campaign, CampaignRecipient.unsubscribed_at.is_not(None))
        ),
        leads=count(leads),
        click_outs=count(outs),
    )


def segment_choices(session: Session) -> list[tuple[int, str]]:
    """Return every segment's id and name, by name: what a campaign may aim at."""
    return [
        (row.id, row.name)
        for row in session.execute(select(CustomerSegment.id, CustomerSegment.name).order_by(CustomerSegment.name))
    ]


def campaign_recipients(session: Session, campaign: Campaign, *, limit: int) -> list[User]:
    """Return the accounts a sent campaign went to, by id."""
    return list(
        session.scalars(
            select(User)
            .join(CampaignRecipient, CampaignRecipient.user_id == User.id)
            .where(CampaignRecipient.campaign_id == campaign.id)
            .order_by(User.id)
            .limit(limit)
        )
    )
