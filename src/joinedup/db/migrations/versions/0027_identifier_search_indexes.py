"""identifiers indexed as search compares them (upper case, no spaces), so finding a record
by an NHS number, NI number, UPN or an agency's own id is an index lookup, not a read of
every record; the plain indexes on the first three served nothing else

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 07:20:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

COLUMNS = ('nhs_number', 'ni_number', 'upn', 'local_id', 'record_ref')
PLAIN = ('nhs_number', 'ni_number', 'upn')


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f'ix_source_records_{column}_compact', 'source_records',
                        [sa.text(f"upper(replace({column}, ' ', ''))")], unique=False)
    for column in PLAIN:
        op.drop_index(f'ix_source_records_{column}', table_name='source_records')


def downgrade() -> None:
    for column in PLAIN:
        op.create_index(f'ix_source_records_{column}', 'source_records', [column], unique=False)
    for column in COLUMNS:
        op.drop_index(f'ix_source_records_{column}_compact', table_name='source_records')
