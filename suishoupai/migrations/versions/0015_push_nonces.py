"""push nonces: message pushes already taken, so a replay inside the timestamp window is refused

Revision ID: 0015_push_nonces
Revises: 0014_stats_days
Create Date: 2026-12-07 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_push_nonces'
down_revision = '0014_stats_days'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('push_nonces',
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('timestamp', 'nonce', name=op.f('pk_push_nonces'))
    )


def downgrade():
    op.drop_table('push_nonces')
