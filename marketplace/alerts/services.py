"""Favourites and alerts: set, list, edit, confirm and unsubscribe them.

An anonymous visitor's alert belongs to an e-mail address and waits for its confirmation
(double opt-in): the confirmation link and every mail's unsubscribe link carry a token signed
with the app's secret key, so nothing secret is stored and nobody can forge one for an address.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.alerts.models import Alert, AlertKind, AlertWebhook, Favourite
from marketplace.catalog.models import Offer, OfferStatus, Product
from marketplace.catalog.services import ProductSummary, product_summaries
from marketplace.db import rows_matched, utcnow
from marketplace.domain_errors import DomainError
from marketplace.notifications.services import queue_mail
from search_index import SearchQuery
from supplier_feeds import FeedError
from supplier_feeds.fetch import check_address

logger = logging.getLogger(__name__)

#: A confirmation link works this long.
CONFIRM_MAX_AGE = 7 * 24 * 3600
#: Alerts one owner may keep, so that one address cannot make the worker's pass slow.
MAX_ALERTS_PER_OWNER = 200

_CONFIRM_SUBJECT = _l("TradeRow: confirm your price alert")
_CONFIRM_BODY = _l(
    "Someone (we hope you) asked TradeRow to tell %(email)s when “%(label)s” changes. "
    "Open this link to confirm; until then we send nothing else: %(url)s"
)


class AlertError(DomainError):
    """An alert that cannot be set as asked."""


class AlertNotFound(AlertError):
    """No such alert, or it is somebody else's."""


class BadToken(AlertError):
    """A confirmation or unsubscribe link that is forged, broken or too old."""


# --- favourites ------------------------------------------------------------------------------


def toggle_favourite(session: Session, user: User, product_id: int) -> bool:
    """Add the product to ``user``'s favourites, or take it off; return whether it is a favourite now."""
    if session.get(Product, product_id) is None:
        raise AlertNotFound(product_id)
    existing = session.scalar(select(Favourite).where(Favourite.user_id == user.id, Favourite.product_id == product_id))
    if existing is not None:
        session.delete(existing)
        session.flush()
        return False
    session.add(Favourite(user_id=user.id, product_id=product_id))
    session.flush()
    return True


def favourite_ids(session: Session, user: User) -> set[int]:
    """Return the ids of the products ``user`` watches."""
    return set(session.scalars(select(Favourite.product_id).where(Favourite.user_id == user.id)))


def favourites_of(session: Session, user: User) -> list[ProductSummary]:
    """Return ``user``'s favourites, newest first, each with its current best offer."""
    ids = session.scalars(
        select(Favourite.product_id).where(Favourite.user_id == user.id).order_by(Favourite.id.desc())
    ).all()
    return product_summaries(session, list(ids))


# --- alerts ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AlertInput:
    """An alert as a form or the API asks for it; the form checked its shape."""

    kind: AlertKind
    product_id: int | None = None
    target_price: Decimal | None = None
    drop_percent: Decimal | None = None
    days: int | None = None
    #: SEARCH: the query string and the search it parsed into (the search form's ``to_query``).
    args: Mapping[str, Any] | None = None
    search: SearchQuery | None = None


def best_price(session: Session, product_id: int) -> Decimal | None:
    """Return the product's lowest in-stock active price in the base currency, or ``None``."""
    return session.scalar(
        select(func.min(Offer.price_base)).where(
            Offer.product_id == product_id, Offer.status == OfferStatus.ACTIVE, Offer.available.is_(True)
        )
    )


def create_alert(
    session: Session, data: AlertInput, *, user: User | None = None, email: str | None = None, locale: str | None = None
) -> Alert:
    """Set an alert for ``user``, or for ``email`` (which then has to confirm it); raise ``AlertError``."""
    if user is None and not email:
        raise AlertError(_l("Give an e-mail address to send the alert to."))
    email = email.strip().lower() if email and user is None else None
    owner = Alert.user_id == user.id if user is not None else Alert.email == email
    if (session.scalar(select(func.count()).where(owner)) or 0) >= MAX_ALERTS_PER_OWNER:
        raise AlertError(_l("You have %(num)d alerts already; remove some first.", num=MAX_ALERTS_PER_OWNER))
    alert = Alert(
        user_id=user.id if user is not None else None,
        email=email,
        locale=locale,
        confirmed_at=utcnow() if user is not None else None,
        kind=data.kind,
    )
    if data.kind == AlertKind.SEARCH:
        if data.search is None:
            raise AlertError(_l("There is no search to save."))
        alert.query = {"args": dict(data.args or {}), "search": _search_json(data.search)}
        alert.label = (data.search.text or str(_l("Any product")))[:255]
    else:
        product = session.get(Product, data.product_id) if data.product_id is not None else None
        if product is None:
            raise AlertNotFound(data.product_id)
        _check_rule(data)
        alert.product_id = product.id
        alert.label = product.title[:255]
        alert.target_price = data.target_price
        alert.drop_percent = data.drop_percent
        alert.days = data.days
        alert.last_price = alert.reference_price = best_price(session, product.id)
    session.add(alert)
    session.flush()
    logger.info("Alert %d (%s) set by %s", alert.id, alert.kind, f"user {user.id}" if user else "an e-mail address")
    return alert


def _check_rule(data: AlertInput) -> None:
    if data.kind == AlertKind.TARGET and (data.target_price is None or data.target_price <= 0):
        raise AlertError(_l("Give the price to wait for."))
    if data.kind == AlertKind.DROP and (data.drop_percent is None or not 0 < data.drop_percent < 100):
        raise AlertError(_l("Give a drop between 1 and 99 percent."))
    if data.kind == AlertKind.LOWEST and (data.days is None or not 1 <= data.days <= 365):
        raise AlertError(_l("Give a number of days between 1 and 365."))


def _search_json(search: SearchQuery) -> dict[str, Any]:
    values = dataclasses.asdict(search)
    # Paging and order say how to show results, not which offers match.
    for key in ("page", "per_page", "sort"):
        values.pop(key, None)
    return values


def saved_query(stored: Mapping[str, Any] | None) -> SearchQuery:
    """Return the search a SEARCH alert saved (its ``query``), as the search form parsed it then."""
    values = dict((stored or {}).get("search") or {})
    for key in ("suppliers", "brands", "conditions"):
        values[key] = tuple(values.get(key) or ())
    return SearchQuery(**values)


def alerts_of(session: Session, user: User) -> list[Alert]:
    """Return every alert and saved search of ``user``, newest first."""
    return list(session.scalars(select(Alert).where(Alert.user_id == user.id).order_by(Alert.id.desc())))


def get_alert(session: Session, user: User, alert_id: int) -> Alert:
    """Return ``user``'s alert ``alert_id``; raise ``AlertNotFound`` for anyone else's."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.user_id != user.id:
        raise AlertNotFound(alert_id)
    return alert


def update_alert(
    session: Session,
    user: User,
    alert_id: int,
    *,
    active: bool | None = None,
    target_price: Decimal | None = None,
    drop_percent: Decimal | None = None,
    days: int | None = None,
) -> Alert:
    """Change the threshold of ``user``'s alert, or pause and resume it."""
    alert = get_alert(session, user, alert_id)
    changed = AlertInput(
        kind=alert.kind,
        target_price=target_price if target_price is not None else alert.target_price,
        drop_percent=drop_percent if drop_percent is not None else alert.drop_percent,
        days=days if days is not None else alert.days,
    )
    if alert.kind != AlertKind.SEARCH:
        _check_rule(changed)
    alert.target_price, alert.drop_percent, alert.days = changed.target_price, changed.drop_percent, changed.days
    if active is not None:
        alert.active = active
    session.flush()
    return alert


def delete_alert(session: Session, user: User, alert_id: int) -> None:
    """Remove ``user``'s alert."""
    session.delete(get_alert(session, user, alert_id))
    session.flush()


# --- webhooks --------------------------------------------------------------------------------


def set_webhook(session: Session, user: User, url: str, *, allow_private: bool = False) -> AlertWebhook:
    """Point ``user``'s webhook at ``url`` (http or https, a public address) and return it with a fresh secret."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertError(_l("Give the full address of your system, starting with https://."))
    try:
        # A name is resolved (and checked again) when the worker calls it; an address is checked now.
        check_address(parts.hostname, host=parts.hostname, allow_private=allow_private)
    except ValueError:
        pass  # a name, not an address
    except FeedError as exc:
        raise AlertError(_l("This webhook address cannot be used: %(reason)s", reason=exc.message)) from exc
    hook = session.get(AlertWebhook, user.id)
    if hook is None:
        hook = AlertWebhook(user_id=user.id, url=url, secret=secrets.token_hex(32))
        session.add(hook)
    hook.url = url
    hook.secret = secrets.token_hex(32)
    hook.last_status = None
    session.flush()
    return hook


def webhook_of(session: Session, user: User) -> AlertWebhook | None:
    """Return ``user``'s webhook, if they set one."""
    return session.get(AlertWebhook, user.id)


def remove_webhook(session: Session, user: User) -> None:
    """Stop calling ``user``'s webhook."""
    hook = session.get(AlertWebhook, user.id)
    if hook is not None:
        session.delete(hook)
        session.flush()


# --- double opt-in and unsubscribing ---------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def confirm_token(alert: Alert) -> str:
    """Return the token of the link that confirms an anonymous alert."""
    return _serializer("alerts.confirm").dumps({"alert": alert.id, "email": alert.email})


def unsubscribe_token(recipient: str) -> str:
    """Return the token of the one-click unsubscribe link of every alert mail to ``recipient``."""
    # Not timed: the link in a mail must keep working for as long as mail is sent.
    return str(URLSafeSerializer(current_app.config["SECRET_KEY"], salt="alerts.unsubscribe").dumps(recipient.lower()))


def send_confirmation(session: Session, alert: Alert, confirm_url: str) -> None:
    """Queue the double opt-in mail for an anonymous alert, in the language it was set in."""
    locale = alert.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        body = str(_CONFIRM_BODY) % {"email": alert.email, "label": alert.label, "url": confirm_url}
        subject = str(_CONFIRM_SUBJECT)
    queue_mail(session, alert.email or "", subject, body, locale=locale)


def confirm_alert(session: Session, token: str, *, now: dt.datetime | None = None) -> Alert:
    """Confirm the anonymous alert a link names; raise ``BadToken`` for a forged or expired link."""
    try:
        data = _serializer("alerts.confirm").loads(token, max_age=CONFIRM_MAX_AGE)
    except BadSignature as exc:
        raise BadToken(_l("This confirmation link is broken or too old; set the alert again.")) from exc
    alert = session.get(Alert, int(data["alert"]))
    if alert is None or alert.email != data["email"]:
        raise BadToken(_l("This alert no longer exists."))
    if alert.confirmed_at is None:
        alert.confirmed_at = now or utcnow()
        session.flush()
        logger.info("Alert %d confirmed by its e-mail address", alert.id)
    return alert


def recipient_of(token: str) -> str:
    """Return the address an unsubscribe token was made for; raise ``BadToken``."""
    try:
        return str(URLSafeSerializer(current_app.config["SECRET_KEY"], salt="alerts.unsubscribe").loads(token))
    except BadSignature as exc:
        raise BadToken(_l("This unsubscribe link is broken.")) from exc


def unsubscribe(session: Session, token: str) -> int:
    """Stop every alert whose mail goes to the address the token names; return how many stopped."""
    recipient = recipient_of(token)
    user_ids = select(User.id).where(User.email == recipient)
    result = session.execute(
        update(Alert)
        .where(or_(Alert.email == recipient, Alert.user_id.in_(user_ids)), Alert.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    stopped = rows_matched(result)
    logger.info("Unsubscribed %d alerts of one recipient", stopped)
    return stopped


def forget_unconfirmed(session: Session, *, now: dt.datetime | None = None) -> int:
    """Delete anonymous alerts never confirmed within the link's lifetime; return how many."""
    horizon = (now or utcnow()) - dt.timedelta(seconds=CONFIRM_MAX_AGE)
    result = session.execute(
        delete(Alert).where(Alert.user_id.is_(None), Alert.confirmed_at.is_(None), Alert.created_at < horizon)
    )
    return rows_matched(result)
