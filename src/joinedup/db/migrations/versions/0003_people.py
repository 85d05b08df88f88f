"""people: persons, their records, link runs, models, pair decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 09:58:38
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trained_by', sa.String(length=120), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('adopted', sa.Boolean(), nullable=False),
    sa.Column('adopted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_models')),
    sa.UniqueConstraint('version', name=op.f('uq_link_models_version'))
    )
    op.create_table('link_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ran_by', sa.String(length=120), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('linked_persons', sa.Integer(), nullable=False),
    sa.Column('singletons', sa.Integer(), nullable=False),
    sa.Column('low_information', sa.Integer(), nullable=False),
    sa.Column('pairs_scored', sa.Integer(), nullable=False),
    sa.Column('pairs_linked', sa.Integer(), nullable=False),
    sa.Column('merges_refused', sa.Integer(), nullable=False),
    sa.Column('ids_kept', sa.Integer(), nullable=False),
    sa.Column('ids_new', sa.Integer(), nullable=False),
    sa.Column('ids_retired', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['link_models.id'], name=op.f('fk_link_runs_model_id_link_models'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_runs'))
    )
    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.String(length=20), nullable=False),
    sa.Column('forename', sa.String(length=200), nullable=True),
    sa.Column('surname', sa.String(length=200), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('golden', sa.JSON(), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('low_information', sa.Boolean(), nullable=False),
    sa.Column('created_run_id', sa.Integer(), nullable=True),
    sa.Column('updated_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_by', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['created_run_id'], ['link_runs.id'], name=op.f('fk_persons_created_run_id_link_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_run_id'], ['link_runs.id'], name=op.f('fk_persons_updated_run_id_link_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('person_id', name=op.f('uq_persons_person_id'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_date_of_birth'), ['date_of_birth'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_surname'), ['surname'], unique=False)

    op.create_table('pair_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id_l', sa.Integer(), nullable=False),
    sa.Column('record_id_r', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id_l'], ['source_records.id'], name=op.f('fk_pair_decisions_record_id_l_source_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id_r'], ['source_records.id'], name=op.f('fk_pair_decisions_record_id_r_source_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pair_decisions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pair_decisions')),
    sa.UniqueConstraint('record_id_l', 'record_id_r', name='uq_pair_decisions_pair')
    )
    with op.batch_alter_table('pair_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pair_decisions_record_id_r'), ['record_id_r'], unique=False)

    op.create_table('person_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('match_probability', sa.Float(), nullable=True),
    sa.Column('low_information', sa.Boolean(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_records_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['link_runs.id'], name=op.f('fk_person_records_run_id_link_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'], name=op.f('fk_person_records_source_record_id_source_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_records')),
    sa.UniqueConstraint('source_record_id', name=op.f('uq_person_records_source_record_id'))
    )
    with op.batch_alter_table('person_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_records_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('person_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_records_person_id'))

    op.drop_table('person_records')
    with op.batch_alter_table('pair_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pair_decisions_record_id_r'))

    op.drop_table('pair_decisions')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_surname'))
        batch_op.drop_index(batch_op.f('ix_persons_date_of_birth'))

    op.drop_table('persons')
    op.drop_table('link_runs')
    op.drop_table('link_models')
