"""offers.group_basis and offers.group_score

Each offer records how it joined its product (the first offer, GTIN, brand and code, text with
the matcher's score, or an operator's merge), so that the operator's product page can explain a
merge and the product's title and pictures come only from offers with strong evidence.

Offers grouped before this revision get what can be told from the rows: a product's first offer
founded it, and an offer whose GTIN is the product's joined by GTIN. The rest stay ``None``
("not recorded"), which the product's identity does not trust.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 18:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_basis", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("group_score", sa.Float(), nullable=True))
    op.execute(
        "UPDATE offers SET group_basis = 'founder' WHERE id IN (SELECT min(id) FROM offers GROUP BY product_id)"
    )
    # Products keep their GTIN padded to 14 digits, or as the feed wrote it (older rows).
    op.execute(
        "UPDATE offers SET group_basis = 'gtin' WHERE group_basis IS NULL AND gtin IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM products WHERE products.id = offers.product_id AND products.gtin IS NOT NULL "
        "AND ltrim(products.gtin, '0') = ltrim(offers.gtin, '0'))"
    )


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("group_score")
        batch_op.drop_column("group_basis")
