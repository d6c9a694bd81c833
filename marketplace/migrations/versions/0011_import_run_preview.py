"""import_runs.preview

The worker reads the top of a CSV or Excel upload and keeps it for the column-mapping page,
which no longer parses the file inside a web request.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preview", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_column("preview")
