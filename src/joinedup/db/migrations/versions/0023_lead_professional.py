"""the lead professional for a person or family, and the team around the family's invited members

Revision ID: 0023
Revises: 0017
Create Date: 2026-12-02 20:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lead_professionals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('scope_key', sa.String(length=80), nullable=False),
        sa.Column('involvement_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('named_by', sa.String(length=120), nullable=False),
        sa.Column('named_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_by', sa.String(length=120), nullable=False),
        sa.Column('end_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['involvement_id'], ['involvements.id'],
                                name=op.f('fk_lead_professionals_involvement_id_involvements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_lead_professionals_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_professionals')),
    )
    op.create_index('ix_lead_professionals_scope_key', 'lead_professionals', ['scope_key', 'ended_at'], unique=False)
    op.create_table(
        'team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('family_key', sa.String(length=80), nullable=False),
        sa.Column('worker_id', sa.Integer(), nullable=False),
        sa.Column('invited_by', sa.String(length=120), nullable=False),
        sa.Column('invited_by_organisation_id', sa.Integer(), nullable=False),
        sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('removed_by', sa.String(length=120), nullable=False),
        sa.Column('removed_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['invited_by_organisation_id'], ['organisations.id'],
                                name=op.f('fk_team_members_invited_by_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['worker_id'], ['directory_workers.id'],
                                name=op.f('fk_team_members_worker_id_directory_workers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_members')),
    )
    op.create_index('ix_team_members_family_key', 'team_members', ['family_key', 'removed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_team_members_family_key', table_name='team_members')
    op.drop_table('team_members')
    op.drop_index('ix_lead_professionals_scope_key', table_name='lead_professionals')
    op.drop_table('lead_professionals')
