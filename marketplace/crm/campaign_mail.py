"""A campaign's mail for one recipient, and the worker's job that writes the mails, a batch a minute.

The mail is the operator's subject and body, with ``{name}`` filled in, then the personalised
blocks of the recipient's own history: what they viewed lately at today's best price, what got
cheaper since, and new offers in their categories. The blocks are the returning visitor's home
page (``personal.home``): the same sections, the same queries. Every link goes through
``/c/<token>`` (counted once) and the mail ends with one-click unsubscribe (RFC 8058 headers).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.crm.campaigns import (
    Campaign,
    CampaignLink,
    CampaignRecipient,
    CampaignStatus,
    RecipientStatus,
    new_token,
)
from marketplace.db import utcnow
from marketplace.jobs.queue import enqueue, uses_rq
from marketplace.notifications.services import queue_mail
from marketplace.personal.history import Who
from marketplace.personal.home import HomeItem, personal_home

logger = logging.getLogger(__name__)

#: Seconds an RQ job waits before it queues the next batch (the database queue delays the job instead).
RQ_BATCH_PAUSE = 60.0


@dataclass(frozen=True)
class RenderedMail:
    """One recipient's mail as it goes out (or as the preview shows it)."""

    subject: str
    text: str
    locale: str
    #: The site paths the mail links to, in order.
    paths: tuple[str, ...]


def locale_of(person: User, config: Mapping[str, Any]) -> str:
    """Return the language the person's mail is written in: their account's, else the site's default."""
    if person.locale and person.locale in config["LANGUAGES"]:
        return person.locale
    return str(config["BABEL_DEFAULT_LOCALE"])


def _money(item: HomeItem, currency: str) -> str:
    return f"{item.summary.best.price_base:.2f} {currency}"


def render_mail(
    session: Session,
    campaign: Campaign,
    person: User,
    *,
    now: dt.datetime,
    link_for: Callable[[str], str],
    unsubscribe_url: str,
) -> RenderedMail:
    """Write ``campaign``'s mail for ``person`` in their language; ``link_for`` turns a site path into the URL."""
    config = current_app.config
    locale = locale_of(person, config)
    currency = config["BASE_CURRENCY"]
    paths: list[str] = []

    def link(path: str) -> str:
        paths.append(path)
        return link_for(path)

    home = personal_home(session, Who(None, person.id), now)
    with force_locale(locale):
        lines = [campaign.body.replace("{name}", person.display_name or person.email), ""]
        if home is not None:
            blocks: list[tuple[str, list[str]]] = [
                (
                    _("Viewed lately, at today's best price"),
                    [f"- {i.summary.product.title}: {_money(i, currency)}" for i in home.recent],
                ),
                (
                    _("Cheaper since you looked"),
                    [
                        "- "
                        + _(
                            "%(title)s: now %(price)s, %(percent)s%% less",
                            title=i.summary.product.title,
                            price=_money(i, currency),
                            percent=i.reason.percent or 0,
                        )
                        for i in home.price_drops
                    ],
                ),
                (
                    _("New offers in your categories"),
                    [f"- {i.summary.product.title}: {_money(i, currency)}" for i in home.new_offers],
                ),
            ]
            items = {"recent": home.recent, "drops": home.price_drops, "new": home.new_offers}
            for (title, entries), group in zip(blocks, items.values(), strict=True):
                if not entries:
                    continue
                lines.append(title)
                for entry, item in zip(entries, group, strict=True):
                    lines.append(f"{entry} {link(f'/products/{item.summary.product.id}')}")
                lines.append("")
        lines.append(_("Today's best prices on TradeRow: %(url)s", url=link("/")))
        lines += [
            "",
            _("You get this mail because you agreed to TradeRow's news. Unsubscribe: %(url)s", url=unsubscribe_url),
        ]
        subject = campaign.subject.replace("{name}", person.display_name or person.email)
    return RenderedMail(subject=subject, text="\n".join(lines), locale=locale, paths=tuple(paths))


def site_url(path: str) -> str:
    """Return the absolute URL of a path on this site, as mail readers reach it."""
    return str(current_app.config["SITE_URL"]).rstrip("/") + path


def preview_mail(session: Session, campaign: Campaign, person: User, *, now: dt.datetime) -> RenderedMail:
    """Return the mail ``person`` would get, with plain links (the preview writes nothing)."""
    return render_mail(session, campaign, person, now=now, link_for=site_url, unsubscribe_url=site_url("/c/u/…"))


def mail_recipient(session: Session, campaign: Campaign, recipient: CampaignRecipient, *, now: dt.datetime) -> bool:
    """Write one recipient's mail into the outbox, its links as ``/c/<token>``; ``False``: they said no since."""
    person = session.get(User, recipient.user_id)
    if person is None or not person.active or not person.marketing_consent:
        recipient.status = RecipientStatus.SKIPPED
        return False

    def tracked(path: str) -> str:
        link = CampaignLink(recipient_id=recipient.id, path=path, token=new_token())
        session.add(link)
        return site_url(f"/c/{link.token}")

    unsubscribe_url = site_url(f"/c/u/{recipient.token}")
    mail = render_mail(session, campaign, person, now=now, link_for=tracked, unsubscribe_url=unsubscribe_url)
    queue_mail(
        session,
        person.email,
        mail.subject,
        mail.text,
        locale=mail.locale,
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    recipient.status = RecipientStatus.SENT
    recipient.mailed_at = now
    return True


def send_campaign(session: Session, app: Flask | None = None, *, campaign_id: int) -> int:
    """The worker's job: mail up to ``CAMPAIGN_MAILS_PER_MINUTE`` queued recipients, then come back in a minute.

    Returns the mails written. The campaign is marked sent once nobody is left queued.
    """
    now = utcnow()
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return 0
    batch = int(current_app.config["CAMPAIGN_MAILS_PER_MINUTE"])
    queued = list(
        session.scalars(
            select(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status == RecipientStatus.QUEUED)
            .order_by(CampaignRecipient.id)
            .limit(batch + 1)
        )
    )
    sent = sum(mail_recipient(session, campaign, recipient, now=now) for recipient in queued[:batch])
    more = len(queued) > batch
    if not more:
        campaign.status = CampaignStatus.SENT
    session.commit()
    if more:
        # The rate limit: one batch a minute. The database queue runs the next job a minute
        # later; RQ has no delayed jobs here, so this job waits out the minute first.
        if uses_rq():
            time.sleep(RQ_BATCH_PAUSE)
        job = enqueue(session, "send_campaign", campaign_id=campaign.id)
        if job is not None:
            job.run_after = now + dt.timedelta(minutes=1)
        session.commit()
    logger.info("Campaign %d: %d mails written, %d more waiting", campaign.id, sent, max(len(queued) - batch, 0))
    return sent
