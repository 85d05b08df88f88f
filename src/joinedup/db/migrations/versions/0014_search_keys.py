"""source records keep their names folded for search, and phonetic codes, indexed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:40:00
"""

from alembic import op
import sqlalchemy as sa

from joinedup.ingest.search_keys import search_keys


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

KEYS = (('forename_key', 200), ('middle_names_key', 200), ('surname_key', 200),
        ('forename_sound', 16), ('surname_sound', 16))
BATCH = 5000


def upgrade() -> None:
    for name, length in KEYS:
        op.add_column('source_records', sa.Column(name, sa.String(length=length), nullable=True))
    records = sa.table('source_records', sa.column('id', sa.Integer()), sa.column('forename', sa.String()),
                       sa.column('middle_names', sa.String()), sa.column('surname', sa.String()),
                       *(sa.column(name, sa.String()) for name, _length in KEYS))
    connection = op.get_bind()
    writing = sa.update(records).where(records.c.id == sa.bindparam('record_id')).values(
        {name: sa.bindparam(f'new_{name}') for name, _length in KEYS})
    after = 0
    while True:
        rows = connection.execute(sa.select(records.c.id, records.c.forename, records.c.middle_names,
                                            records.c.surname).where(records.c.id > after)
                                  .order_by(records.c.id).limit(BATCH)).all()
        if not rows:
            break
        after = rows[-1].id
        connection.execute(writing, [
            {'record_id': row.id, **{f'new_{name}': value for name, value in
                                     search_keys(row.forename, row.middle_names, row.surname).items()}}
            for row in rows
        ])
    for name, _length in KEYS:
        op.create_index(f'ix_source_records_{name}', 'source_records', [name])


def downgrade() -> None:
    for name, _length in reversed(KEYS):
        op.drop_index(f'ix_source_records_{name}', table_name='source_records')
        with op.batch_alter_table('source_records') as batch:
            batch.drop_column(name)
