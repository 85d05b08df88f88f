"""monitoring: review tasks, where the last run got to, staff declarations

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 18:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monitoring_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=False),
        sa.Column('finding', sa.String(length=200), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=120), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('persons', sa.JSON(), nullable=False),
        sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=30), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('decided_by', sa.String(length=120), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_monitoring_tasks_organisation_id_organisations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_monitoring_tasks_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_tasks')),
        sa.UniqueConstraint('finding', name=op.f('uq_monitoring_tasks_finding')),
    )
    op.create_index(op.f('ix_monitoring_tasks_rule'), 'monitoring_tasks', ['rule'], unique=False)
    op.create_index(op.f('ix_monitoring_tasks_user_id'), 'monitoring_tasks', ['user_id'], unique=False)
    op.create_index(op.f('ix_monitoring_tasks_organisation_id'), 'monitoring_tasks', ['organisation_id'],
                    unique=False)
    op.create_index(op.f('ix_monitoring_tasks_status'), 'monitoring_tasks', ['status'], unique=False)
    op.create_table(
        'monitoring_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('log_index', sa.BigInteger(), nullable=False),
        sa.Column('ran_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ran_by', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_state')),
    )
    op.create_table(
        'staff_declarations',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('surname', sa.String(length=200), nullable=False),
        sa.Column('postcode', sa.String(length=10), nullable=False),
        sa.Column('declared_by', sa.String(length=120), nullable=False),
        sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_declarations_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_staff_declarations')),
    )


def downgrade() -> None:
    op.drop_table('staff_declarations')
    op.drop_table('monitoring_state')
    op.drop_index(op.f('ix_monitoring_tasks_status'), table_name='monitoring_tasks')
    op.drop_index(op.f('ix_monitoring_tasks_organisation_id'), table_name='monitoring_tasks')
    op.drop_index(op.f('ix_monitoring_tasks_user_id'), table_name='monitoring_tasks')
    op.drop_index(op.f('ix_monitoring_tasks_rule'), table_name='monitoring_tasks')
    op.drop_table('monitoring_tasks')
