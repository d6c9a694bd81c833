"""product grouping: text-match queue, merged products, operators' grouping decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_products_match_pending"), ["match_pending"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_products_merged_into_id_products"), "products", ["merged_into_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "grouping_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("other_offer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("offer_id < other_offer_id", name=op.f("ck_grouping_decisions_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_grouping_decisions_decided_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_grouping_decisions_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["other_offer_id"], ["offers.id"], name=op.f("fk_grouping_decisions_other_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grouping_decisions")),
        sa.UniqueConstraint("offer_id", "other_offer_id", name=op.f("uq_grouping_decisions_offer_id_other_offer_id")),
    )
    with op.batch_alter_table("grouping_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grouping_decisions_other_offer_id"), ["other_offer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grouping_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grouping_decisions_other_offer_id"))
    op.drop_table("grouping_decisions")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_products_merged_into_id_products"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_products_match_pending"))
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("match_pending")
