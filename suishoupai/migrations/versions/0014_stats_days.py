"""stats days: each scope's whole Beijing days counted once and kept until a report of that day changes

Revision ID: 0014_stats_days
Revises: 0013_stats_facts
Create Date: 2026-12-06 06:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_stats_days'
down_revision = '0013_stats_facts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_days',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('partial', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_stats_days_unit_id_org_units'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'day', name=op.f('pk_stats_days'))
    )


def downgrade():
    op.drop_table('stats_days')
