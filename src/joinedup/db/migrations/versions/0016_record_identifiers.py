"""source records keep the identifiers of a mapping's [identifiers] schemes; link runs count candidate pairs

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('source_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifiers', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('ingest_staged_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifiers', sa.JSON(), nullable=True))
    with op.batch_alter_table('link_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('candidate_pairs', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('link_runs', schema=None) as batch_op:
        batch_op.drop_column('candidate_pairs')
    with op.batch_alter_table('ingest_staged_records', schema=None) as batch_op:
        batch_op.drop_column('identifiers')
    with op.batch_alter_table('source_records', schema=None) as batch_op:
        batch_op.drop_column('identifiers')
