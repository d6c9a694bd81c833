"""users.locale and outbox_mails.locale

A mail goes out in its recipient's language: an account keeps the language its owner
registered in or last picked, and a queued mail keeps the language it was written in, so
that the line added when it is sent (its link) speaks the same language. NULL: not known,
the site's default language is used.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("users", "outbox_mails")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("locale", sa.String(length=5), nullable=True))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("locale")
