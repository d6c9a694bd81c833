"""TradeRow: many suppliers' price lists, one categorised, searchable catalog."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the TradeRow app; the only place an app is made."""
    instance_path = os.environ.get("TRADEROW_INSTANCE_PATH") or os.path.join(ROOT, "instance")
    if test_config and "INSTANCE_PATH" in test_config:
        instance_path = test_config["INSTANCE_PATH"]
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )

    from marketplace import config

    config.load(app, test_config)
    config.validate(app)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_logging(app)

    from marketplace import db, i18n, logs, metrics, models, security_headers, templating, urls  # noqa: F401  (models registers every mapper)
    from marketplace.events import log as events_log
    from marketplace.extensions import csrf, limiter, login_manager
    from marketplace.files import store as file_store

    # First: every later hook's log lines (and a refusal's answer) carry the request's id.
    logs.init_app(app)
    metrics.init_app(app)
    db.init_app(app)
    file_store.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    urls.init_app(app)
    security_headers.init_app(app)
    events_log.init_app(app)

    from marketplace.accounts import views as accounts_views
    from marketplace.admin import categories as admin_categories
    from marketplace.admin import moderation as admin_moderation
    from marketplace.admin import review as admin_review
    from marketplace.admin import suppliers as admin_suppliers
    from marketplace.admin import views as admin_views
    from marketplace.alerts import views as alerts_views
    from marketplace.alerts.api import api as alerts_api
    from marketplace.analytics import capture as analytics_capture
    from marketplace.analytics import views as analytics_views
    from marketplace.api import views as api_views
    from marketplace.buyer_requests import views as requests_views
    from marketplace.buyer_requests.api import api as requests_api
    from marketplace.catalog import views as catalog_views
    from marketplace.compare import views as compare_views
    from marketplace.crm import acquisition_views, campaign_views
    from marketplace.crm import views as crm_views
    from marketplace.errors import bp as errors_bp
    from marketplace.health import views as health_views
    from marketplace.metrics import views as metrics_views
    from marketplace.notifications import views as notifications_views
    from marketplace.personal import views as personal_views
    from marketplace.portal import bp as portal_bp
    from marketplace.search import index_runtime
    from marketplace.search import views as search_views
    from marketplace.seo import views as seo_views
    from marketplace.shops import views as shops_views
    from marketplace.supplier_api.api import bp as supplier_api

    index_runtime.init_app(app)
    analytics_capture.init_app(app)
    for blueprint in (
        errors_bp,
        health_views.bp,
        metrics_views.bp,
        accounts_views.bp,
        catalog_views.bp,
        search_views.bp,
        search_views.api,
        requests_views.bp,
        requests_api,
        supplier_api,
        notifications_views.bp,
        notifications_views.dev,
        shops_views.bp,
        portal_bp,
        compare_views.bp,
        alerts_views.bp,
        alerts_api,
        admin_categories.bp,
        admin_review.bp,
        admin_suppliers.bp,
        admin_moderation.bp,
        admin_views.bp,
        api_views.bp,
        seo_views.bp,
        analytics_views.bp,
        crm_views.bp,
        crm_views.account,
        acquisition_views.bp,
        campaign_views.bp,
        campaign_views.public,
        campaign_views.consent,
        personal_views.bp,
    ):
        app.register_blueprint(blueprint)

    from marketplace.cli import register_commands

    register_commands(app)
    return app


def _configure_logging(app: Flask) -> None:
    # Handlers are configured here only; modules just call logging.getLogger(__name__).
    from marketplace import logs

    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
