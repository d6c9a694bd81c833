"""offer languages, condition, delivery and price history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:11:27.247340
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('price_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('price_base', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('old_price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_price_history_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_price_history_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_history'))
    )
    with op.batch_alter_table('price_history', schema=None) as batch_op:
        batch_op.create_index('ix_price_history_offer_recorded', ['offer_id', 'recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_history_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_uk', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('description_uk', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('condition', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('google_category', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('item_group_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('delivery_cost', sa.Numeric(precision=14, scale=2), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('delivery_cost')
        batch_op.drop_column('item_group_id')
        batch_op.drop_column('google_category')
        batch_op.drop_column('condition')
        batch_op.drop_column('description_uk')
        batch_op.drop_column('title_uk')

    with op.batch_alter_table('price_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_history_product_id'))
        batch_op.drop_index('ix_price_history_offer_recorded')

    op.drop_table('price_history')
