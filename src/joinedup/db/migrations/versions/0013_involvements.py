"""the involvement index and each organisation's directory of teams and workers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'directory_teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('duty_phone', sa.String(length=40), nullable=True),
        sa.Column('secure_email', sa.String(length=254), nullable=True),
        sa.Column('sensitive_category', sa.String(length=40), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_directory_teams_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_teams')),
        sa.UniqueConstraint('organisation_id', 'name', name='uq_directory_teams_name'),
    )
    op.create_table(
        'directory_workers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=40), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=True),
        sa.Column('secure_email', sa.String(length=254), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_directory_workers_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['team_id'], ['directory_teams.id'],
                                name=op.f('fk_directory_workers_team_id_directory_teams')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_workers')),
        sa.UniqueConstraint('organisation_id', 'secure_email', name='uq_directory_workers_email'),
    )
    op.create_index(op.f('ix_directory_workers_team_id'), 'directory_workers', ['team_id'], unique=False)
    op.create_table(
        'involvements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('source_record_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('worker_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.String(length=40), nullable=False),
        sa.Column('contact_route', sa.String(length=20), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('recorded_by', sa.String(length=120), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_involvements_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_involvements_person_id_persons'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'],
                                name=op.f('fk_involvements_source_record_id_source_records'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id'], ['directory_teams.id'],
                                name=op.f('fk_involvements_team_id_directory_teams')),
        sa.ForeignKeyConstraint(['worker_id'], ['directory_workers.id'],
                                name=op.f('fk_involvements_worker_id_directory_workers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_involvements')),
        sa.UniqueConstraint('source_record_id', name=op.f('uq_involvements_source_record_id')),
    )
    op.create_index('ix_involvements_organisation_status', 'involvements', ['organisation_id', 'status'], unique=False)
    op.create_index(op.f('ix_involvements_person_id'), 'involvements', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_involvements_person_id'), table_name='involvements')
    op.drop_index('ix_involvements_organisation_status', table_name='involvements')
    op.drop_table('involvements')
    op.drop_index(op.f('ix_directory_workers_team_id'), table_name='directory_workers')
    op.drop_table('directory_workers')
    op.drop_table('directory_teams')
