"""The alerts' share of the worker's pass: check each finished import, fire what held, mail digests.

1. **Check.** Each import that *succeeded* is checked once, from the offers it changed: the
   price-history rows it wrote (``catalog/history.py`` writes one per created, repriced,
   restocked or withdrawn offer, in the import's own transaction). A failed or rolled-back
   import wrote none and has no succeeded run, so it alerts nobody; the catalog is never
   re-read, only the changed products' offers. A condition met becomes a pending hit.
2. **Fire.** A hit fires once it has held for ``ALERT_HOLD_SECONDS`` (an hour): the worker's
   pass after that looks at the product (or the offer) again, and a price that went back up by
   the minimum change drops the hit. That is the flicker rule: a feed that publishes a wrong
   price and fixes it within the hour tells nobody. Firing writes the in-app notification at once.
3. **Mail.** Fired hits go out as one digest per recipient, at most one per day
   (``ALERT_DIGEST_SECONDS``), with one-click unsubscribe (RFC 8058).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import requests
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.alerts.models import Alert, AlertCheck, AlertHit, AlertKind, AlertWebhook
from marketplace.alerts.rules import OfferFacts, SearchMatcher, Watch, fires, moved_up
from marketplace.alerts.services import forget_unconfirmed, saved_query, unsubscribe_token
from marketplace.buyer_requests.matching import catalog_query, configured_rates
from marketplace.buyer_requests.models import BuyerRequest, RequestStatus
from marketplace.catalog.models import Offer, OfferStatus, PriceHistory, Product
from marketplace.catalog.pricing import to_minor
from marketplace.db import utcnow
from marketplace.notifications.messages import render
from marketplace.notifications.models import Notification
from marketplace.notifications.services import queue_mail
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from marketplace.taxonomy.services import subtree_ids
from search_index import SearchQuery
from supplier_feeds import FeedError
from supplier_feeds.fetch import check_url

logger = logging.getLogger(__name__)

#: Ids per ``IN (...)``: well under SQLite's limit of bound parameters.
CHUNK = 500
#: Imports checked per pass.
RUNS_PER_PASS = 20

_T = TypeVar("_T")


def _chunks(values: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


@dataclass(frozen=True)
class AlertJobsDone:
    """What one pass did."""

    checked_runs: int
    hits: int
    fired: int
    dropped: int
    digests: int


def run_alert_jobs(session: Session, config: Mapping[str, Any], *, now: dt.datetime | None = None) -> AlertJobsDone:
    """Check new imports, fire the hits that held, queue due digests; commit after each step."""
    now = now or utcnow()
    runs = hits = 0
    for run in pending_runs(session):
        hits += check_import(session, run, now=now)
        session.commit()
        runs += 1
    fired_ids: list[int] = []
    fired, dropped = fire_held_hits(
        session, now=now, hold=dt.timedelta(seconds=config["ALERT_HOLD_SECONDS"]), fired_ids=fired_ids
    )
    session.commit()
    if fired_ids:
        call_webhooks(session, fired_ids, allow_private=config["ALERT_WEBHOOK_ALLOW_PRIVATE"])
        session.commit()
    digests = queue_digests(session, now=now, every=dt.timedelta(seconds=config["ALERT_DIGEST_SECONDS"]))
    # A transaction of its own that writes first: on SQLite it then waits for a page's write
    # instead of failing on the snapshot the digests read.
    session.commit()
    forget_unconfirmed(session, now=now)  # a visitor's address that never confirmed is not kept
    session.commit()
    return AlertJobsDone(runs, hits, fired, dropped, digests)


def pending_runs(session: Session, *, limit: int = RUNS_PER_PASS) -> list[ImportRun]:
    """Return the succeeded imports not checked yet, oldest first."""
    checked = select(AlertCheck.import_run_id).where(AlertCheck.import_run_id == ImportRun.id).exists()
    query = (
        select(ImportRun)
        .where(ImportRun.status == ImportStatus.SUCCEEDED, ImportRun.dry_run.is_(False), ~checked)
        .order_by(ImportRun.id)
        .limit(limit)
    )
    return list(session.scalars(query))


# --- 1. check an import ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One offer an import changed, as its price-history row says, with its price before."""

    offer_id: int
    product_id: int
    price_base: Decimal
    available: bool
    active: bool
    #: The price of the offer's previous history row; ``None``: the offer is new.
    before: Decimal | None
    was_available: bool


def changed_offers(session: Session, run: ImportRun) -> list[Change]:
    """Return the offers ``run`` changed, from the history rows it wrote (never the whole catalog)."""
    if run.started_at is None:
        return []
    window = [PriceHistory.recorded_at >= run.started_at]
    if run.finished_at is not None:
        window.append(PriceHistory.recorded_at <= run.finished_at)
    rows = session.execute(
        select(
            PriceHistory.id,
            PriceHistory.offer_id,
            PriceHistory.product_id,
            PriceHistory.price_base,
            PriceHistory.available,
            PriceHistory.active,
        )
        .join(Offer, Offer.id == PriceHistory.offer_id)
        .where(Offer.supplier_id == run.supplier_id, *window)
        .order_by(PriceHistory.id)
    ).all()
    latest = {row.offer_id: row for row in rows}  # the last row of the run per offer
    first_id = min((row.id for row in rows), default=0)
    before: dict[int, tuple[Decimal, bool]] = {}
    for chunk in _chunks(list(latest)):
        previous = (
            select(func.max(PriceHistory.id))
            .where(PriceHistory.offer_id.in_(chunk), PriceHistory.id < first_id)
            .group_by(PriceHistory.offer_id)
        )
        for offer_id, price, available in session.execute(
            select(PriceHistory.offer_id, PriceHistory.price_base, PriceHistory.available).where(
                PriceHistory.id.in_(previous)
            )
        ):
            before[offer_id] = (price, available)
    return [
        Change(
            row.offer_id,
            row.product_id,
            row.price_base,
            row.available,
            row.active,
            before[row.offer_id][0] if row.offer_id in before else None,
            before[row.offer_id][1] if row.offer_id in before else False,
        )
        for row in latest.values()
    ]


def best_prices(session: Session, product_ids: Sequence[int]) -> dict[int, Decimal]:
    """Return the lowest in-stock active price of each product that has one."""
    best: dict[int, Decimal] = {}
    for chunk in _chunks(list(product_ids)):
        best.update(
            session.execute(
                select(Offer.product_id, func.min(Offer.price_base))
                .where(Offer.product_id.in_(chunk), Offer.status == OfferStatus.ACTIVE, Offer.available.is_(True))
                .group_by(Offer.product_id)
            ).all()
        )
    return best


def check_import(session: Session, run: ImportRun, *, now: dt.datetime) -> int:
    """Turn what ``run`` changed into pending hits; record the run as checked; return the hits."""
    changes = changed_offers(session, run)
    hits = _check_products(session, run, changes, now) + _check_searches(session, run, changes, now)
    session.add(AlertCheck(import_run_id=run.id, hits=hits))
    session.flush()
    logger.info("Import %d: %d changed offers checked against alerts, %d hits", run.id, len(changes), hits)
    return hits


def _pending_alert_ids(session: Session, alert_ids: Sequence[int]) -> set[int]:
    pending: set[int] = set()
    for chunk in _chunks(list(alert_ids)):
        pending.update(
            session.scalars(
                select(AlertHit.alert_id).where(
                    AlertHit.alert_id.in_(chunk), AlertHit.fired_at.is_(None), AlertHit.dropped_at.is_(None)
                )
            )
        )
    return pending


def _live_owner() -> Any:
    return and_(Alert.active.is_(True), Alert.user_id.is_not(None) | Alert.confirmed_at.is_not(None))


def _check_products(session: Session, run: ImportRun, changes: list[Change], now: dt.datetime) -> int:
    product_ids = sorted({change.product_id for change in changes})
    best = best_prices(session, product_ids)
    alerts: list[Alert] = []
    for chunk in _chunks(product_ids):
        alerts.extend(
            session.scalars(
                select(Alert).where(Alert.product_id.in_(chunk), Alert.kind != AlertKind.SEARCH, _live_owner())
            )
        )
    lowest = _lowest_before(session, run, [a for a in alerts if a.kind == AlertKind.LOWEST], now)
    pending = _pending_alert_ids(session, [a.id for a in alerts])
    hits = []
    for alert in alerts:
        assert alert.product_id is not None
        price = best.get(alert.product_id)
        watch = Watch(
            id=alert.id,
            kind=alert.kind,
            target_price=alert.target_price,
            drop_percent=alert.drop_percent,
            days=alert.days,
            reference_price=alert.reference_price,
            last_price=alert.last_price,
            fired_before=alert.last_fired_at is not None,
        )
        if alert.id not in pending and price is not None and fires(watch, price, lowest.get(alert.id)):
            hits.append(_hit(alert.id, None, alert.product_id, None, price, now))
        alert.last_price = price
    _insert_hits(session, hits)
    return len(hits)


def _lowest_before(session: Session, run: ImportRun, alerts: list[Alert], now: dt.datetime) -> dict[int, Decimal]:
    """Return, per LOWEST alert, the lowest price its product had in its window before ``run``."""
    found: dict[int, Decimal] = {}
    by_days: dict[int, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_days[alert.days or 30].append(alert)
    for days, group in by_days.items():
        product_ids = sorted({a.product_id for a in group if a.product_id is not None})
        lows: dict[int, Decimal] = {}
        for chunk in _chunks(product_ids):
            lows.update(
                session.execute(
                    select(PriceHistory.product_id, func.min(PriceHistory.price_base))
                    .where(
                        PriceHistory.product_id.in_(chunk),
                        PriceHistory.recorded_at >= now - dt.timedelta(days=days),
                        PriceHistory.recorded_at < run.started_at,
                        PriceHistory.available.is_(True),
                        PriceHistory.active.is_(True),
                    )
                    .group_by(PriceHistory.product_id)
                ).all()
            )
        for alert in group:
            if alert.product_id in lows:
                found[alert.id] = lows[alert.product_id]
    return found


def _news(change: Change) -> bool:
    """Return whether a changed offer is news to a search: new, cheaper by the minimum change, or back in stock."""
    if not (change.active and change.available):
        return False
    if change.before is None or not change.was_available:
        return True
    return moved_up(change.price_base, change.before)


def _offer_facts(session: Session, offer_ids: Sequence[int]) -> list[OfferFacts]:
    facts: list[OfferFacts] = []
    for chunk in _chunks(list(offer_ids)):
        rows = session.execute(
            select(
                Offer.id,
                Offer.product_id,
                Supplier.slug,
                Offer.title,
                Offer.brand,
                Offer.category_id,
                Offer.price_base,
                Offer.available,
                Offer.condition,
            )
            .join(Supplier, Supplier.id == Offer.supplier_id)
            .where(Offer.id.in_(chunk), Offer.status == OfferStatus.ACTIVE)
        )
        facts.extend(OfferFacts(r[0], r[1], r[2], r[3], r[4], r[5], to_minor(r[6]), bool(r[7]), r[8]) for r in rows)
    return facts


def _check_searches(session: Session, run: ImportRun, changes: list[Change], now: dt.datetime) -> int:
    """Match the changed offers that are news against saved searches and open buyer requests."""
    news = [change.offer_id for change in changes if _news(change)]
    if not news:
        return 0
    facts = _offer_facts(session, news)
    subtrees: dict[int, frozenset[int]] = {}

    def subtree(category_id: int | None) -> frozenset[int] | None:
        if category_id is None:
            return None
        if category_id not in subtrees:
            subtrees[category_id] = frozenset(subtree_ids(session, category_id))
        return subtrees[category_id]

    searches: list[tuple[int, SearchQuery, frozenset[int] | None]] = []
    for alert_id, query in session.execute(
        select(Alert.id, Alert.query).where(Alert.kind == AlertKind.SEARCH, _live_owner())
    ):
        search = saved_query(query)
        searches.append((alert_id, search, subtree(search.category_id)))
    # A buyer's open request is a saved search too (matching.catalog_query, as its page runs it);
    # its ids are negative here so that the two kinds share one matcher.
    rates = configured_rates()
    request_of_item: dict[int, int] = {}
    # Only offers that came after the request was published are news to its buyer.
    open_requests = select(BuyerRequest).where(
        BuyerRequest.status == RequestStatus.OPEN, BuyerRequest.published_at < run.started_at
    )
    for buyer_request in session.scalars(open_requests):
        for item in buyer_request.items:
            search = catalog_query(item, rates)
            searches.append((-item.id, search, subtree(search.category_id)))
            request_of_item[item.id] = buyer_request.id
    found: dict[tuple[int, int], OfferFacts] = {}
    for offer, search_id in SearchMatcher(searches, facts).matches():
        key = (search_id, offer.product_id) if search_id > 0 else (-request_of_item[-search_id], offer.product_id)
        if key not in found or offer.price_minor < found[key].price_minor:
            found[key] = offer
    if not found:
        return 0
    hits = []
    seen = _hits_already(session, found)
    for (owner, product_id), offer in found.items():
        if (owner, product_id) in seen:
            continue
        price = Decimal(offer.price_minor) / 100
        if owner > 0:
            hits.append(_hit(owner, None, product_id, offer.offer_id, price, now))
        else:
            hits.append(_hit(None, -owner, product_id, offer.offer_id, price, now))
    _insert_hits(session, hits)
    return len(hits)


def _hits_already(session: Session, found: Mapping[tuple[int, int], OfferFacts]) -> set[tuple[int, int]]:
    """Return the (search, product) pairs with a hit pending, or fired at this price or lower already."""
    seen: set[tuple[int, int]] = set()
    alert_ids = sorted({owner for owner, _ in found if owner > 0})
    request_ids = sorted({-owner for owner, _ in found if owner < 0})
    rows: list[tuple[int, int, Decimal, dt.datetime | None]] = []
    for chunk in _chunks(alert_ids):
        query = select(AlertHit.alert_id, AlertHit.product_id, AlertHit.price, AlertHit.dropped_at)
        rows.extend(
            (a or 0, p, price, d) for a, p, price, d in session.execute(query.where(AlertHit.alert_id.in_(chunk)))
        )
    for chunk in _chunks(request_ids):
        query = select(AlertHit.request_id, AlertHit.product_id, AlertHit.price, AlertHit.dropped_at)
        rows.extend(
            (-(r or 0), p, price, d) for r, p, price, d in session.execute(query.where(AlertHit.request_id.in_(chunk)))
        )
    for owner, product_id, price, dropped in rows:
        offer = found.get((owner, product_id))
        if offer is not None and dropped is None and not moved_up(Decimal(offer.price_minor) / 100, price):
            seen.add((owner, product_id))
    return seen


def _hit(
    alert_id: int | None,
    request_id: int | None,
    product_id: int,
    offer_id: int | None,
    price: Decimal,
    now: dt.datetime,
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "request_id": request_id,
        "product_id": product_id,
        "offer_id": offer_id,
        "price": price,
        "seen_at": now,
    }


def _insert_hits(session: Session, hits: list[dict[str, Any]]) -> None:
    """Insert hits, with the recipient (the owner's address) filled in."""
    if not hits:
        return
    alert_ids = sorted({h["alert_id"] for h in hits if h["alert_id"] is not None})
    request_ids = sorted({h["request_id"] for h in hits if h["request_id"] is not None})
    owners: dict[int, tuple[int | None, str | None]] = {}
    for chunk in _chunks(alert_ids):
        for alert_id, user_id, user_email, email in session.execute(
            select(Alert.id, Alert.user_id, User.email, Alert.email)
            .outerjoin(User, User.id == Alert.user_id)
            .where(Alert.id.in_(chunk))
        ):
            owners[alert_id] = (user_id, user_email or email)
    buyers: dict[int, tuple[int, str]] = {}
    for chunk in _chunks(request_ids):
        for request_id, user_id, email in session.execute(
            select(BuyerRequest.id, User.id, User.email)
            .join(User, User.id == BuyerRequest.buyer_id)
            .where(BuyerRequest.id.in_(chunk))
        ):
            buyers[request_id] = (user_id, email)
    rows = []
    for hit in hits:
        user_id, recipient = owners[hit["alert_id"]] if hit["alert_id"] is not None else buyers[hit["request_id"]]
        rows.append({**hit, "user_id": user_id, "recipient": (recipient or "").lower()})
    session.execute(insert(AlertHit), rows)


# --- 2. fire the hits that held --------------------------------------------------------------


def fire_held_hits(
    session: Session, *, now: dt.datetime, hold: dt.timedelta, fired_ids: list[int] | None = None
) -> tuple[int, int]:
    """Fire the pending hits older than ``hold`` whose price held; drop the rest; return both counts.

    The ids of the hits fired are appended to ``fired_ids`` (for the webhooks, after the commit).
    """
    held = list(
        session.scalars(
            select(AlertHit)
            .where(AlertHit.fired_at.is_(None), AlertHit.dropped_at.is_(None), AlertHit.seen_at <= now - hold)
            .order_by(AlertHit.id)
        )
    )
    if not held:
        return 0, 0
    best = best_prices(session, sorted({hit.product_id for hit in held}))
    offer_prices: dict[int, Decimal] = {}
    offer_ids = sorted({hit.offer_id for hit in held if hit.offer_id is not None})
    for chunk in _chunks(offer_ids):
        offer_prices.update(
            session.execute(
                select(Offer.id, Offer.price_base).where(
                    Offer.id.in_(chunk), Offer.status == OfferStatus.ACTIVE, Offer.available.is_(True)
                )
            ).all()
        )
    alerts = {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_({h.alert_id for h in held})))}
    titles = dict(
        session.execute(select(Product.id, Product.title).where(Product.id.in_({h.product_id for h in held}))).all()
    )
    requests = {
        r.id: r for r in session.scalars(select(BuyerRequest).where(BuyerRequest.id.in_({h.request_id for h in held})))
    }
    fired = dropped = 0
    for hit in held:
        alert = alerts.get(hit.alert_id) if hit.alert_id is not None else None
        current = offer_prices.get(hit.offer_id) if hit.offer_id is not None else best.get(hit.product_id)
        if current is None or moved_up(hit.price, current) or (alert is not None and not alert.active):
            hit.dropped_at = now
            dropped += 1
            continue
        hit.price = current
        hit.fired_at = now
        fired += 1
        if fired_ids is not None:
            fired_ids.append(hit.id)
        if alert is not None:
            alert.reference_price = current
            alert.last_fired_at = now
        if hit.user_id is not None:
            kind, params = hit_message(hit, alert, titles.get(hit.product_id, ""), requests.get(hit.request_id or 0))
            session.add(Notification(user_id=hit.user_id, kind=kind, params=params, link=hit_link(hit)))
    session.flush()
    logger.info("Alert hits: %d fired, %d dropped (the price did not hold)", fired, dropped)
    return fired, dropped


def hit_message(
    hit: AlertHit, alert: Alert | None, title: str, buyer_request: BuyerRequest | None
) -> tuple[str, dict[str, Any]]:
    """Return the notification kind and params that tell of ``hit``."""
    price = f"{hit.price:.2f} {current_app.config['BASE_CURRENCY']}"
    if buyer_request is not None:
        return "alert.request", {"title": buyer_request.title, "product": title, "price": price}
    if alert is not None and alert.kind == AlertKind.SEARCH:
        return "alert.search", {"search": alert.label, "product": title, "price": price}
    if alert is not None and alert.kind == AlertKind.STOCK:
        return "alert.stock", {"product": title, "price": price}
    return "alert.price", {"product": title, "price": price}


def hit_link(hit: AlertHit) -> str:
    """Return the path the hit points to: the product page (a buyer's request: the request)."""
    if hit.request_id is not None:
        return f"/requests/{hit.request_id}"
    return f"/products/{hit.product_id}"


# --- 3. the daily digest ---------------------------------------------------------------------

_DIGEST_INTRO = _l("Prices you watch on TradeRow moved:")
_DIGEST_OUTRO = _l("To stop these mails, open %(url)s")


def queue_digests(session: Session, *, now: dt.datetime, every: dt.timedelta) -> int:
    """Queue one digest to each recipient with fired, unmailed hits and no digest within ``every``."""
    waiting = list(
        session.scalars(
            select(AlertHit)
            .where(AlertHit.fired_at.is_not(None), AlertHit.mailed_at.is_(None))
            .order_by(AlertHit.recipient, AlertHit.id)
        )
    )
    if not waiting:
        return 0
    recipients = sorted({hit.recipient for hit in waiting})
    last_mailed = dict(
        session.execute(
            select(AlertHit.recipient, func.max(AlertHit.mailed_at))
            .where(AlertHit.recipient.in_(recipients))
            .group_by(AlertHit.recipient)
        ).all()
    )
    alerts = {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_({h.alert_id for h in waiting})))}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({h.user_id for h in waiting})))}
    titles = dict(
        session.execute(select(Product.id, Product.title).where(Product.id.in_({h.product_id for h in waiting}))).all()
    )
    requests = {
        r.id: r
        for r in session.scalars(select(BuyerRequest).where(BuyerRequest.id.in_({h.request_id for h in waiting})))
    }
    by_recipient: dict[str, list[AlertHit]] = defaultdict(list)
    for hit in waiting:
        by_recipient[hit.recipient].append(hit)
    queued = 0
    config = current_app.config
    for recipient, hits in by_recipient.items():
        last = last_mailed.get(recipient)
        if last is not None and _aware(last) > now - every:
            continue  # at most one digest a day: these wait for the next one
        live = [h for h in hits if h.alert_id is None or (h.alert_id in alerts and alerts[h.alert_id].active)]
        for hit in hits:
            hit.mailed_at = now
        if not live or not recipient:
            continue
        user = users.get(live[0].user_id or 0)
        first_alert = alerts.get(live[0].alert_id or 0)
        locale = (user.locale if user else first_alert.locale if first_alert else None) or config[
            "BABEL_DEFAULT_LOCALE"
        ]
        if locale not in config["LANGUAGES"]:
            locale = config["BABEL_DEFAULT_LOCALE"]
        unsubscribe_url = config["SITE_URL"].rstrip("/") + f"/alerts/unsubscribe/{unsubscribe_token(recipient)}"
        with force_locale(locale):
            lines = [str(_DIGEST_INTRO), ""]
            for hit in live:
                kind, params = hit_message(
                    hit,
                    alerts.get(hit.alert_id or 0),
                    titles.get(hit.product_id, ""),
                    requests.get(hit.request_id or 0),
                )
                lines.append(f"- {render(kind, params)} {config['SITE_URL'].rstrip('/')}{hit_link(hit)}")
            lines += ["", str(_DIGEST_OUTRO) % {"url": unsubscribe_url}]
            subject = ngettext("TradeRow: %(num)d price alert", "TradeRow: %(num)d price alerts", len(live))
        queue_mail(
            session,
            recipient,
            subject,
            "\n".join(lines),
            locale=locale,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        queued += 1
    session.flush()
    if queued:
        logger.info("Queued %d alert digests", queued)
    return queued


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# --- webhooks --------------------------------------------------------------------------------


def webhook_signature(secret: str, body: bytes) -> str:
    """Return the ``X-TradeRow-Signature`` of a webhook body: ``sha256=`` and its HMAC in hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


#: Seconds a webhook call may take; the worker's pass waits for it.
WEBHOOK_TIMEOUT = 5.0


def call_webhooks(session: Session, hit_ids: Sequence[int], *, allow_private: bool = False) -> int:
    """POST the fired hits to their owners' webhooks, one call per owner, after the commit; return the calls made.

    Each body is signed (``X-TradeRow-Signature``); a call that fails is logged and recorded on
    the webhook, never retried: the in-app notification and the digest still tell the owner.
    """
    hits = list(session.scalars(select(AlertHit).where(AlertHit.id.in_(hit_ids), AlertHit.user_id.is_not(None))))
    hooks = {
        h.user_id: h
        for h in session.scalars(select(AlertWebhook).where(AlertWebhook.user_id.in_({x.user_id for x in hits})))
    }
    by_user: dict[int, list[AlertHit]] = defaultdict(list)
    for hit in hits:
        if hit.user_id in hooks:
            by_user[hit.user_id].append(hit)
    calls = 0
    for user_id, user_hits in by_user.items():
        hook = hooks[user_id]
        body = webhook_body(user_hits)
        try:
            check_url(hook.url, allow_private=allow_private)  # again: the name may point elsewhere now
            response = requests.post(
                hook.url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-TradeRow-Signature": webhook_signature(hook.secret, body),
                },
                timeout=WEBHOOK_TIMEOUT,
                allow_redirects=False,
            )
            hook.last_status = str(response.status_code)
        except (FeedError, requests.RequestException) as exc:
            hook.last_status = str(exc)[:255]
            logger.warning("Webhook of user %d failed: %s", user_id, exc)
        calls += 1
    session.flush()
    return calls


def webhook_body(hits: Iterable[AlertHit]) -> bytes:
    """Return the JSON a webhook receives for ``hits``."""
    return json.dumps(
        {
            "hits": [
                {
                    "alert_id": h.alert_id,
                    "request_id": h.request_id,
                    "product_id": h.product_id,
                    "offer_id": h.offer_id,
                    "price": str(h.price),
                    "fired_at": h.fired_at.isoformat() if h.fired_at else None,
                }
                for h in hits
            ]
        },
        sort_keys=True,
    ).encode()
