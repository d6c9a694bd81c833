"""leads become a pipeline (stages, value, next step, notes, sources); operators can hide what breaks the rules

Leads gain a stage (new, contacted, offer sent, won, lost) in ``status``: the old "seen" becomes
"new" with ``seen_at`` set, since opening a lead is no stage of the deal. They gain a source
(order, accepted quote, matched request, question) unique per supplier, a value, a next step,
B2B company fields and notes; an item's quantity may be fractional (kilograms of a request).
Requests, suppliers and offers gain ``hidden_at`` and ``hidden_reason`` for moderation.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 23:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_HIDDEN = ("buyer_requests", "suppliers", "offers")


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("contact_person", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=20), server_default="order", nullable=False))
        batch_op.add_column(sa.Column("source_ref", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column("value_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("lost_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("next_step", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("stage_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_leads_status"), ["status"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_leads_supplier_id_source_source_ref"), ["supplier_id", "source", "source_ref"]
        )
    op.execute("UPDATE leads SET seen_at = created_at, status = 'new' WHERE status = 'seen'")
    op.execute("UPDATE leads SET stage_at = created_at")
    with op.batch_alter_table("lead_items", schema=None) as batch_op:
        batch_op.alter_column(
            "quantity", existing_type=sa.Integer(), type_=sa.Numeric(precision=12, scale=3), existing_nullable=False
        )
        batch_op.add_column(sa.Column("unit", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("quote_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_lead_items_quote_id"), ["quote_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_lead_items_quote_id_quotes"), "quotes", ["quote_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.alter_column("price", existing_type=sa.Numeric(precision=14, scale=2), nullable=True)
        batch_op.alter_column("currency", existing_type=sa.String(length=3), nullable=True)
    op.create_table(
        "lead_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_notes_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_lead_notes_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_notes")),
    )
    op.create_index(op.f("ix_lead_notes_lead_id"), "lead_notes", ["lead_id"], unique=False)
    for table in _HIDDEN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("hidden_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    for table in reversed(_HIDDEN):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("hidden_reason")
            batch_op.drop_column("hidden_at")
    op.drop_index(op.f("ix_lead_notes_lead_id"), table_name="lead_notes")
    op.drop_table("lead_notes")
    op.execute("DELETE FROM lead_items WHERE price IS NULL")
    with op.batch_alter_table("lead_items", schema=None) as batch_op:
        batch_op.alter_column("currency", existing_type=sa.String(length=3), nullable=False)
        batch_op.alter_column("price", existing_type=sa.Numeric(precision=14, scale=2), nullable=False)
        batch_op.drop_constraint(batch_op.f("fk_lead_items_quote_id_quotes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_lead_items_quote_id"))
        batch_op.drop_column("quote_id")
        batch_op.drop_column("unit")
        batch_op.alter_column(
            "quantity", existing_type=sa.Numeric(precision=12, scale=3), type_=sa.Integer(), existing_nullable=False
        )
    op.execute("DELETE FROM leads WHERE source <> 'order'")
    op.execute("UPDATE leads SET status = 'seen' WHERE seen_at IS NOT NULL OR status <> 'new'")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_leads_supplier_id_source_source_ref"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_leads_status"))
        for column in (
            "stage_at", "seen_at", "reminded_at", "next_step_at", "next_step", "lost_reason", "value_currency",
            "value", "subject", "source_ref", "source", "contact_person", "company",
        ):  # fmt: skip
            batch_op.drop_column(column)
