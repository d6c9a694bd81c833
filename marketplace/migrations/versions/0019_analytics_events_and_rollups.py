"""analytics_events, analytics_rollups, analytics_visitor_days

The raw event log (page views, searches, click-outs, account actions) and the hourly and daily
rollups that reports read. On PostgreSQL the events table is partitioned by month, so that
retention drops whole months; SQLite gets a plain table and retention deletes rows.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:00:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("visitor_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("route", sa.String(length=80), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("referrer", sa.String(length=500), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("utm_source", sa.String(length=100), nullable=True),
        sa.Column("utm_medium", sa.String(length=100), nullable=True),
        sa.Column("utm_campaign", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("ip_hash", sa.String(length=16), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", "occurred_at", name=op.f("pk_analytics_events")),
        postgresql_partition_by="RANGE (occurred_at)",
    )
    op.create_index("ix_analytics_events_occurred_at", "analytics_events", ["occurred_at"])
    op.create_index("ix_analytics_events_visitor_id", "analytics_events", ["visitor_id"])
    op.create_index("ix_analytics_events_user_id", "analytics_events", ["user_id"])
    if op.get_bind().dialect.name == "postgresql":
        # Rows outside every month's partition land here; the rollup job adds months ahead.
        op.execute("CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT")
        month = dt.date.today().replace(day=1)
        for _ in range(3):
            following = (month + dt.timedelta(days=32)).replace(day=1)
            op.execute(
                f"CREATE TABLE analytics_events_{month:%Y_%m} PARTITION OF analytics_events "
                f"FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')"
            )
            month = following

    op.create_table(
        "analytics_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=4), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_rollups")),
        sa.UniqueConstraint("grain", "period_start", "metric", "key", name="uq_analytics_rollups_grain"),
    )
    op.create_index("ix_analytics_rollups_metric_period", "analytics_rollups", ["grain", "metric", "period_start"])

    op.create_table(
        "analytics_visitor_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person", sa.String(length=80), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("pageviews", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "person", name=op.f("pk_analytics_visitor_days")),
    )
    op.create_index("ix_analytics_visitor_days_person", "analytics_visitor_days", ["person"])


def downgrade() -> None:
    op.drop_table("analytics_visitor_days")
    op.drop_table("analytics_rollups")
    op.drop_table("analytics_events")
