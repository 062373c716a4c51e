"""volunteer review and access log: registrations reviewed (existing ones approved), wishes' open_to

Every reveal of someone else's contact is recorded in access_records.

Revision ID: 0016_volunteer_review
Revises: 0015_push_nonces
Create Date: 2026-12-07 03:50:37.412635

"""
from alembic import op
import sqlalchemy as sa

import suishoupai.database


# revision identifiers, used by Alembic.
revision = '0016_volunteer_review'
down_revision = '0015_push_nonces'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('created_at', suishoupai.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_access_records_actor_id_users')),
    sa.ForeignKeyConstraint(['subject_user_id'], ['users.id'], name=op.f('fk_access_records_subject_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_records'))
    )
    with op.batch_alter_table('access_records', schema=None) as batch_op:
        batch_op.create_index('ix_access_records_actor', ['actor_id', 'reason', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_records_path'), ['path'], unique=False)
        batch_op.create_index('ix_access_records_subject', ['subject_kind', 'subject_id', 'id'], unique=False)
        batch_op.create_index('ix_access_records_subject_user', ['subject_user_id', 'id'], unique=False)

    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('reject_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', suishoupai.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_volunteers_review', ['status', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_volunteers_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'])
    # registrations made before review existed keep claiming: they are approved as they stand
    # (reviewed_at stays empty, so the staff list shows no one reviewed them)
    op.execute("UPDATE volunteers SET status = 'approved'")

    with op.batch_alter_table('wish_events', schema=None) as batch_op:
        batch_op.create_index('ix_wish_events_actor', ['actor_id', 'action', 'created_at'], unique=False)

    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_to', sa.String(length=16), server_default='community', nullable=False))



def downgrade():
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.drop_column('open_to')

    with op.batch_alter_table('wish_events', schema=None) as batch_op:
        batch_op.drop_index('ix_wish_events_actor')

    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_volunteers_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_index('ix_volunteers_review')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reject_reason')
        batch_op.drop_column('status')

    with op.batch_alter_table('access_records', schema=None) as batch_op:
        batch_op.drop_index('ix_access_records_subject_user')
        batch_op.drop_index('ix_access_records_subject')
        batch_op.drop_index(batch_op.f('ix_access_records_path'))
        batch_op.drop_index('ix_access_records_actor')

    op.drop_table('access_records')
