"""offers.match_document, offers.match_codes and offers.match_version

Each offer stores what the text matcher derives from its text (its normalised document and
model codes), so that grouping a newcomer reads a catalog's blocking keys instead of deriving
them all again. Existing offers get ``NULL``: grouping derives theirs and stores them the first
time it runs (``marketplace.catalog.grouping.fill_match_keys``).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_document", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("match_codes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("match_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("match_version")
        batch_op.drop_column("match_codes")
        batch_op.drop_column("match_document")
