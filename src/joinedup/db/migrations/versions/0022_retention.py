"""a decision keeps its record's id after the record is deleted: no foreign key on sharing_decisions.record_id

Revision ID: 0022
Revises: 0016
Create Date: 2026-12-02 19:00:00

Deleting a source record at the end of its retention period used to set the decisions'
record_id to NULL, which rewrote logged entries and broke the log's verification.
"""

from alembic import op


revision = '0022'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sharing_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sharing_decisions_record_id_source_records', type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('sharing_decisions', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_sharing_decisions_record_id_source_records', 'source_records',
                                    ['record_id'], ['id'], ondelete='SET NULL')
