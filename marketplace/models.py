"""Import every domain's models so that metadata and mappers know all tables.

Alembic's env.py and the app factory import this; nothing else needs to.
"""

from marketplace.accounts.credentials import MailLink, RememberToken
from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import ApiToken
from marketplace.alerts.models import Alert, AlertCheck, AlertHit, AlertKind, AlertWebhook, Favourite
from marketplace.analytics.models import DaySketch, Rollup, VisitorDay
from marketplace.buyer_requests.models import (
    BuyerRequest,
    Quote,
    QuoteMessage,
    RequestEvent,
    RequestItem,
    RequestMatch,
    RequestStatus,
    Visibility,
)
from marketplace.catalog.models import (
    ClickOut,
    GroupingCandidate,
    GroupingDecision,
    GroupingDecisionKind,
    Offer,
    OfferStatus,
    PriceHistory,
    Product,
)
from marketplace.changes.models import IndexChange
from marketplace.crm.campaigns import Campaign, CampaignLink, CampaignRecipient
from marketplace.crm.models import Customer, CustomerLink, CustomerNote
from marketplace.crm.prospects import ProspectMove, SupplierProspect
from marketplace.events.models import AnalyticsEvent
from marketplace.files.models import StoredFilePart
from marketplace.jobs.models import Job, JobStatus
from marketplace.notifications.models import MailStatus, Notification, OutboxMail
from marketplace.personal.models import HistoryClear
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind
from marketplace.shops.models import Lead, LeadItem, LeadStatus
from marketplace.supplier_api.models import IdempotencyKey
from marketplace.suppliers.models import (
    CategoryMappingRule,
    FeedSource,
    ImportRun,
    ImportStatus,
    MappingSource,
    Supplier,
    SupplierCategory,
    SupplierColumnMapping,
)
from marketplace.taxonomy.models import Category

__all__ = [
    "Alert",
    "AlertCheck",
    "AlertHit",
    "AlertKind",
    "AlertWebhook",
    "AnalyticsEvent",
    "ApiToken",
    "BuyerRequest",
    "Campaign",
    "CampaignLink",
    "CampaignRecipient",
    "Category",
    "CategoryMappingRule",
    "ClickOut",
    "Customer",
    "CustomerLink",
    "CustomerNote",
    "DaySketch",
    "Favourite",
    "FeedSource",
    "GroupingCandidate",
    "GroupingDecision",
    "GroupingDecisionKind",
    "HistoryClear",
    "IdempotencyKey",
    "ImportRun",
    "ImportStatus",
    "IndexChange",
    "Job",
    "JobStatus",
    "Lead",
    "LeadItem",
    "LeadStatus",
    "MailLink",
    "MailStatus",
    "MappingSource",
    "Notification",
    "Offer",
    "OfferStatus",
    "OutboxMail",
    "PriceHistory",
    "Product",
    "ProductRecommendation",
    "ProspectMove",
    "Quote",
    "QuoteMessage",
    "RecommendationKind",
    "RememberToken",
    "RequestEvent",
    "RequestItem",
    "RequestMatch",
    "RequestStatus",
    "Role",
    "Rollup",
    "StoredFilePart",
    "Supplier",
    "SupplierCategory",
    "SupplierColumnMapping",
    "SupplierProspect",
    "User",
    "Visibility",
    "VisitorDay",
]
