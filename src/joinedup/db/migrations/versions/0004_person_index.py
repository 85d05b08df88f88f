"""person index: pairs, review thresholds, history, stated relationships

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 11:03:56
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('review_from', sa.Float(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_settings'))
    )
    op.create_table('person_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_events_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['link_runs.id'], name=op.f('fk_person_events_run_id_link_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_person_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_events'))
    )
    with op.batch_alter_table('person_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_events_person_id'), ['person_id'], unique=False)

    op.create_table('link_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id_l', sa.Integer(), nullable=False),
    sa.Column('record_id_r', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('match_weight', sa.Float(), nullable=False),
    sa.Column('gammas', sa.String(length=80), nullable=False),
    sa.Column('weights', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['model_id'], ['link_models.id'], name=op.f('fk_link_pairs_model_id_link_models'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['record_id_l'], ['source_records.id'], name=op.f('fk_link_pairs_record_id_l_source_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id_r'], ['source_records.id'], name=op.f('fk_link_pairs_record_id_r_source_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['link_runs.id'], name=op.f('fk_link_pairs_run_id_link_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_pairs')),
    sa.UniqueConstraint('record_id_l', 'record_id_r', name='uq_link_pairs_pair')
    )
    with op.batch_alter_table('link_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_pairs_record_id_r'), ['record_id_r'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_pairs_status'), ['status'], unique=False)

    op.create_table('stated_relationships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Integer(), nullable=False),
    sa.Column('related_record_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['load_id'], ['ingest_loads.id'], name=op.f('fk_stated_relationships_load_id_ingest_loads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['related_record_id'], ['source_records.id'], name=op.f('fk_stated_relationships_related_record_id_source_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'], name=op.f('fk_stated_relationships_source_record_id_source_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stated_relationships')),
    sa.UniqueConstraint('source_record_id', 'related_record_id', 'kind', name='uq_stated_relationships_pair')
    )
    with op.batch_alter_table('stated_relationships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stated_relationships_related_record_id'), ['related_record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stated_relationships_source_record_id'), ['source_record_id'], unique=False)

    with op.batch_alter_table('link_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='full'))
        batch_op.add_column(sa.Column('review_from', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pairs_for_review', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('conflicts', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uprn', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_persons_uprn'), ['uprn'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_uprn'))
        batch_op.drop_column('uprn')

    with op.batch_alter_table('link_runs', schema=None) as batch_op:
        batch_op.drop_column('conflicts')
        batch_op.drop_column('pairs_for_review')
        batch_op.drop_column('review_from')
        batch_op.drop_column('kind')

    with op.batch_alter_table('stated_relationships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stated_relationships_source_record_id'))
        batch_op.drop_index(batch_op.f('ix_stated_relationships_related_record_id'))

    op.drop_table('stated_relationships')
    with op.batch_alter_table('link_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_pairs_status'))
        batch_op.drop_index(batch_op.f('ix_link_pairs_record_id_r'))

    op.drop_table('link_pairs')
    with op.batch_alter_table('person_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_events_person_id'))

    op.drop_table('person_events')
    op.drop_table('link_settings')
