"""flow: a department's 退回 (a new report status, so the kept stats days are counted afresh); wishes'
service hours

Revision ID: 0022_flow
Revises: 0018_console
Create Date: 2026-12-07 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_flow'
down_revision = '0018_console'
branch_labels = None
depends_on = None


def upgrade():
    # a kept day lists its counts per status in Status order; the new status changes that order
    op.execute("DELETE FROM stats_days")
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_hours', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.drop_column('service_hours')
    op.execute("DELETE FROM stats_days")
