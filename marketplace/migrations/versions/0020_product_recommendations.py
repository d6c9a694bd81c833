"""product_recommendations, offers.recs

The worker precomputes each product's recommendations (similar products, "also viewed",
accessories) into product_recommendations, which the product page reads in one indexed query;
offers.recs keeps the supplier's ids of the offers that go with an offer (YML <rec>).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("recommended_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("picture", sa.String(length=2000), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_recommendations_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommended_id"],
            ["products.id"],
            name=op.f("fk_product_recommendations_recommended_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_recommendations")),
    )
    op.create_index(
        "ix_product_recommendations_product_kind_rank", "product_recommendations", ["product_id", "kind", "rank"]
    )
    op.create_index(op.f("ix_product_recommendations_recommended_id"), "product_recommendations", ["recommended_id"])
    with op.batch_alter_table("offers") as batch_op:
        batch_op.add_column(sa.Column("recs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch_op:
        batch_op.drop_column("recs")
    op.drop_index(op.f("ix_product_recommendations_recommended_id"), table_name="product_recommendations")
    op.drop_index("ix_product_recommendations_product_kind_rank", table_name="product_recommendations")
    op.drop_table("product_recommendations")
