"""the search keys of names with "Saint" in them are folded again: "Saint Clair" is "st clair",
as "St Clair" is (search_keys.WORDS)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 16:40:00
"""

import sqlalchemy as sa
from alembic import op

from joinedup.ingest.search_keys import search_keys


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

KEYS = ('forename_key', 'middle_names_key', 'surname_key', 'forename_sound', 'surname_sound')
BATCH = 5000


def upgrade() -> None:
    """Only records whose stored keys hold the word "saint" can fold otherwise now."""
    records = sa.table('source_records', sa.column('id', sa.Integer()), sa.column('forename', sa.String()),
                       sa.column('middle_names', sa.String()), sa.column('surname', sa.String()),
                       *(sa.column(name, sa.String()) for name in KEYS))
    saintly = sa.or_(*(sa.or_(column == 'saint', column.like('saint %'), column.like('% saint'),
                              column.like('% saint %'))
                       for column in (records.c.forename_key, records.c.middle_names_key, records.c.surname_key)))
    connection = op.get_bind()
    writing = sa.update(records).where(records.c.id == sa.bindparam('record_id')).values(
        {name: sa.bindparam(f'new_{name}') for name in KEYS})
    after = 0
    while True:
        rows = connection.execute(sa.select(records.c.id, records.c.forename, records.c.middle_names,
                                            records.c.surname).where(records.c.id > after, saintly)
                                  .order_by(records.c.id).limit(BATCH)).all()
        if not rows:
            break
        after = rows[-1].id
        connection.execute(writing, [
            {'record_id': row.id, **{f'new_{name}': value for name, value in
                                     search_keys(row.forename, row.middle_names, row.surname).items()}}
            for row in rows
        ])


def downgrade() -> None:
    """The keys "st" stand for both spellings; the older fold is not kept, so nothing is undone."""
