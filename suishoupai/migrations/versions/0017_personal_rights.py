"""personal rights: role changes recorded, EXIF GPS of uploads encrypted, accounts marked when erased

Revision ID: 0017_personal_rights
Revises: 0016_volunteer_review
Create Date: 2026-12-07 04:00:00

"""
from alembic import op
import sqlalchemy as sa

from suishoupai.media.models import seal_gps


# revision identifiers, used by Alembic.
revision = '0017_personal_rights'
down_revision = '0016_volunteer_review'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('role_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_before', sa.String(length=32), nullable=True),
    sa.Column('role_after', sa.String(length=32), nullable=True),
    sa.Column('unit_before_id', sa.Integer(), nullable=True),
    sa.Column('unit_after_id', sa.Integer(), nullable=True),
    sa.Column('department_before_id', sa.Integer(), nullable=True),
    sa.Column('department_after_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('via', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_role_changes_actor_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_changes_user_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_before_id'], ['org_units.id'],
                            name=op.f('fk_role_changes_unit_before_id_org_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_after_id'], ['org_units.id'],
                            name=op.f('fk_role_changes_unit_after_id_org_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_before_id'], ['departments.id'],
                            name=op.f('fk_role_changes_department_before_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_after_id'], ['departments.id'],
                            name=op.f('fk_role_changes_department_after_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['grid_id'], ['org_units.id'], name=op.f('fk_role_changes_grid_id_org_units'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_changes'))
    )
    op.create_index('ix_role_changes_user', 'role_changes', ['user_id', 'id'], unique=False)
    op.create_index('ix_role_changes_path', 'role_changes', ['path', 'id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gps_enc', sa.Text(), nullable=True))
    # positions already stored in the clear are sealed with the field key the app runs with (this runs
    # inside `flask db upgrade`); `flask privacy retain` then drops those no check needs any more
    media = sa.table('media', sa.column('id', sa.Integer), sa.column('gps_lat', sa.Float),
                     sa.column('gps_lng', sa.Float), sa.column('gps_enc', sa.Text))
    conn = op.get_bind()
    rows = conn.execute(sa.select(media.c.id, media.c.gps_lat, media.c.gps_lng)
                        .where(media.c.gps_lat.is_not(None), media.c.gps_lng.is_not(None))).all()
    for row in rows:
        conn.execute(media.update().where(media.c.id == row.id)
                     .values(gps_enc=seal_gps(row.gps_lat, row.gps_lng)))
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_column('gps_lat')
        batch_op.drop_column('gps_lng')


def downgrade():
    # sealed positions are dropped, never written back in the clear
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gps_lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('gps_lat', sa.Float(), nullable=True))
        batch_op.drop_column('gps_enc')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    op.drop_index('ix_role_changes_path', table_name='role_changes')
    op.drop_index('ix_role_changes_user', table_name='role_changes')
    op.drop_table('role_changes')
