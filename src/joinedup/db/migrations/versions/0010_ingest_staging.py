"""a load's rows staged until the whole file is read, then applied in one short transaction

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ingest_staged_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('load_id', sa.Integer(), nullable=False),
        sa.Column('change', sa.String(length=8), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('local_id', sa.String(length=64), nullable=False),
        sa.Column('record_ref', sa.String(length=64), nullable=False),
        sa.Column('forename', sa.String(length=200), nullable=True),
        sa.Column('middle_names', sa.String(length=200), nullable=True),
        sa.Column('surname', sa.String(length=200), nullable=True),
        sa.Column('date_of_birth', sa.Date(), nullable=True),
        sa.Column('sex', sa.String(length=16), nullable=True),
        sa.Column('address_text', sa.Text(), nullable=True),
        sa.Column('postcode', sa.String(length=16), nullable=True),
        sa.Column('nhs_number', sa.String(length=32), nullable=True),
        sa.Column('ni_number', sa.String(length=32), nullable=True),
        sa.Column('upn', sa.String(length=32), nullable=True),
        sa.Column('phone', sa.String(length=64), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('facts', sa.JSON(), nullable=True),
        sa.Column('flags', sa.JSON(), nullable=True),
        sa.Column('row_hash', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['load_id'], ['ingest_loads.id'],
                                name=op.f('fk_ingest_staged_records_load_id_ingest_loads'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_staged_records')),
        sa.UniqueConstraint('local_id', 'record_ref', 'load_id', name='uq_ingest_staged_records_key'),
    )


def downgrade() -> None:
    op.drop_table('ingest_staged_records')
