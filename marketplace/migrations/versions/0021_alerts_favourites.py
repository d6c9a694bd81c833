"""favourites, alerts, alert_hits, alert_webhooks, alert_checks; outbox_mails.headers

Favourites (the heart button), price alerts and saved searches (one ``alerts`` table, by
kind), the hits the worker finds after each import, and the imports already checked. Every
import that succeeded before this migration counts as checked, so that turning alerts on
does not replay the catalog's history into people's mailboxes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "favourites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_favourites_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_favourites_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_favourites")),
        sa.UniqueConstraint("user_id", "product_id", name=op.f("uq_favourites_user_id_product_id")),
    )
    op.create_index(op.f("ix_favourites_user_id"), "favourites", ["user_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("target_price", sa.Numeric(14, 2), nullable=True),
        sa.Column("drop_percent", sa.Numeric(5, 2), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("query", sa.JSON(), nullable=True),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("reference_price", sa.Numeric(14, 2), nullable=True),
        sa.Column("last_price", sa.Numeric(14, 2), nullable=True),
        sa.Column("last_fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_alerts_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_user_id"), "alerts", ["user_id"])
    op.create_index(op.f("ix_alerts_email"), "alerts", ["email"])
    op.create_index("ix_alerts_product_active", "alerts", ["product_id", "active"])
    op.create_table(
        "alert_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("price", sa.Numeric(14, 2), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dropped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_hits_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["buyer_requests.id"],
            name=op.f("fk_alert_hits_request_id_buyer_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alert_hits_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_alert_hits_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_hits")),
    )
    op.create_index(op.f("ix_alert_hits_alert_id"), "alert_hits", ["alert_id"])
    op.create_index(op.f("ix_alert_hits_recipient"), "alert_hits", ["recipient"])
    op.create_index("ix_alert_hits_fired_mailed", "alert_hits", ["fired_at", "mailed_at"])
    op.create_table(
        "alert_webhooks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("last_status", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alert_webhooks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_alert_webhooks")),
    )
    op.create_table(
        "alert_checks",
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
            name=op.f("fk_alert_checks_import_run_id_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_run_id", name=op.f("pk_alert_checks")),
    )
    op.execute(
        "INSERT INTO alert_checks (import_run_id, hits, checked_at) "
        "SELECT id, 0, CURRENT_TIMESTAMP FROM import_runs WHERE status = 'succeeded'"
    )
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.drop_column("headers")
    op.drop_table("alert_checks")
    op.drop_table("alert_webhooks")
    op.drop_index("ix_alert_hits_fired_mailed", table_name="alert_hits")
    op.drop_index(op.f("ix_alert_hits_recipient"), table_name="alert_hits")
    op.drop_index(op.f("ix_alert_hits_alert_id"), table_name="alert_hits")
    op.drop_table("alert_hits")
    op.drop_index("ix_alerts_product_active", table_name="alerts")
    op.drop_index(op.f("ix_alerts_email"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_user_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_index(op.f("ix_favourites_user_id"), table_name="favourites")
    op.drop_table("favourites")
