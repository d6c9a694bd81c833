"""The authorisation matrix: every role against every route of buyer requests, the supplier API, leads and moderation.

The routes come from ``app.url_map``, so a new route of the feature without an expectation
here fails ``test_every_route_of_the_feature_has_expectations``. Each call runs inside a
savepoint that is rolled back, so every role meets the same world: an open request with
two items, one with a rival's accepted quote, the other with the matched supplier's open
quote; and the owner's draft. The matched supplier also has an import run and a feed URL,
which the supplier API must keep from every other account. A status is not enough: the owner's successes are checked in
the database, and no other role's answer may carry a quote it must not see or the buyer's
contacts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, func, select

from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import create_token
from marketplace.alerts.models import Alert, AlertKind, Favourite
from marketplace.alerts.services import AlertInput, confirm_token, create_alert, unsubscribe_token
from marketplace.buyer_requests.awarding import accept_quote
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.models import BuyerRequest, Quote, QuoteMessage, Visibility
from marketplace.buyer_requests.publishing import publish_request
from marketplace.buyer_requests.quotes import submit_quote
from marketplace.catalog.models import Offer
from marketplace.crm.acquisition import ProspectInput, add_prospect
from marketplace.crm.campaigns import (
    Campaign,
    CampaignLink,
    CampaignRecipient,
    CampaignStatus,
    RecipientStatus,
    create_campaign,
    set_consent,
)
from marketplace.crm.lead_sources import collect_leads
from marketplace.crm.models import Customer, CustomerLink, CustomerNote, CustomerSegment, LinkSource, ValueSettings
from marketplace.crm.prospects import ProspectStage, SupplierProspect
from marketplace.crm.sync import sync_customers
from marketplace.db import get_session, utcnow
from marketplace.imports.feeds import add_feed_source
from marketplace.moderation.services import Target, hide
from marketplace.notifications.models import Notification
from marketplace.personal.models import HistoryClear
from marketplace.shops.models import Lead, LeadNote, LeadSource
from marketplace.suppliers.models import FeedSource, ImportRun, ImportStatus
from marketplace.suppliers.services import add_supplier
from marketplace.taxonomy.models import Category
from tests.support import factories
from tests.support.accounts import PASSWORD

ROLES = ("anonymous", "owner", "other_buyer", "supplier_matched", "supplier_unmatched", "admin")
#: Blueprints of the feature; the account page's token routes are added by name.
FEATURE_BLUEPRINTS = (
    "buyer_requests",
    "requests_api",
    "notifications",
    "dev",
    "supplier_api",
    "alerts",
    "alerts_api",
    "admin_moderation",
    # The customer database (operators) and the customer's rights (every account, its own data only).
    "crm",
    "crm_account",
    # Supplier acquisition: operators only.
    "crm_acquisition",
    "personal",
    # Campaigns (operators); a mail's links and unsubscribe (whoever holds the token); the consent box.
    "campaigns",
    "campaign_links",
    "campaign_consent",
)
FEATURE_ENDPOINTS = (
    "accounts.account",
    "accounts.create_api_token",
    "accounts.revoke_api_token",
    "portal.leads",
    "portal.lead",
    "portal.move",
    "portal.note",
    # Analytics: the operator's dashboard, and each supplier's own numbers.
    "analytics.dashboard",
    "analytics.export",
    "portal.numbers",
    "portal.numbers_csv",
    # Prometheus' figures: by the caller's address, not the role (test_metrics.py refuses the others).
    "metrics.metrics",
)

#: Shorthands: ``LOGIN`` is the redirect to the login page.
LOGIN = "login"


def by_role(anonymous: Any, owner: Any, other_buyer: Any, matched: Any, unmatched: Any, admin: Any) -> dict[str, Any]:
    return dict(zip(ROLES, (anonymous, owner, other_buyer, matched, unmatched, admin), strict=True))


def hidden_or(public: int) -> Callable[[str], int]:
    """404 while the request is for matched suppliers only, ``public`` when everyone sees it."""
    return lambda visibility: 404 if visibility == "matched" else public


#: The buyer's contact details: nobody but the owner (and a supplier whose quote the owner
#: accepted, which none of the roles has) ever reads them.
OWNER_EMAIL = "owner@example.com"
OWNER_PHONE = "+380 67 000 11 22"
#: Notes of the two quotes in the world: the matched supplier's own, and its rival's (accepted).
OWN_NOTE = "Note of Knife House: forged steel"
RIVAL_NOTE = "Note of Blade House: our best price"


def sealed_from(role: str) -> tuple[str, ...]:
    """Return what ``role``'s answers must never contain (operators see every quote by design)."""
    contacts = (OWNER_EMAIL, OWNER_PHONE)
    if role == "owner":
        return ()
    if role == "admin":
        return contacts
    if role == "supplier_matched":
        return (*contacts, RIVAL_NOTE)
    # Nor the suppliers' contacts, which only the two sides of an accepted quote exchange.
    return (*contacts, OWN_NOTE, RIVAL_NOTE, "s1@knife.example", "sales@blade.example")


def status_is(status: str, key: str = "request_id") -> Callable[[Connection, dict[str, int]], bool]:
    return lambda conn, ids: conn.scalar(select(BuyerRequest.status).where(BuyerRequest.id == ids[key])) == status


def title_is(title: str) -> Callable[[Connection, dict[str, int]], bool]:
    return lambda conn, ids: (
        conn.scalar(select(BuyerRequest.title).where(BuyerRequest.id == ids["request_id"])) == title
    )


def quote_accepted(conn: Connection, ids: dict[str, int]) -> bool:
    return bool(conn.scalar(select(Quote.accepted).where(Quote.id == ids["quote_id"])))


def message_posted(conn: Connection, ids: dict[str, int]) -> bool:
    return bool(
        conn.scalar(select(func.count()).select_from(QuoteMessage).where(QuoteMessage.quote_id == ids["quote_id"]))
    )


@dataclass(frozen=True)
class Call:
    #: Statuses by role; a callable takes the request's visibility.
    expect: dict[str, Any]
    #: Form data (pages) or JSON (API) sent with a POST.
    body: Callable[[dict[str, int]], dict[str, Any]] | None = None
    #: For the owner: whether the call really did its work, read from the database before the rollback.
    done: Callable[[Connection, dict[str, int]], bool] | None = None
    #: URL arguments that differ from the world's defaults (``request_id`` of the draft).
    args: Callable[[dict[str, int]], dict[str, Any]] | None = None
    #: The role whose success ``done`` checks: the buyer who owns the request, or the supplier who owns a catalog.
    doer: str = "owner"
    #: The body goes as a multipart form (a file upload), not as JSON.
    multipart: bool = False


def owner_cleared(conn: Connection, ids: dict[str, int]) -> bool:
    # Each call's writes are rolled back after it: a clear that names an account is the owner's.
    return conn.scalar(select(HistoryClear.id).where(HistoryClear.user_id.is_not(None))) is not None


def offer_price_is(price: str) -> Callable[[Connection, dict[str, int]], bool]:
    return lambda conn, ids: conn.scalar(select(Offer.price).where(Offer.id == ids["offer_id"])) == Decimal(price)


def feed_interval_is(hours: int | None) -> Callable[[Connection, dict[str, int]], bool]:
    return lambda conn, ids: (
        conn.scalar(select(FeedSource.interval_hours).where(FeedSource.id == ids["feed_id"])) == hours
    )


def offer_pushed(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(Offer.id).where(Offer.supplier_sku == "K-PUSHED")) is not None


def alert_target_is(price: str) -> Callable[[Connection, dict[str, int]], bool]:
    return lambda conn, ids: (
        conn.scalar(select(Alert.target_price).where(Alert.id == ids["alert_id"])) == Decimal(price)
    )


def alert_gone(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(Alert.id).where(Alert.id == ids["alert_id"])) is None


def guest_alert_is(*, active: bool | None = None, confirmed: bool | None = None) -> Callable[..., bool]:
    def check(conn: Connection, ids: dict[str, int]) -> bool:
        alert = conn.execute(select(Alert.active, Alert.confirmed_at).where(Alert.id == ids["guest_alert_id"])).one()
        return (active is None or alert.active == active) and (confirmed is None or (alert.confirmed_at is not None))

    return check


def owner_favourite(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(Favourite.id).where(Favourite.product_id == ids["product_id"])) is not None


def with_token(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda ids: {**ids, "token": ids[name]}


def lead_stage_is(stage: str) -> Callable[[Connection, dict[str, int]], bool]:
    return lambda conn, ids: conn.scalar(select(Lead.status).where(Lead.id == ids["lead_id"])) == stage


def lead_noted(conn: Connection, ids: dict[str, int]) -> bool:
    return bool(conn.scalar(select(func.count()).select_from(LeadNote).where(LeadNote.lead_id == ids["lead_id"])))


def request_hidden(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(BuyerRequest.hidden_at).where(BuyerRequest.id == ids["request_id"])) is not None


def offer_shown_again(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(Offer.hidden_at).where(Offer.id == ids["target_id"])) is None


def customer_noted(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(CustomerNote.id).where(CustomerNote.customer_id == ids["customer_id"])) is not None


def customers_merged(conn: Connection, ids: dict[str, int]) -> bool:
    return (
        conn.scalar(select(Customer.merged_into_id).where(Customer.id == ids["customer_id"]))
        == ids["owner_customer_id"]
    )


def customer_is_company(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(Customer.company).where(Customer.id == ids["customer_id"])) == "Other LLC"


def customer_imported(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(Customer.id).where(Customer.email == "imported@example.com")) is not None


def segment_saved(conn: Connection, ids: dict[str, int]) -> bool:
    # The matrix posts no query string: the segment holds no filters, i.e. everyone.
    return conn.scalar(select(CustomerSegment.filters).where(CustomerSegment.name == "Gold buyers")) == {}


def campaign_sending(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(Campaign.status).where(Campaign.id == ids["campaign_id"])) == CampaignStatus.SENDING


def campaign_written(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(func.count(Campaign.id)).where(Campaign.subject == "Spring prices")) == 1


def link_clicked(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(CampaignLink.clicked_at).where(CampaignLink.token == ids["link_token"])) is not None


def owner_consents(consent: bool) -> Callable[[Connection, dict[str, int]], bool]:
    return lambda conn, ids: conn.scalar(select(User.marketing_consent).where(User.id == ids["owner_id"])) is consent


def segment_deleted(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(CustomerSegment.id).where(CustomerSegment.id == ids["segment_id"])) is None


def prices_saved(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(ValueSettings.gold_percent)) == 10


def owner_deleted(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(User.email).where(User.id == ids["owner_id"])) != OWNER_EMAIL


def prospect_is(column: Any, value: Any) -> Callable[[Connection, dict[str, int]], bool]:
    return lambda conn, ids: conn.scalar(select(column).where(SupplierProspect.id == ids["prospect_id"])) == value


def prospect_added(conn: Connection, ids: dict[str, int]) -> bool:
    return conn.scalar(select(SupplierProspect.id).where(SupplierProspect.email == "new@prospect.example")) is not None


def prospect_linked(conn: Connection, ids: dict[str, int]) -> bool:
    return (
        conn.scalar(select(SupplierProspect.supplier_id).where(SupplierProspect.id == ids["prospect_id"])) is not None
    )


def on_draft(ids: dict[str, int]) -> dict[str, int]:
    return {**ids, "request_id": ids["draft_id"]}


H = hidden_or
EXPECTATIONS: dict[tuple[str, str], Call] = {
    # --- pages ----------------------------------------------------------------------------
    ("buyer_requests.index", "GET"): Call(by_role(200, 200, 200, 200, 200, 200)),
    ("buyer_requests.new", "GET"): Call(by_role(LOGIN, 200, 200, 403, 403, 200)),
    ("buyer_requests.new", "POST"): Call(
        by_role(LOGIN, 302, 302, 403, 403, 302),
        lambda w: {"title": "Mine", "items-0-text": "Pan", "items-0-quantity": "1"},
    ),
    ("buyer_requests.detail", "GET"): Call(by_role(H(200), 200, H(200), 200, H(200), 200)),
    ("buyer_requests.edit", "GET"): Call(by_role(LOGIN, 200, H(403), 403, H(403), 403)),
    ("buyer_requests.edit", "POST"): Call(
        by_role(LOGIN, 302, H(403), 403, H(403), 403),
        lambda w: {
            "title": "Renamed",
            "items-0-id": str(w["item_id"]),
            "items-0-text": "Knife",
            "items-0-quantity": "2",
            # The item with the accepted quote stays as it is: it may not change or go.
            "items-1-id": str(w["accepted_item_id"]),
            "items-1-text": "Bread knife",
            "items-1-quantity": "1",
        },
        done=title_is("Renamed"),
    ),
    # Only a draft can be published: the owner's draft, which nobody else may even see.
    ("buyer_requests.publish", "POST"): Call(
        by_role(LOGIN, 302, 404, 404, 404, 403), lambda w: {}, done=status_is("open", "draft_id"), args=on_draft
    ),
    ("buyer_requests.close", "POST"): Call(
        by_role(LOGIN, 302, H(403), 403, H(403), 403), lambda w: {}, done=status_is("closed")
    ),
    ("buyer_requests.award", "POST"): Call(
        by_role(LOGIN, 302, H(403), 403, H(403), 403), lambda w: {}, done=status_is("awarded")
    ),
    ("buyer_requests.quote", "POST"): Call(
        by_role(LOGIN, 403, 403, 302, H(302), 403),
        lambda w: {f"item-{w['item_id']}-price": "10", f"item-{w['item_id']}-currency": "UAH"},
    ),
    ("buyer_requests.message", "POST"): Call(
        by_role(LOGIN, 302, 404, 302, 404, 403),
        lambda w: {f"quote-{w['quote_id']}-body": "Hello"},
        done=message_posted,
    ),
    ("buyer_requests.accept", "POST"): Call(by_role(LOGIN, 302, 404, 403, 404, 403), lambda w: {}, done=quote_accepted),
    ("notifications.index", "GET"): Call(by_role(LOGIN, 200, 200, 200, 200, 200)),
    ("notifications.read", "POST"): Call(by_role(LOGIN, 302, 404, 404, 404, 404), lambda w: {}),
    ("notifications.read_all", "POST"): Call(by_role(LOGIN, 302, 302, 302, 302, 302), lambda w: {}),
    # The outbox exists in debug and testing only; there anyone may look (it is a developer's machine).
    ("dev.dev_outbox", "GET"): Call(by_role(200, 200, 200, 200, 200, 200)),
    ("accounts.account", "GET"): Call(by_role(LOGIN, 200, 200, 200, 200, 200)),
    ("accounts.create_api_token", "POST"): Call(by_role(LOGIN, 200, 200, 200, 200, 200), lambda w: {"name": "x"}),
    ("accounts.revoke_api_token", "POST"): Call(by_role(LOGIN, 302, 404, 404, 404, 404), lambda w: {}),
    # Alerts and favourites: anyone may set an alert (a visitor confirms by mail); only the owner edits it.
    ("alerts.index", "GET"): Call(by_role(LOGIN, 200, 200, 200, 200, 200)),
    ("alerts.add_product_alert", "POST"): Call(
        by_role(302, 302, 302, 302, 302, 302),
        lambda w: {"kind": "target", "target_price": "100", "email": "x@example.com"},
    ),
    ("alerts.save_search", "POST"): Call(by_role(302, 302, 302, 302, 302, 302), lambda w: {"email": "x@example.com"}),
    ("alerts.edit", "POST"): Call(
        by_role(LOGIN, 302, 404, 404, 404, 404), lambda w: {"target_price": "50"}, done=alert_target_is("50")
    ),
    ("alerts.delete", "POST"): Call(by_role(LOGIN, 302, 404, 404, 404, 404), lambda w: {}, done=alert_gone),
    # The signed token is the capability: whoever holds the mail's link may confirm or unsubscribe.
    ("alerts.confirm", "GET"): Call(
        by_role(200, 200, 200, 200, 200, 200), done=guest_alert_is(confirmed=True), args=with_token("confirm_token")
    ),
    ("alerts.unsubscribe_page", "GET"): Call(
        by_role(200, 200, 200, 200, 200, 200), done=guest_alert_is(active=True), args=with_token("unsubscribe_token")
    ),
    ("alerts.unsubscribe_now", "POST"): Call(
        by_role(200, 200, 200, 200, 200, 200),
        lambda w: {},
        done=guest_alert_is(active=False),
        args=with_token("unsubscribe_token"),
    ),
    # Each account sets its own webhook: nobody reaches another's.
    ("alerts.webhook", "POST"): Call(
        by_role(LOGIN, 302, 302, 302, 302, 302), lambda w: {"url": "https://hooks.example.com/traderow"}
    ),
    ("alerts.delete_webhook", "POST"): Call(by_role(LOGIN, 302, 302, 302, 302, 302), lambda w: {}),
    ("alerts.favourites", "GET"): Call(by_role(LOGIN, 200, 200, 200, 200, 200)),
    # --- recently viewed: each visitor (cookie or account) sees and clears only their own ---
    ("personal.recently_viewed", "GET"): Call(by_role(200, 200, 200, 200, 200, 200)),
    ("personal.clear", "POST"): Call(by_role(302, 302, 302, 302, 302, 302), lambda w: {}, done=owner_cleared),
    ("alerts.toggle", "POST"): Call(by_role(LOGIN, 302, 302, 302, 302, 302), lambda w: {}, done=owner_favourite),
    # --- analytics: operators see everything, a supplier their own numbers only -----------
    ("analytics.dashboard", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("analytics.export", "GET"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 200), args=lambda w: {**w, "name": "searches"}
    ),
    ("portal.numbers", "GET"): Call(by_role(LOGIN, 403, 403, 200, 200, 403)),
    ("portal.numbers_csv", "GET"): Call(
        by_role(LOGIN, 403, 403, 200, 200, 403), args=lambda w: {**w, "name": "prices"}
    ),
    # --- API (bearer tokens) --------------------------------------------------------------
    ("alerts_api.list_alerts", "GET"): Call(by_role(401, 200, 200, 200, 200, 200)),
    ("alerts_api.create", "POST"): Call(
        by_role(401, 201, 201, 201, 201, 201), lambda w: {"kind": "stock", "product_id": w["product_id"]}
    ),
    ("alerts_api.update_alert", "PATCH"): Call(
        by_role(401, 200, 404, 404, 404, 404), lambda w: {"target_price": "50"}, done=alert_target_is("50")
    ),
    ("alerts_api.remove", "DELETE"): Call(by_role(401, 204, 404, 404, 404, 404), done=alert_gone),
    ("requests_api.list_requests", "GET"): Call(by_role(200, 200, 200, 200, 200, 200)),
    ("requests_api.create_request", "POST"): Call(
        by_role(401, 201, 201, 403, 403, 201), lambda w: {"title": "Via API", "items": [{"text": "Pan", "quantity": 1}]}
    ),
    ("requests_api.show_request", "GET"): Call(by_role(H(200), 200, H(200), 200, H(200), 200)),
    ("requests_api.list_quotes", "GET"): Call(by_role(401, 200, H(403), 200, H(200), 200)),
    ("requests_api.create_quote", "POST"): Call(
        by_role(401, 403, H(403), 201, H(201), 403), lambda w: {"item_id": w["item_id"], "price": "9.50"}
    ),
    ("requests_api.accept", "POST"): Call(by_role(401, 200, 404, 404, 404, 403), lambda w: {}, done=quote_accepted),
    ("requests_api.update", "PATCH"): Call(
        by_role(401, 200, H(403), 403, H(403), 403), lambda w: {"title": "Renamed"}, done=title_is("Renamed")
    ),
    ("requests_api.publish", "POST"): Call(
        by_role(401, 200, 404, 404, 404, 403), lambda w: {}, done=status_is("open", "draft_id"), args=on_draft
    ),
    ("requests_api.close", "POST"): Call(
        by_role(401, 200, H(403), 403, H(403), 403), lambda w: {}, done=status_is("closed")
    ),
    ("requests_api.award", "POST"): Call(
        by_role(401, 200, H(403), 403, H(403), 403), lambda w: {}, done=status_is("awarded")
    ),
    ("requests_api.post_quote_message", "POST"): Call(
        by_role(401, 201, 404, 201, 404, 403), lambda w: {"body": "Hello"}, done=message_posted
    ),
    # --- the supplier API: the matched supplier's catalog, run and feed; nobody else's -----
    ("supplier_api.list_offers", "GET"): Call(by_role(401, 403, 403, 200, 200, 403)),
    ("supplier_api.push_offers", "POST"): Call(
        by_role(401, 403, 403, 201, 201, 403),
        lambda w: {"offers": [{"sku": "K-PUSHED", "title": "Santoku knife", "price": "700"}]},
        done=offer_pushed,
        doer="supplier_matched",
    ),
    # K1 is the matched supplier's offer: to another supplier it is an unknown sku.
    ("supplier_api.update_offers", "PATCH"): Call(
        by_role(401, 403, 403, 200, 422, 403),
        lambda w: {"offers": [{"sku": "K1", "price": "850"}]},
        done=offer_price_is("850"),
        doer="supplier_matched",
    ),
    ("supplier_api.list_imports", "GET"): Call(by_role(401, 403, 403, 200, 200, 403)),
    ("supplier_api.show_import", "GET"): Call(by_role(401, 403, 403, 200, 404, 403)),
    ("supplier_api.upload_import", "POST"): Call(
        by_role(401, 403, 403, 202, 202, 403),
        lambda w: {"file": (io.BytesIO(b"sku;title;price\nK2;Knife;100\n"), "knives.csv")},
        multipart=True,
    ),
    ("supplier_api.list_feeds", "GET"): Call(by_role(401, 403, 403, 200, 200, 403)),
    ("supplier_api.create_feed", "POST"): Call(
        by_role(401, 403, 403, 201, 201, 403), lambda w: {"url": "https://knife.example/second.xml"}
    ),
    ("supplier_api.update_feed", "PATCH"): Call(
        by_role(401, 403, 403, 200, 404, 403),
        lambda w: {"interval_hours": 12},
        done=feed_interval_is(12),
        doer="supplier_matched",
    ),
    ("supplier_api.delete_feed", "DELETE"): Call(
        by_role(401, 403, 403, 204, 404, 403), done=feed_interval_is(None), doer="supplier_matched"
    ),
    ("supplier_api.list_leads", "GET"): Call(by_role(401, 403, 403, 200, 200, 403)),
    ("supplier_api.update_lead", "PATCH"): Call(
        by_role(401, 403, 403, 200, 404, 403),
        lambda w: {"stage": "won", "note": "Signed"},
        done=lead_stage_is("won"),
        doer="supplier_matched",
    ),
    # --- the leads pipeline: the matched supplier's lead (the request matched its catalog) ---
    ("portal.leads", "GET"): Call(by_role(LOGIN, 403, 403, 200, 200, 403)),
    ("portal.lead", "GET"): Call(by_role(LOGIN, 403, 403, 200, 404, 403)),
    ("portal.move", "POST"): Call(
        by_role(LOGIN, 403, 403, 302, 404, 403),
        lambda w: {"stage": "contacted"},
        done=lead_stage_is("contacted"),
        doer="supplier_matched",
    ),
    ("portal.note", "POST"): Call(
        by_role(LOGIN, 403, 403, 302, 404, 403), lambda w: {"note": "Called"}, done=lead_noted, doer="supplier_matched"
    ),
    # --- the customer database: operators only; the other buyer's record is the one opened --
    ("crm.customers", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm.export", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm.import_csv", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 200),
        lambda w: {"file": (io.BytesIO(b"name,email\nNew,imported@example.com\n"), "customers.csv")},
        done=customer_imported,
        doer="admin",
        multipart=True,
    ),
    ("crm.duplicates", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm.merge", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {"keep_id": str(w["owner_customer_id"]), "absorb_id": str(w["customer_id"])},
        done=customers_merged,
        doer="admin",
    ),
    ("crm.customer", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm.note", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {"kind": "call", "body": "Called"},
        done=customer_noted,
        doer="admin",
    ),
    ("crm.details", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {"name": "Other", "company": "Other LLC", "tax_id": "12345678"},
        done=customer_is_company,
        doer="admin",
    ),
    # Segments and the prices behind tiers: operators only.
    ("crm.save_segment_view", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {"name": "Gold buyers"},
        done=segment_saved,
        doer="admin",
    ),
    ("crm.segments", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm.segment", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm.segment_export", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm.segment_delete", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302), lambda w: {}, done=segment_deleted, doer="admin"
    ),
    ("crm.value_settings", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm.save_value_settings", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {
            "clickout_price": "2",
            "lead_price": "50",
            "hourly_cost": "300",
            "failed_import_cost": "25",
            "note_minutes": "5",
            "call_minutes": "15",
            "gold_percent": "10",
            "window_days": "90",
        },
        done=prices_saved,
        doer="admin",
    ),
    # Each account downloads and deletes only itself; an operator's account is closed by another operator.
    ("crm_account.data", "GET"): Call(by_role(LOGIN, 200, 200, 200, 200, 200)),
    ("crm_account.delete_page", "GET"): Call(by_role(LOGIN, 200, 200, 200, 200, 200)),
    ("crm_account.delete", "POST"): Call(
        by_role(LOGIN, 302, 302, 302, 302, 403), lambda w: {"password": PASSWORD}, done=owner_deleted
    ),
    # --- /metrics: the test client calls from loopback, which is let in whoever is logged in --
    ("metrics.metrics", "GET"): Call(by_role(200, 200, 200, 200, 200, 200)),
    # --- supplier acquisition: operators only ---------------------------------------------
    ("crm_acquisition.index", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm_acquisition.add", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {"company": "New Shop", "email": "new@prospect.example", "language": "uk"},
        done=prospect_added,
        doer="admin",
    ),
    ("crm_acquisition.prospect", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("crm_acquisition.update", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {"company": "Renamed Wholesale", "email": "hello@wholesale.example", "language": "en"},
        done=prospect_is(SupplierProspect.company, "Renamed Wholesale"),
        doer="admin",
    ),
    ("crm_acquisition.send_invitation", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {},
        done=prospect_is(SupplierProspect.stage, ProspectStage.INVITED.value),
        doer="admin",
    ),
    ("crm_acquisition.link", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302), lambda w: {"slug": "garden-co"}, done=prospect_linked, doer="admin"
    ),
    # --- campaigns: operators write and send; a mail's token is the capability; each account its own consent
    ("campaigns.index", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("campaigns.create", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {"segment_id": str(w["segment_id"]), "subject": "Spring prices", "body": "Hello {name}"},
        done=campaign_written,
        doer="admin",
    ),
    ("campaigns.campaign", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("campaigns.send", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302), lambda w: {}, done=campaign_sending, doer="admin"
    ),
    ("campaign_links.follow", "GET"): Call(
        by_role(302, 302, 302, 302, 302, 302), done=link_clicked, args=with_token("link_token")
    ),
    ("campaign_links.unsubscribe_page", "GET"): Call(
        by_role(200, 200, 200, 200, 200, 200), done=owner_consents(True), args=with_token("recipient_token")
    ),
    ("campaign_links.unsubscribe_now", "POST"): Call(
        by_role(200, 200, 200, 200, 200, 200),
        lambda w: {},
        done=owner_consents(False),
        args=with_token("recipient_token"),
    ),
    ("campaign_consent.marketing", "POST"): Call(
        by_role(LOGIN, 302, 302, 302, 302, 302), lambda w: {}, done=owner_consents(False)
    ),
    # --- moderation: operators only -------------------------------------------------------
    ("admin_moderation.index", "GET"): Call(by_role(LOGIN, 403, 403, 403, 403, 200)),
    ("admin_moderation.hide_thing", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302),
        lambda w: {"target": "request", "target_id": str(w["request_id"]), "reason": "Junk"},
        done=request_hidden,
        doer="admin",
    ),
    # The rival's offer B1, which an operator hid when the world was made.
    ("admin_moderation.show_thing", "POST"): Call(
        by_role(LOGIN, 403, 403, 403, 403, 302), lambda w: {}, done=offer_shown_again, doer="admin"
    ),
}


def feature_rules(app: Flask) -> list[tuple[str, str, Any]]:
    """Return ``(endpoint, method, rule)`` for every route of the feature."""
    found = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint.split(".", 1)[0] in FEATURE_BLUEPRINTS or endpoint in FEATURE_ENDPOINTS:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((endpoint, method, rule))
    return found


def test_every_route_of_the_feature_has_expectations(app: Flask) -> None:
    routes = {(endpoint, method) for endpoint, method, _rule in feature_rules(app)}

    assert routes - EXPECTATIONS.keys() == set(), "a route of the feature has no row in the matrix"
    assert EXPECTATIONS.keys() - routes == set(), "the matrix names a route that no longer exists"


def build_world(app: Flask, visibility: str) -> dict[str, Any]:
    """Create the people, the owner's request (matched suppliers only, or public) and draft; return ids and tokens.

    The request has two items. A rival of the matched supplier (Blade House, whose team
    plays no role) has its quote on the second accepted, so contacts were exchanged between
    the owner and Blade House; the matched supplier's quote on the first is open.
    """
    with app.app_context():
        session = get_session()
        category_id = session.scalar(select(Category.id).where(Category.google_id == 665))
        matched = add_supplier(session, "knife-house", name="Knife House", store_url="https://knife.example/")
        unmatched = add_supplier(session, "garden-co", name="Garden Co", store_url="https://garden.example/")
        rival = factories.supplier(session, "blade", name="Blade House")
        rival.contact_email = "sales@blade.example"
        for sku, seller in (("K1", matched), ("B1", rival)):
            factories.offer(session, seller, sku, title="Chef's knife", price=900, category_id=category_id)
        users = {
            "owner": factories.user(
                session, OWNER_EMAIL, role=Role.BUYER, display_name="Owner Person", phone=OWNER_PHONE
            ),
            "other_buyer": factories.user(session, "other@example.com", role=Role.BUYER),
            "supplier_matched": factories.user(session, "s1@knife.example", role=Role.SUPPLIER, supplier=matched),
            "supplier_unmatched": factories.user(session, "s2@garden.example", role=Role.SUPPLIER, supplier=unmatched),
            "admin": factories.user(session, "ops@example.com", role=Role.ADMIN),
        }
        buyer_request = publish_request(
            session,
            users["owner"],
            title="Knives",
            items=[
                ItemInput("Chef's knife", Decimal(2), category_id=category_id),
                ItemInput("Bread knife", Decimal(1), category_id=category_id),
            ],
            visibility=Visibility(visibility),
        )
        assert sorted(m.supplier_id for m in buyer_request.matches) == sorted([matched.id, rival.id])
        item, accepted_item = buyer_request.items
        quote = submit_quote(session, matched, item, price=Decimal(880), currency="UAH", note=OWN_NOTE)
        rival_quote = submit_quote(session, rival, accepted_item, price=Decimal(700), currency="UAH", note=RIVAL_NOTE)
        accept_quote(session, rival_quote, users["owner"])
        collect_leads(session)
        lead = session.scalar(select(Lead).where(Lead.supplier_id == matched.id))
        assert lead is not None and lead.source == LeadSource.MATCH
        hidden_offer = session.scalar(select(Offer.id).where(Offer.supplier_sku == "B1"))
        assert hidden_offer is not None
        hide(session, Target.OFFER, hidden_offer, "Counterfeit", users["admin"])
        draft = publish_request(
            session, users["owner"], title="Draft knives", items=[ItemInput("Paring knife", Decimal(3))], draft=True
        )
        notification = session.scalar(select(Notification.id).where(Notification.user_id == users["owner"].id))
        run = ImportRun(supplier=matched, filename="knives.yml", status=ImportStatus.SUCCEEDED)
        session.add(run)
        feed = add_feed_source(session, matched, "https://knife.example/feed.xml", interval_hours=24)
        own_offer = session.scalar(select(Offer.id).where(Offer.supplier_id == matched.id, Offer.supplier_sku == "K1"))
        product_id = session.scalar(select(Offer.product_id).where(Offer.supplier_sku == "K1"))
        alert = create_alert(session, AlertInput(AlertKind.TARGET, product_id, Decimal(800)), user=users["owner"])
        guest = create_alert(session, AlertInput(AlertKind.STOCK, product_id), email="guest@example.com")
        token, _secret = create_token(session, users["owner"], "owner's")
        secrets = {role: create_token(session, user, "matrix")[1] for role, user in users.items()}
        prospect = add_prospect(
            session, ProspectInput(company="Wholesale Co", email="hello@wholesale.example"), users["admin"]
        )
        sync_customers(session)
        segment = CustomerSegment(name="Everyone", filters={})
        session.add(segment)
        session.flush()
        set_consent(session, users["owner"], True, source="account", now=utcnow())
        campaign = create_campaign(session, segment, "News", "Hello {name}", user=users["admin"])
        sent = create_campaign(session, segment, "Sent news", "Hello {name}", user=users["admin"])
        sent.status = CampaignStatus.SENT
        recipient = CampaignRecipient(
            campaign_id=sent.id, user_id=users["owner"].id, token="recipient-token", status=RecipientStatus.SENT
        )
        session.add(recipient)
        session.flush()
        session.add(CampaignLink(recipient_id=recipient.id, path=f"/products/{product_id}", token="link-token"))
        session.flush()

        def customer_of(user: User) -> int | None:
            return session.scalar(
                select(CustomerLink.customer_id).where(
                    CustomerLink.source == LinkSource.USER, CustomerLink.source_id == user.id
                )
            )

        session.commit()
        return {
            "ids": {
                "request_id": buyer_request.id,
                "item_id": item.id,
                "accepted_item_id": accepted_item.id,
                "quote_id": quote.id,
                "draft_id": draft.id,
                "notification_id": notification,
                "token_id": token.id,
                "run_id": run.id,
                "feed_id": feed.id,
                "offer_id": own_offer,
                "product_id": product_id,
                "alert_id": alert.id,
                "guest_alert_id": guest.id,
                "confirm_token": confirm_token(guest),
                "unsubscribe_token": unsubscribe_token("guest@example.com"),
                "lead_id": lead.id,
                "target": "offer",  # type: ignore[dict-item]  # a route argument, not an id
                "target_id": hidden_offer,
                "owner_id": users["owner"].id,
                "owner_customer_id": customer_of(users["owner"]),
                "customer_id": customer_of(users["other_buyer"]),
                "prospect_id": prospect.id,
                "segment_id": segment.id,
                "campaign_id": campaign.id,
                "link_token": "link-token",  # type: ignore[dict-item]  # a route argument, not an id
                "recipient_token": "recipient-token",  # type: ignore[dict-item]
            },
            "users": {role: user.get_id() for role, user in users.items()},
            "secrets": secrets,
        }


@pytest.mark.parametrize("visibility", ["matched", "all"])
def test_the_authorisation_matrix(app: Flask, connection: Connection, visibility: str) -> None:
    world = build_world(app, visibility)
    ids = world["ids"]
    failures = []
    for endpoint, method, rule in feature_rules(app):
        call = EXPECTATIONS[(endpoint, method)]
        args = call.args(ids) if call.args is not None else ids
        url = rule.build({name: args[name] for name in rule.arguments}, append_unknown=False)[1]
        is_api = url.startswith("/api/")
        for role in ROLES:
            expected = call.expect[role]
            expected = expected(visibility) if callable(expected) else expected
            client = app.test_client()
            headers = {}
            if role != "anonymous":
                if is_api:
                    headers["Authorization"] = f"Bearer {world['secrets'][role]}"
                else:
                    with client.session_transaction() as flask_session:
                        flask_session["_user_id"] = world["users"][role]
                        flask_session["_fresh"] = True
            kwargs: dict[str, Any] = {"headers": headers}
            if call.body is not None:
                kwargs["json" if is_api and not call.multipart else "data"] = call.body(ids)
            savepoint = connection.begin_nested()
            try:
                response = client.open(url, method=method, **kwargs)
                if role == call.doer and call.done is not None and not call.done(connection, ids):
                    failures.append(f"{method} {url} as {role}: answered {response.status_code} but did nothing")
            finally:
                savepoint.rollback()
            got: Any = response.status_code
            if got == 302 and "/account/login" in response.headers.get("Location", ""):
                got = LOGIN
            if got != expected:
                failures.append(f"{method} {url} as {role}: expected {expected}, got {got}")
            # The development outbox shows every mail by design, and exists only in debug and testing.
            if not endpoint.startswith("dev."):
                body = response.get_data(as_text=True)
                sealed = sealed_from(role)
                if role == "admin" and endpoint.startswith(("crm.", "campaigns.")):
                    # The customer database is where operators read customers' contacts, by design.
                    sealed = tuple(secret for secret in sealed if secret not in (OWNER_EMAIL, OWNER_PHONE))
                leaked = [secret for secret in sealed if secret in body]
                if leaked:
                    failures.append(f"{method} {url} as {role}: the answer shows {leaked}")
    assert failures == []
