"""import_runs.withdraw_confirmed and suppliers.extra_offer_hosts

A full import that would withdraw more than TRADEROW_WITHDRAW_GUARD_PERCENT of a supplier's
live offers is held until the supplier confirms; the run remembers the confirmation.
Offer links must be on the supplier's store host or on hosts an operator allowed for it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 04:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("withdraw_confirmed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra_offer_hosts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_column("extra_offer_hosts")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_column("withdraw_confirmed")
