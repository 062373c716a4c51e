"""stats facts: one row per case and per handling clock, refreshed from reports.updated_at

Revision ID: 0013_stats_facts
Revises: 0012_perf
Create Date: 2026-11-22 07:50:44

"""
from alembic import op
import sqlalchemy as sa

import suishoupai.database


# revision identifiers, used by Alembic.
revision = '0013_stats_facts'
down_revision = '0012_perf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_marks',
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('seen', suishoupai.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_stats_marks'))
    )
    op.create_table('stats_cases',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.Column('overdue_open', sa.Boolean(), nullable=False),
    sa.Column('ratings', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('created_at', suishoupai.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_stats_cases_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_stats_cases'))
    )
    with op.batch_alter_table('stats_cases', schema=None) as batch_op:
        batch_op.create_index('ix_stats_cases_community', ['community_id', 'created_at'], unique=False)
        batch_op.create_index('ix_stats_cases_district', ['district_id', 'created_at'], unique=False)
        batch_op.create_index('ix_stats_cases_grid', ['grid_id', 'created_at'], unique=False)
        batch_op.create_index('ix_stats_cases_street', ['street_id', 'created_at'], unique=False)

    op.create_table('stats_clocks',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('started_at', suishoupai.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('accept_due_at', suishoupai.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolve_due_at', suishoupai.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('responded_at', suishoupai.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', suishoupai.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('running', sa.Boolean(), nullable=False),
    sa.Column('accept_hours', sa.Float(), nullable=True),
    sa.Column('resolve_hours', sa.Float(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('created_at', suishoupai.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_stats_clocks_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'started_at', name=op.f('pk_stats_clocks'))
    )
    with op.batch_alter_table('stats_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_stats_clocks_community', ['community_id', 'created_at'], unique=False)
        batch_op.create_index('ix_stats_clocks_district', ['district_id', 'created_at'], unique=False)
        batch_op.create_index('ix_stats_clocks_grid', ['grid_id', 'created_at'], unique=False)
        batch_op.create_index('ix_stats_clocks_street', ['street_id', 'created_at'], unique=False)

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_updated', ['updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_updated')

    with op.batch_alter_table('stats_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_clocks_street')
        batch_op.drop_index('ix_stats_clocks_grid')
        batch_op.drop_index('ix_stats_clocks_district')
        batch_op.drop_index('ix_stats_clocks_community')

    op.drop_table('stats_clocks')
    with op.batch_alter_table('stats_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_cases_street')
        batch_op.drop_index('ix_stats_cases_grid')
        batch_op.drop_index('ix_stats_cases_district')
        batch_op.drop_index('ix_stats_cases_community')

    op.drop_table('stats_cases')
    op.drop_table('stats_marks')
