"""console: sign-in tickets, saved queue filters, an index of the reports not passed by content security

Revision ID: 0018_console
Revises: 0017_personal_rights
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa

from suishoupai.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0018_console'
down_revision = '0017_personal_rights'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('console_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket', sa.String(length=32), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', UTCDateTime(), nullable=True),
    sa.Column('used_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_console_tickets_approved_by_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_tickets')),
    sa.UniqueConstraint('ticket', name=op.f('uq_console_tickets_ticket'))
    )
    with op.batch_alter_table('console_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_tickets_expires_at'), ['expires_at'], unique=False)

    op.create_table('console_saved_filters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('tab', sa.String(length=16), nullable=False),
    sa.Column('filters', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_saved_filters_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_saved_filters'))
    )
    with op.batch_alter_table('console_saved_filters', schema=None) as batch_op:
        batch_op.create_index('ix_console_saved_filters_user', ['user_id', 'id'], unique=False)


    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_unpassed', ['moderation'], unique=False,
                              postgresql_where=sa.text("moderation <> 'pass'"),
                              sqlite_where=sa.text("moderation <> 'pass'"))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_unpassed')
    op.drop_table('console_saved_filters')
    op.drop_table('console_tickets')
