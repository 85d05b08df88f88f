"""the standing index keeps each record's middle names, which the name comparison reads
(one's forename among the other's middle names)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 03:45:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('link_index_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('middle', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('link_index_records', schema=None) as batch_op:
        batch_op.drop_column('middle')
