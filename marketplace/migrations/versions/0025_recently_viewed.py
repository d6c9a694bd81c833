"""recently viewed: indexes that read a visitor's newest views from the event log; a table of clears

The returning visitor's home page and the recently viewed page read a visitor's (or account's)
newest product views and searches straight from ``analytics_events``: the two indexes
``(visitor_id, kind, occurred_at)`` and ``(user_id, kind, occurred_at)`` make that a short
backward range scan that stops at its LIMIT, however long the visitor's history. The home
page's "new in the categories you browse" reads ``offers`` by ``(category_id, created_at)`` the
same way. ``personal_history_clears`` keeps when a visitor cleared their list: the events stay
for analytics, the list shows only what came after.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 02:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # On PostgreSQL an index on the partitioned parent is made on every month's partition too.
    op.create_index(
        "ix_analytics_events_visitor_kind_at", "analytics_events", ["visitor_id", "kind", "occurred_at"]
    )
    op.create_index("ix_analytics_events_user_kind_at", "analytics_events", ["user_id", "kind", "occurred_at"])
    op.create_index("ix_offers_category_created", "offers", ["category_id", "created_at"])
    op.create_table(
        "personal_history_clears",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_personal_history_clears_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_history_clears")),
    )
    op.create_index(op.f("ix_personal_history_clears_visitor_id"), "personal_history_clears", ["visitor_id"])
    op.create_index(op.f("ix_personal_history_clears_user_id"), "personal_history_clears", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_personal_history_clears_user_id"), table_name="personal_history_clears")
    op.drop_index(op.f("ix_personal_history_clears_visitor_id"), table_name="personal_history_clears")
    op.drop_table("personal_history_clears")
    op.drop_index("ix_offers_category_created", table_name="offers")
    op.drop_index("ix_analytics_events_user_kind_at", table_name="analytics_events")
    op.drop_index("ix_analytics_events_visitor_kind_at", table_name="analytics_events")
