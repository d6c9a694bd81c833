"""customer value: RFM scores and tiers on the record, browsed categories, saved segments, the operator's prices

The scoring pass (``crm.scoring_pass``) writes each customer's tier, RFM scores, value and
cost onto ``customers``, and the categories they browse into ``customer_categories``;
``customer_segments`` holds the operator's saved filters; ``crm_value_settings`` the prices
per click-out and lead, the operator's hourly cost and the tier rules (one row, or none: defaults).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 02:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_SCORE_COLUMNS = ("rfm_r", "rfm_f", "rfm_m", "recency_days", "frequency")


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tier", sa.String(length=10), nullable=True))
        for column in _SCORE_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column("cost", sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column("value_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_customers_tier"), ["tier"], unique=False)
    op.create_table(
        "customer_categories",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_customer_categories_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_categories_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", "category_id", name=op.f("pk_customer_categories")),
    )
    with op.batch_alter_table("customer_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_categories_category_id"), ["category_id"], unique=False)
    op.create_table(
        "customer_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_customer_segments_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_segments")),
        sa.UniqueConstraint("name", name=op.f("uq_customer_segments_name")),
    )
    op.create_table(
        "crm_value_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("clickout_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("lead_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("hourly_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("failed_import_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("note_minutes", sa.Integer(), nullable=False),
        sa.Column("call_minutes", sa.Integer(), nullable=False),
        sa.Column("gold_percent", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("loss_when_cost_exceeds_value", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_crm_value_settings_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_value_settings")),
    )


def downgrade() -> None:
    op.drop_table("crm_value_settings")
    op.drop_table("customer_segments")
    with op.batch_alter_table("customer_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_categories_category_id"))
    op.drop_table("customer_categories")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_tier"))
        for column in ("scored_at", "value_currency", "cost", "value", *_SCORE_COLUMNS, "tier"):
            batch_op.drop_column(column)
