"""campaigns: consent to marketing mail on accounts; campaigns, their recipients and tracked links

``users`` gets the owner's yes or no to marketing mail (off by default), with when and where it
was said. ``campaigns`` holds the operator's mail for a segment, ``campaign_recipients`` who got
it (the frequency cap reads ``mailed_at``), ``campaign_links`` each mail's links behind ``/c/<token>``.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marketing_consent", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("marketing_consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("marketing_consent_source", sa.String(length=20), nullable=True))
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["segment_id"], ["customer_segments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "campaign_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "user_id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_recipients_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_recipients_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_recipients_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_recipients_mailed_at"), ["mailed_at"], unique=False)
    op.create_table(
        "campaign_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["recipient_id"], ["campaign_recipients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("campaign_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_links_recipient_id"), ["recipient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_links_recipient_id"))
    op.drop_table("campaign_links")
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        for name in ("mailed_at", "status", "user_id", "campaign_id"):
            batch_op.drop_index(batch_op.f(f"ix_campaign_recipients_{name}"))
    op.drop_table("campaign_recipients")
    op.drop_table("campaigns")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("marketing_consent_source")
        batch_op.drop_column("marketing_consent_at")
        batch_op.drop_column("marketing_consent")
