"""transparency: holds on a person's access report, and subject access requests

Revision ID: 0018
Revises: 0022
Create Date: 2026-12-02 18:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'transparency_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.String(length=20), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('until', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by', sa.String(length=200), nullable=False),
        sa.Column('recorded_by', sa.String(length=120), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_transparency_holds_organisation_id_organisations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_transparency_holds_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transparency_holds')),
    )
    op.create_index(op.f('ix_transparency_holds_person_id'), 'transparency_holds', ['person_id'], unique=False)
    op.create_table(
        'subject_access_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.String(length=20), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('extended_to', sa.Date(), nullable=True),
        sa.Column('extension_reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('refusal_reason', sa.Text(), nullable=False),
        sa.Column('completed_on', sa.Date(), nullable=True),
        sa.Column('recorded_by', sa.String(length=120), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_requests')),
    )
    op.create_index(op.f('ix_subject_access_requests_person_id'), 'subject_access_requests', ['person_id'],
                    unique=False)
    op.create_index(op.f('ix_subject_access_requests_due_on'), 'subject_access_requests', ['due_on'], unique=False)
    op.create_index(op.f('ix_subject_access_requests_status'), 'subject_access_requests', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_subject_access_requests_status'), table_name='subject_access_requests')
    op.drop_index(op.f('ix_subject_access_requests_due_on'), table_name='subject_access_requests')
    op.drop_index(op.f('ix_subject_access_requests_person_id'), table_name='subject_access_requests')
    op.drop_table('subject_access_requests')
    op.drop_index(op.f('ix_transparency_holds_person_id'), table_name='transparency_holds')
    op.drop_table('transparency_holds')
