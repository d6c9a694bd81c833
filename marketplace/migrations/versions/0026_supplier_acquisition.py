"""supplier acquisition: the companies the operator courts, and their moves between stages

``supplier_prospects`` holds each prospective supplier (company, contact, e-mail, language,
notes), its stage (prospect, invited, onboarded, active) and the supplier it became;
``prospect_moves`` records every move with its date and who made it (none: the worker saw
the first import succeed, or the supplier become active or go quiet).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplier_prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("contact_person", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("stage_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_supplier_prospects_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_prospects_supplier_id_suppliers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_prospects")),
        sa.UniqueConstraint("supplier_id", name=op.f("uq_supplier_prospects_supplier_id")),
    )
    with op.batch_alter_table("supplier_prospects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_prospects_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_supplier_prospects_stage"), ["stage"], unique=False)
    op.create_table(
        "prospect_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_prospect_moves_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["supplier_prospects.id"],
            name=op.f("fk_prospect_moves_prospect_id_supplier_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_moves")),
    )
    with op.batch_alter_table("prospect_moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prospect_moves_prospect_id"), ["prospect_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("prospect_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prospect_moves_prospect_id"))
    op.drop_table("prospect_moves")
    with op.batch_alter_table("supplier_prospects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_prospects_stage"))
        batch_op.drop_index(batch_op.f("ix_supplier_prospects_email"))
    op.drop_table("supplier_prospects")
