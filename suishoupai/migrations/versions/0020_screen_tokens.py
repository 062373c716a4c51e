"""screen tokens for the wall screen; stats facts count transfers and hand-ons (转办率, 首接办结率)

Revision ID: 0020_screen_tokens
Revises: 0019_queue_index
Create Date: 2026-12-07 18:00:00

"""
from alembic import op
import sqlalchemy as sa

from suishoupai.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0020_screen_tokens'
down_revision = '0019_queue_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('screen_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.Column('last_seen_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_screen_tokens_created_by_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_screen_tokens_unit_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screen_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_screen_tokens_token_hash'))
    )
    with op.batch_alter_table('screen_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screen_tokens_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('stats_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transferred', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('handed_on', sa.Boolean(), server_default=sa.false(), nullable=False))
    # the new columns are only right once every fact is derived again: forgetting the mark makes the
    # next summary rebuild the facts, and the kept days go with them
    op.execute("DELETE FROM stats_days")
    op.execute("DELETE FROM stats_marks")


def downgrade():
    with op.batch_alter_table('stats_cases', schema=None) as batch_op:
        batch_op.drop_column('handed_on')
        batch_op.drop_column('transferred')
    with op.batch_alter_table('screen_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screen_tokens_unit_id'))
    op.drop_table('screen_tokens')
