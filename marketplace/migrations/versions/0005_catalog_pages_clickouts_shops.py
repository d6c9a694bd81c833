"""category mapping rules, click-out settings, shops' order requests (leads)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "category_mapping_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("by_admin", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_mapping_rules_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_category_mapping_rules_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_mapping_rules")),
        sa.UniqueConstraint("name_key", name=op.f("uq_category_mapping_rules_name_key")),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("buyer_name", sa.String(length=255), nullable=False),
        sa.Column("buyer_phone", sa.String(length=40), nullable=True),
        sa.Column("buyer_email", sa.String(length=255), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_leads_supplier_id_suppliers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_leads_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "lead_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("supplier_sku", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_items_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_lead_items_offer_id_offers"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_items")),
    )
    with op.batch_alter_table("lead_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_items_lead_id"), ["lead_id"], unique=False)

    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("has_own_store", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("utm_source", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("utm_medium", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("utm_campaign", sa.String(length=100), nullable=True))

    with op.batch_alter_table("supplier_categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mapping_source", sa.String(length=20), nullable=True))

    with op.batch_alter_table("click_outs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_click_outs_visitor_offer_created", ["visitor_id", "offer_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("click_outs", schema=None) as batch_op:
        batch_op.drop_index("ix_click_outs_visitor_offer_created")

    with op.batch_alter_table("supplier_categories", schema=None) as batch_op:
        batch_op.drop_column("mapping_source")

    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_column("utm_campaign")
        batch_op.drop_column("utm_medium")
        batch_op.drop_column("utm_source")
        batch_op.drop_column("has_own_store")

    with op.batch_alter_table("lead_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_items_lead_id"))
    op.drop_table("lead_items")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_supplier_id"))
    op.drop_table("leads")

    op.drop_table("category_mapping_rules")
