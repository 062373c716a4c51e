"""open311: partner API keys and the requests partners filed through Open311 GeoReport v2

Revision ID: 0022_open311
Revises: 0021_flow
Create Date: 2026-12-07 23:30:00

"""
from alembic import op
import sqlalchemy as sa

from suishoupai.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0022_open311'
down_revision = '0021_flow'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open311_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('key_prefix', sa.String(length=16), nullable=False),
    sa.Column('rate_limit', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.Column('last_used_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_open311_keys_created_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_open311_keys_unit_id_org_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_open311_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_open311_keys_key_hash'))
    )
    with op.batch_alter_table('open311_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_keys_unit_id'), ['unit_id'], unique=False)

    op.create_table('open311_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('service_code', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('address_string', sa.String(length=200), nullable=True),
    sa.Column('media_id', sa.Integer(), nullable=True),
    sa.Column('contact_enc', sa.Text(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('placed_at', UTCDateTime(), nullable=True),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['key_id'], ['open311_keys.id'], name=op.f('fk_open311_requests_key_id_open311_keys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['media.id'], name=op.f('fk_open311_requests_media_id_media'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_open311_requests_placed_by_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_open311_requests_report_id_reports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_requests')),
    sa.UniqueConstraint('token', name=op.f('uq_open311_requests_token'))
    )
    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_requests_key_id'), ['key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open311_requests_report_id'), ['report_id'], unique=False)


def downgrade():
    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_requests_report_id'))
        batch_op.drop_index(batch_op.f('ix_open311_requests_key_id'))
    op.drop_table('open311_requests')
    with op.batch_alter_table('open311_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_keys_unit_id'))
    op.drop_table('open311_keys')
