"""sharing decisions indexed by record, so that "who has seen my record" finds the
decisions about a person's records whoever they were logged against (a record read
before it was linked, or since split away)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 09:10:00
"""

from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sharing_decisions_record_id', 'sharing_decisions', ['record_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sharing_decisions_record_id', table_name='sharing_decisions')
