"""gazetteer: addresses, loads, match runs, matches, decisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 09:20:38
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gazetteer_loads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('mapping', sa.String(length=500), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.Column('needs_rematch', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('loaded_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gazetteer_loads'))
    )
    op.create_table('gazetteer_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uprn', sa.String(length=12), nullable=False),
    sa.Column('parent_uprn', sa.String(length=12), nullable=True),
    sa.Column('lpi_status', sa.String(length=16), nullable=False),
    sa.Column('preferred', sa.Boolean(), nullable=False),
    sa.Column('sao_text', sa.String(length=200), nullable=False),
    sa.Column('sao_start_number', sa.String(length=8), nullable=False),
    sa.Column('sao_start_suffix', sa.String(length=4), nullable=False),
    sa.Column('sao_end_number', sa.String(length=8), nullable=False),
    sa.Column('sao_end_suffix', sa.String(length=4), nullable=False),
    sa.Column('pao_text', sa.String(length=200), nullable=False),
    sa.Column('pao_start_number', sa.String(length=8), nullable=False),
    sa.Column('pao_start_suffix', sa.String(length=4), nullable=False),
    sa.Column('pao_end_number', sa.String(length=8), nullable=False),
    sa.Column('pao_end_suffix', sa.String(length=4), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('locality', sa.String(length=200), nullable=False),
    sa.Column('town', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=16), nullable=False),
    sa.Column('easting', sa.Float(), nullable=True),
    sa.Column('northing', sa.Float(), nullable=True),
    sa.Column('classification', sa.String(length=40), nullable=False),
    sa.Column('in_boundary', sa.Boolean(), nullable=True),
    sa.Column('normalised', sa.Text(), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['load_id'], ['gazetteer_loads.id'], name=op.f('fk_gazetteer_addresses_load_id_gazetteer_loads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gazetteer_addresses'))
    )
    with op.batch_alter_table('gazetteer_addresses', schema=None) as batch_op:
        batch_op.create_index('ix_gazetteer_addresses_postcode', ['postcode'], unique=False)
        batch_op.create_index('ix_gazetteer_addresses_street', ['street'], unique=False)
        batch_op.create_index('ix_gazetteer_addresses_uprn_preferred', ['uprn', 'preferred'], unique=False)

    op.create_table('gazetteer_load_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['load_id'], ['gazetteer_loads.id'], name=op.f('fk_gazetteer_load_issues_load_id_gazetteer_loads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gazetteer_load_issues'))
    )
    with op.batch_alter_table('gazetteer_load_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gazetteer_load_issues_load_id'), ['load_id'], unique=False)

    op.create_table('match_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('engine', sa.String(length=120), nullable=False),
    sa.Column('matched_by', sa.String(length=120), nullable=False),
    sa.Column('gazetteer_load_id', sa.Integer(), nullable=True),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('ambiguous', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.Column('exact', sa.Integer(), nullable=False),
    sa.Column('probabilistic', sa.Integer(), nullable=False),
    sa.Column('manual', sa.Integer(), nullable=False),
    sa.Column('out_of_area', sa.Integer(), nullable=False),
    sa.Column('unmatchable', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['gazetteer_load_id'], ['gazetteer_loads.id'], name=op.f('fk_match_runs_gazetteer_load_id_gazetteer_loads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_runs'))
    )
    op.create_table('address_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_system_id', sa.Integer(), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('normalised', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('uprn', sa.String(length=12), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_system_id'], ['source_systems.id'], name=op.f('fk_address_decisions_source_system_id_source_systems'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_address_decisions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_decisions')),
    sa.UniqueConstraint('source_system_id', 'address_key', name='uq_address_decisions_source_key')
    )
    op.create_table('address_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Integer(), nullable=False),
    sa.Column('source_system_id', sa.Integer(), nullable=False),
    sa.Column('uprn', sa.String(length=12), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('runner_up_uprn', sa.String(length=12), nullable=True),
    sa.Column('runner_up_score', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('needs_rematch', sa.Boolean(), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('normalised', sa.Text(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['address_decisions.id'], name=op.f('fk_address_matches_decision_id_address_decisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['match_runs.id'], name=op.f('fk_address_matches_run_id_match_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'], name=op.f('fk_address_matches_source_record_id_source_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_system_id'], ['source_systems.id'], name=op.f('fk_address_matches_source_system_id_source_systems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_matches')),
    sa.UniqueConstraint('source_record_id', name=op.f('uq_address_matches_source_record_id'))
    )
    with op.batch_alter_table('address_matches', schema=None) as batch_op:
        batch_op.create_index('ix_address_matches_address_key', ['address_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_matches_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_address_matches_status_source', ['status', 'source_system_id'], unique=False)
        batch_op.create_index('ix_address_matches_uprn', ['uprn'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('address_matches', schema=None) as batch_op:
        batch_op.drop_index('ix_address_matches_uprn')
        batch_op.drop_index('ix_address_matches_status_source')
        batch_op.drop_index(batch_op.f('ix_address_matches_run_id'))
        batch_op.drop_index('ix_address_matches_address_key')

    op.drop_table('address_matches')
    op.drop_table('address_decisions')
    op.drop_table('match_runs')
    with op.batch_alter_table('gazetteer_load_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gazetteer_load_issues_load_id'))

    op.drop_table('gazetteer_load_issues')
    with op.batch_alter_table('gazetteer_addresses', schema=None) as batch_op:
        batch_op.drop_index('ix_gazetteer_addresses_uprn_preferred')
        batch_op.drop_index('ix_gazetteer_addresses_street')
        batch_op.drop_index('ix_gazetteer_addresses_postcode')

    op.drop_table('gazetteer_addresses')
    op.drop_table('gazetteer_loads')
