"""flags, in the manner of CP-IS: read from extract rows through a mapping's [flags], or recorded in the app

Revision ID: 0017
Revises: 0019
Create Date: 2026-12-02 18:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_record_id', sa.Integer(), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('legal_status', sa.String(length=120), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=80), nullable=False),
        sa.Column('recorded_by', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_flags_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_flags_person_id_persons'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'],
                                name=op.f('fk_flags_source_record_id_source_records'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id'], ['directory_teams.id'], name=op.f('fk_flags_team_id_directory_teams')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
        sa.UniqueConstraint('source_record_id', 'type', name='uq_flags_record_type'),
    )
    op.create_index(op.f('ix_flags_source_record_id'), 'flags', ['source_record_id'], unique=False)
    op.create_index(op.f('ix_flags_person_id'), 'flags', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_flags_person_id'), table_name='flags')
    op.drop_index(op.f('ix_flags_source_record_id'), table_name='flags')
    op.drop_table('flags')
