"""Import every domain's models so that metadata and mappers know all tables.

Alembic's env.py and the app factory import this; nothing else needs to.
"""

from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import ApiToken
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem, RequestStatus
from marketplace.buyer_requests.models import QuoteMessage, RequestEvent, RequestMatch, Visibility
from marketplace.catalog.models import Category, ClickOut, Offer, OfferStatus, PriceHistory, Product
from marketplace.catalog.models import GroupingDecision, GroupingDecisionKind
from marketplace.jobs.models import Job, JobStatus
from marketplace.notifications.models import MailStatus, Notification, OutboxMail
from marketplace.search.models import IndexChange
from marketplace.shops.models import Lead, LeadItem, LeadStatus
from marketplace.suppliers.models import (
    FeedSource,
    ImportRun,
    ImportStatus,
    Supplier,
    SupplierCategory,
    SupplierColumnMapping,
)
from marketplace.suppliers.models import CategoryMappingRule, MappingSource

__all__ = [
    "GroupingDecision",
    "GroupingDecisionKind",
    "ApiToken",
    "MailStatus",
    "Notification",
    "OutboxMail",
    "QuoteMessage",
    "RequestEvent",
    "RequestMatch",
    "Visibility",
    "BuyerRequest",
    "Category",
    "CategoryMappingRule",
    "ClickOut",
    "FeedSource",
    "ImportRun",
    "ImportStatus",
    "IndexChange",
    "Lead",
    "LeadItem",
    "LeadStatus",
    "MappingSource",
    "Job",
    "JobStatus",
    "Offer",
    "OfferStatus",
    "PriceHistory",
    "Product",
    "Quote",
    "RequestItem",
    "RequestStatus",
    "Role",
    "Supplier",
    "SupplierCategory",
    "SupplierColumnMapping",
    "User",
]
