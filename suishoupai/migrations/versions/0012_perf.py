"""cache version counters (per-process calendar and grid index copies)

Revision ID: 0012_perf
Revises: 0011_moderation
Create Date: 2026-11-22 04:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_perf'
down_revision = '0011_moderation'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('cache_versions',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions'))
    )
    op.bulk_insert(table, [{'name': 'calendar', 'version': 0}, {'name': 'boundaries', 'version': 0}])


def downgrade():
    op.drop_table('cache_versions')
