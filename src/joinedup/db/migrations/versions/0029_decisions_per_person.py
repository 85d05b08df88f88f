"""a sharing decision covers what one request shared of one person on one basis: the
records it names when they are several (record_ids, an entry of log encoding version 2),
and an index of them by record

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 19:50:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sharing_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_ids', sa.JSON(), nullable=True))
    op.create_table(
        'sharing_decision_records',
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['sharing_decisions.id'],
                                name=op.f('fk_sharing_decision_records_decision_id_sharing_decisions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('decision_id', 'record_id', name=op.f('pk_sharing_decision_records')),
    )
    op.create_index(op.f('ix_sharing_decision_records_record_id'), 'sharing_decision_records', ['record_id'],
                    unique=False)


def downgrade() -> None:
    several = op.get_bind().execute(sa.text("SELECT count(*) FROM sharing_decisions WHERE record_ids IS NOT NULL"))
    if several.scalar():
        raise RuntimeError("decisions naming several records are entries of log encoding version 2: without "
                           "record_ids they would no longer verify, so 0029 is not downgraded")
    op.drop_index(op.f('ix_sharing_decision_records_record_id'), table_name='sharing_decision_records')
    op.drop_table('sharing_decision_records')
    with op.batch_alter_table('sharing_decisions', schema=None) as batch_op:
        batch_op.drop_column('record_ids')
