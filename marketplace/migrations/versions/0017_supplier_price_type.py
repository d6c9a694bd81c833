"""suppliers.price_type

A 1C (CommerceML 2) exchange gives each offer one price per price type (retail, wholesale,
dealer...). The supplier says once which one is theirs; later imports and fetches use it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_type", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_column("price_type")
