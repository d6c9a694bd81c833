"""analytics_day_sketches: each day's visitors and returning visitors as HyperLogLog sketches

A range's distinct visitors are the union of its days' sketches (analytics.sketches), so the
dashboards no longer group a range's visitor days by person. Every day already rolled up gets
an empty sketch marked stale; the next rollup rebuilds it from that day's visitor days.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 02:10:00
"""

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

#: The registers of an empty sketch (analytics.sketches.PRECISION = 14), compressed as it stores them.
_EMPTY = zlib.compress(bytes(1 << 14))


def upgrade() -> None:
    table = op.create_table(
        "analytics_day_sketches",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitors_sketch", sa.LargeBinary(), nullable=False),
        sa.Column("returning_sketch", sa.LargeBinary(), nullable=False),
        sa.Column("stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_analytics_day_sketches")),
    )
    days = sa.table("analytics_visitor_days", sa.column("day", sa.Date()))
    op.execute(
        table.insert().from_select(
            ["day", "visitors_sketch", "returning_sketch", "stale"],
            sa.select(
                days.c.day,
                sa.literal(_EMPTY, sa.LargeBinary()),
                sa.literal(_EMPTY, sa.LargeBinary()),
                sa.true(),
            ).distinct(),
        )
    )


def downgrade() -> None:
    op.drop_table("analytics_day_sketches")
