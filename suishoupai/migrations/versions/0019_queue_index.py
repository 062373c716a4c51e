"""queue index: each report keeps whether its holder accepted it and the deadline running now, and the
open cases of a community, street and district are indexed in that deadline's order

Revision ID: 0019_queue_index
Revises: 0018_console
Create Date: 2026-12-07 18:00:00

"""
from alembic import op
import sqlalchemy as sa

from suishoupai.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0019_queue_index'
down_revision = '0018_console'
branch_labels = None
depends_on = None

UNITS = ('community', 'street', 'district')


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_accepted', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('due_at', UTCDateTime(), nullable=True))

    # the holder is the latest open stint (queries.holder_accepted); none open: not accepted
    op.execute("""
        UPDATE reports SET holder_accepted = COALESCE((
            SELECT h.accepted_at IS NOT NULL FROM report_handlings h
            WHERE h.report_id = reports.id AND h.ended_at IS NULL ORDER BY h.id DESC LIMIT 1), false)
        WHERE is_open
    """)
    op.execute("UPDATE reports SET due_at = CASE WHEN holder_accepted THEN resolve_due_at "
               "ELSE accept_due_at END")

    with op.batch_alter_table('reports', schema=None) as batch_op:
        for unit in UNITS:
            batch_op.create_index(f'ix_reports_open_due_{unit}', [f'{unit}_id', 'due_at', 'id'], unique=False,
                                  postgresql_include=['holder_accepted', 'overdue', 'status'],
                                  postgresql_where=sa.text('is_open IS TRUE'),
                                  sqlite_where=sa.text('is_open IS TRUE'))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        for unit in UNITS:
            batch_op.drop_index(f'ix_reports_open_due_{unit}')
        batch_op.drop_column('due_at')
        batch_op.drop_column('holder_accepted')
