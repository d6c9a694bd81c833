"""index products.merged_into_id

Deleting a product absorbed by a merge makes the database look for rows pointing at it
(ON DELETE SET NULL); without an index that is a scan of every product per delete.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 11:45:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_merged_into_id"), ["merged_into_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_merged_into_id"))
