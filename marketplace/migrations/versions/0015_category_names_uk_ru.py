"""categories.name_uk, name_ru, path_uk and path_ru

The category tree speaks the visitor's language: names from Google's Ukrainian and Russian
editions of the product taxonomy, joined on the Google id. A tree seeded before this revision
is translated here from the bundled files; nodes without a translation keep NULL and show
their English name.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:40:00
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

from marketplace.taxonomy.seed import translate_tree

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = (("name_uk", 255), ("name_ru", 255), ("path_uk", 1000), ("path_ru", 1000))


def upgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    bind = op.get_bind()
    # Plain records: the migration must not depend on today's model classes.
    rows = [
        SimpleNamespace(**row._mapping, name_uk=None, name_ru=None, path_uk=None, path_ru=None)
        for row in bind.execute(
            sa.text("SELECT id, google_id, parent_id, name, path FROM categories ORDER BY depth, id")
        )
    ]
    by_id = {row.id: row for row in rows}
    translate_tree((row, by_id.get(row.parent_id) if row.parent_id else None) for row in rows)
    if rows:
        bind.execute(
            sa.text(
                "UPDATE categories SET name_uk = :name_uk, name_ru = :name_ru, path_uk = :path_uk, "
                "path_ru = :path_ru WHERE id = :id"
            ),
            [
                {"id": r.id, "name_uk": r.name_uk, "name_ru": r.name_ru, "path_uk": r.path_uk, "path_ru": r.path_ru}
                for r in rows
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        for name, _length in reversed(COLUMNS):
            batch_op.drop_column(name)
