"""flow: a department's 退回 (a new report status, so the kept stats days are counted afresh); wishes'
service hours; each grid's boundary per revision, and the revision that routed each report

Revision ID: 0021_flow
Revises: 0020_screen_tokens
Create Date: 2026-12-07 18:00:00

"""
from alembic import op
import sqlalchemy as sa

from suishoupai.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0021_flow'
down_revision = '0020_screen_tokens'
branch_labels = None
depends_on = None


def upgrade():
    # a kept day lists its counts per status in Status order; the new status changes that order
    op.execute("DELETE FROM stats_days")
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_hours', sa.Float(), nullable=True))
    op.create_table('grid_geometries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('valid_from', UTCDateTime(), nullable=False),
    sa.Column('valid_to', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['org_units.id'], name=op.f('fk_grid_geometries_grid_id_org_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['boundary_revisions.id'], name=op.f('fk_grid_geometries_revision_id_boundary_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_geometries'))
    )
    with op.batch_alter_table('grid_geometries', schema=None) as batch_op:
        batch_op.create_index('ix_grid_geometries_grid', ['grid_id', 'valid_from'], unique=False)
        batch_op.create_index('ix_grid_geometries_revision', ['revision_id'], unique=False)
    # the boundaries in force become each grid's first kept one, valid since the grid last changed
    op.execute("INSERT INTO grid_geometries (grid_id, revision_id, geometry, valid_from) "
               "SELECT id, NULL, geometry, updated_at FROM org_units "
               "WHERE kind IN ('grid', 'microgrid') AND geometry IS NOT NULL")
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_revision_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reports_grid_revision_id_boundary_revisions'),
                                    'boundary_revisions', ['grid_revision_id'], ['id'])


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reports_grid_revision_id_boundary_revisions'),
                                 type_='foreignkey')
        batch_op.drop_column('grid_revision_id')
    op.drop_table('grid_geometries')
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.drop_column('service_hours')
    op.execute("DELETE FROM stats_days")
