"""the standing link index: records with their blocking keys, term frequencies, state

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 23:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_term_frequencies',
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('field', 'value', name=op.f('pk_link_term_frequencies'))
    )
    op.create_table('link_index_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('scoring_sql', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['link_models.id'], name=op.f('fk_link_index_state_model_id_link_models'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['link_runs.id'], name=op.f('fk_link_index_state_run_id_link_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_index_state'))
    )
    op.create_table('link_index_identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'], name=op.f('fk_link_index_identifiers_source_record_id_source_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_index_identifiers'))
    )
    with op.batch_alter_table('link_index_identifiers', schema=None) as batch_op:
        batch_op.create_index('ix_link_index_identifiers_scheme_value', ['scheme', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_identifiers_source_record_id'), ['source_record_id'], unique=False)

    op.create_table('link_index_records',
    sa.Column('source_record_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('forename', sa.Text(), nullable=True),
    sa.Column('forename_root', sa.Text(), nullable=True),
    sa.Column('forename_sound', sa.Text(), nullable=True),
    sa.Column('surname', sa.Text(), nullable=True),
    sa.Column('surname_sound', sa.Text(), nullable=True),
    sa.Column('dob', sa.Text(), nullable=True),
    sa.Column('dob_swapped', sa.Text(), nullable=True),
    sa.Column('birth_year', sa.Text(), nullable=True),
    sa.Column('birthday', sa.Text(), nullable=True),
    sa.Column('sex', sa.Text(), nullable=True),
    sa.Column('nhs_number', sa.Text(), nullable=True),
    sa.Column('ni_number', sa.Text(), nullable=True),
    sa.Column('upn', sa.Text(), nullable=True),
    sa.Column('uprn', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('house', sa.Text(), nullable=True),
    sa.Column('street', sa.Text(), nullable=True),
    sa.Column('postcode', sa.Text(), nullable=True),
    sa.Column('outward', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'], name=op.f('fk_link_index_records_source_record_id_source_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source_record_id', name=op.f('pk_link_index_records'))
    )
    with op.batch_alter_table('link_index_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_index_records_dob'), ['dob'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_email'), ['email'], unique=False)
        batch_op.create_index('ix_link_index_records_forename_root_birthday', ['forename_root', 'birthday'], unique=False)
        batch_op.create_index('ix_link_index_records_house_street', ['house', 'street'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_nhs_number'), ['nhs_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_ni_number'), ['ni_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_postcode'), ['postcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_surname'), ['surname'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_surname_sound'), ['surname_sound'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_upn'), ['upn'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_index_records_uprn'), ['uprn'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('link_index_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_index_records_uprn'))
        batch_op.drop_index(batch_op.f('ix_link_index_records_upn'))
        batch_op.drop_index(batch_op.f('ix_link_index_records_surname_sound'))
        batch_op.drop_index(batch_op.f('ix_link_index_records_surname'))
        batch_op.drop_index(batch_op.f('ix_link_index_records_postcode'))
        batch_op.drop_index(batch_op.f('ix_link_index_records_phone'))
        batch_op.drop_index(batch_op.f('ix_link_index_records_ni_number'))
        batch_op.drop_index(batch_op.f('ix_link_index_records_nhs_number'))
        batch_op.drop_index('ix_link_index_records_house_street')
        batch_op.drop_index('ix_link_index_records_forename_root_birthday')
        batch_op.drop_index(batch_op.f('ix_link_index_records_email'))
        batch_op.drop_index(batch_op.f('ix_link_index_records_dob'))

    op.drop_table('link_index_records')
    with op.batch_alter_table('link_index_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_index_identifiers_source_record_id'))
        batch_op.drop_index('ix_link_index_identifiers_scheme_value')

    op.drop_table('link_index_identifiers')
    op.drop_table('link_index_state')
    op.drop_table('link_term_frequencies')
