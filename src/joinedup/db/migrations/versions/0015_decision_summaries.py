"""the records one request withheld are one decision row that counts them and says why

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sharing_decisions') as batch:
        batch.add_column(sa.Column('record_count', sa.Integer(), server_default='1', nullable=False))
        batch.add_column(sa.Column('reasons', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sharing_decisions') as batch:
        batch.drop_column('reasons')
        batch.drop_column('record_count')
