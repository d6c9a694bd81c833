"""stored_files: uploaded price lists and fetched feed files kept in the database

With TRADEROW_UPLOAD_STORE=database (marketplace.files.store) a file one node writes (a
supplier's upload, a fetched feed, an import's progress) is read by any other node's web
process or worker: the database is already shared by every node and already backed up. Each
file is cut into parts of at most 4 MiB, so neither writing nor reading one holds a whole
price list in memory. The embedded default keeps its files in UPLOAD_PATH and leaves this
table empty.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "part", name=op.f("pk_stored_files")),
    )


def downgrade() -> None:
    op.drop_table("stored_files")
