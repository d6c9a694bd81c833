"""One customer's timeline: everything that happened with them, newest first, from every domain's records.

A record's history is the union of its sources' (``customer_links``), so a merged record
shows both histories. Visits and searches come from the event log: the account's own events
and those of the visitor ids it ever used, which covers what a visitor did before logging in.
Click-outs come from ``click_outs`` (events may be absent under Do Not Track), requests and
quotes from ``buyer_requests``, orders from ``leads``, messages from ``notifications`` and
every mail from the outbox. Each source is read newest first with a limit, so a busy
customer's page costs a bounded number of indexed queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.analytics.dashboard import CHANNEL_LABELS
from marketplace.analytics.visits import Event as VisitEvent
from marketplace.analytics.visits import split_visits
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem
from marketplace.catalog.models import ClickOut, Offer
from marketplace.crm.models import Customer, LinkSource
from marketplace.events.models import AnalyticsEvent
from marketplace.notifications.messages import render
from marketplace.notifications.models import Notification, OutboxMail
from marketplace.shops.models import Lead
from marketplace.suppliers.models import Supplier

#: What each kind of entry is called on the page.
KIND_LABELS = {
    "visit": _l("Visit"),
    "search": _l("Search"),
    "product_view": _l("Product view"),
    "clickout": _l("Click-out"),
    "account": _l("Account"),
    "request": _l("Request"),
    "quote": _l("Quote"),
    "accepted_quote": _l("Accepted quote"),
    "order": _l("Shop order"),
    "lead": _l("Lead"),
    "notification": _l("Message"),
    "mail": _l("Mail"),
    "note": _l("Note"),
    "call": _l("Call"),
    "merge": _l("Merge"),
}

#: Event kinds that are the customer's visits and searches; the rest have better sources.
#: Page views are read up to five times the limit, as many fold into one visit.
EVENT_KINDS = ("pageview", "search", "product_view", "registration", "login")
#: Visitor ids followed per account: a customer with more devices than this shows the latest ones.
MAX_VISITORS = 20


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: dt.datetime
    #: A key of :data:`KIND_LABELS`.
    kind: str
    text: str
    #: A path on this site about it, if there is one.
    link: str | None = None

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    def as_json(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        data["label"] = self.label
        return data


def _in(column: Any, values: list[Any]) -> ColumnElement[bool]:
    return column.in_(values) if values else false()


def visitor_ids(session: Session, user_ids: list[int]) -> list[str]:
    """Return the visitor ids the accounts used while logged in, the latest first."""
    if not user_ids:
        return []
    rows = session.execute(
        select(AnalyticsEvent.visitor_id, AnalyticsEvent.occurred_at)
        .where(_in(AnalyticsEvent.user_id, user_ids), AnalyticsEvent.visitor_id.is_not(None))
        .order_by(AnalyticsEvent.occurred_at.desc())
        .limit(2000)
    ).all()
    seen: list[str] = []
    for visitor, _at in rows:
        if visitor is not None and visitor not in seen:
            seen.append(visitor)
        if len(seen) >= MAX_VISITORS:
            break
    return seen


def _event_entry(event: AnalyticsEvent) -> Entry:
    data = event.data or {}
    if event.kind == "search":
        return Entry(event.occurred_at, "search", _("Searched for “%(q)s”", q=data.get("query") or ""))
    if event.kind == "product_view":
        return Entry(event.occurred_at, "product_view", _("Viewed a product"), event.path)
    if event.kind == "registration":
        return Entry(event.occurred_at, "account", _("Registered"))
    return Entry(event.occurred_at, "account", _("Logged in"))


def _visit_entries(pageviews: list[AnalyticsEvent]) -> list[Entry]:
    """Fold page views into visits by the analytics' own rule (30 minutes idle), one entry each."""
    events = [VisitEvent(e.occurred_at, e.kind, "customer", path=e.path, channel=e.channel) for e in pageviews]
    entries = []
    for visit in split_visits(events):
        pages = visit.pages
        text = ngettext(
            "%(num)d page from %(path)s, %(channel)s",
            "%(num)d pages from %(path)s, %(channel)s",
            len(pages),
            channel=str(CHANNEL_LABELS.get(visit.channel, visit.channel)),
            path=pages[0].path or "/",
        )
        entries.append(Entry(visit.started_at, "visit", text, pages[0].path))
    return entries


def customer_timeline(session: Session, customer: Customer, *, limit: int = 200) -> list[Entry]:
    """Return the customer's timeline, newest first, at most ``limit`` entries."""
    users = customer.ids_of(LinkSource.USER)
    suppliers = customer.ids_of(LinkSource.SUPPLIER)
    leads = customer.ids_of(LinkSource.LEAD)
    visitors = visitor_ids(session, users)
    entries: list[Entry] = []

    events = session.scalars(
        select(AnalyticsEvent)
        .where(
            or_(_in(AnalyticsEvent.user_id, users), _in(AnalyticsEvent.visitor_id, visitors)),
            AnalyticsEvent.kind.in_(EVENT_KINDS),
        )
        .order_by(AnalyticsEvent.occurred_at.desc())
        .limit(limit * 5)
    ).all()
    entries += [_event_entry(event) for event in events if event.kind != "pageview"]
    entries += _visit_entries([event for event in events if event.kind == "pageview"])

    clicks = session.execute(
        select(ClickOut, Offer.title)
        .join(Offer, Offer.id == ClickOut.offer_id)
        .where(or_(_in(ClickOut.user_id, users), _in(ClickOut.visitor_id, visitors)))
        .order_by(ClickOut.created_at.desc())
        .limit(limit)
    ).all()
    entries += [
        Entry(click.created_at, "clickout", _("Went to the store for “%(title)s”", title=title))
        for click, title in clicks
    ]

    requests = session.scalars(
        select(BuyerRequest).where(_in(BuyerRequest.buyer_id, users)).order_by(BuyerRequest.id.desc()).limit(limit)
    ).all()
    for buyer_request in requests:
        link = f"/requests/{buyer_request.id}"
        if buyer_request.published_at is not None:
            entries.append(
                Entry(
                    buyer_request.published_at,
                    "request",
                    _("Published the request “%(title)s”", title=buyer_request.title),
                    link,
                )
            )
        else:
            entries.append(
                Entry(
                    buyer_request.created_at,
                    "request",
                    _("Drafted the request “%(title)s”", title=buyer_request.title),
                    link,
                )
            )

    quotes = session.execute(
        select(Quote, RequestItem.text, BuyerRequest.id, BuyerRequest.buyer_id, Supplier.name)
        .join(RequestItem, RequestItem.id == Quote.item_id)
        .join(BuyerRequest, BuyerRequest.id == RequestItem.request_id)
        .join(Supplier, Supplier.id == Quote.supplier_id)
        .where(or_(_in(BuyerRequest.buyer_id, users), _in(Quote.supplier_id, suppliers)))
        .order_by(Quote.id.desc())
        .limit(limit)
    ).all()
    for quote, item, request_id, buyer_id, supplier_name in quotes:
        link = f"/requests/{request_id}"
        if buyer_id in users:
            text = _("%(supplier)s quoted on “%(item)s”", supplier=supplier_name, item=item)
        else:
            text = _("Quoted on “%(item)s”", item=item)
        entries.append(Entry(quote.created_at, "quote", text, link))
        if quote.accepted and quote.accepted_at is not None:
            entries.append(
                Entry(
                    quote.accepted_at,
                    "accepted_quote",
                    _("Quote on “%(item)s” accepted (%(supplier)s)", item=item, supplier=supplier_name),
                    link,
                )
            )

    orders = session.execute(
        select(Lead, Supplier.name)
        .join(Supplier, Supplier.id == Lead.supplier_id)
        .where(or_(_in(Lead.user_id, users), _in(Lead.id, leads), _in(Lead.supplier_id, suppliers)))
        .order_by(Lead.id.desc())
        .limit(limit)
    ).all()
    for lead, supplier_name in orders:
        subject = lead.subject or ", ".join(item.title for item in lead.items[:3])
        if lead.supplier_id in suppliers:
            entries.append(
                Entry(
                    lead.created_at,
                    "lead",
                    _("Lead from %(buyer)s: %(subject)s", buyer=lead.buyer_name or "—", subject=subject),
                )
            )
        else:
            entries.append(
                Entry(
                    lead.created_at,
                    "order",
                    _("Order request to %(supplier)s: %(subject)s", supplier=supplier_name, subject=subject),
                )
            )

    notifications = session.scalars(
        select(Notification).where(_in(Notification.user_id, users)).order_by(Notification.id.desc()).limit(limit)
    ).all()
    entries += [Entry(n.created_at, "notification", render(n.kind, n.params or {}), n.link) for n in notifications]

    addresses = {customer.email} if customer.email else set()
    addresses |= set(session.scalars(select(User.email).where(_in(User.id, users))).all())
    mails = session.scalars(
        select(OutboxMail)
        .where(_in(OutboxMail.recipient, sorted(addresses)))
        .order_by(OutboxMail.id.desc())
        .limit(limit)
    ).all()
    entries += [
        Entry(
            mail.sent_at or mail.created_at,
            "mail",
            _("Mail “%(subject)s” (%(status)s)", subject=mail.subject, status=str(mail.status)),
        )
        for mail in mails
    ]

    entries += [Entry(note.created_at, str(note.kind), note.body) for note in customer.notes]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
