"""grouping_candidates: the review queue of pairs the text matcher found likely but did not join

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grouping_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("other_offer_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("offer_id < other_offer_id", name=op.f("ck_grouping_candidates_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_grouping_candidates_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["other_offer_id"],
            ["offers.id"],
            name=op.f("fk_grouping_candidates_other_offer_id_offers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grouping_candidates")),
        sa.UniqueConstraint("offer_id", "other_offer_id", name=op.f("uq_grouping_candidates_offer_id_other_offer_id")),
    )
    with op.batch_alter_table("grouping_candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grouping_candidates_other_offer_id"), ["other_offer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grouping_candidates_score"), ["score"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grouping_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grouping_candidates_score"))
        batch_op.drop_index(batch_op.f("ix_grouping_candidates_other_offer_id"))
    op.drop_table("grouping_candidates")
