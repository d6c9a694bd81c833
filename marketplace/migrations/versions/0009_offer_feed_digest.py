"""offers.feed_digest and offers.feed_warnings

A re-import skips the rows of a feed that are exactly as last time: it keeps each offer's
digest of the row it was read from, and that row's warnings to report them again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_digest", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("feed_warnings", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("feed_warnings")
        batch_op.drop_column("feed_digest")
