"""one accepted quote per request item, enforced by a unique partial index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_quotes_item_id_accepted",
        "quotes",
        ["item_id"],
        unique=True,
        sqlite_where=sa.text("accepted"),
        postgresql_where=sa.text("accepted"),
    )


def downgrade() -> None:
    op.drop_index("uq_quotes_item_id_accepted", table_name="quotes")
