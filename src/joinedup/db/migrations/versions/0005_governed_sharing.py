"""governed sharing

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 12:19:16
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_data_categories_code'))
    )
    op.create_table('purposes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('safeguarding', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purposes')),
    sa.UniqueConstraint('code', name=op.f('uq_purposes_code'))
    )
    op.create_table('sharing_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_agreements')),
    sa.UniqueConstraint('code', name=op.f('uq_sharing_agreements_code'))
    )
    op.create_table('sharing_rules_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_rules_state'))
    )
    op.create_table('agreement_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('parties', sa.JSON(), nullable=False),
    sa.Column('datasets', sa.JSON(), nullable=False),
    sa.Column('lawful_basis', sa.JSON(), nullable=False),
    sa.Column('consent_required', sa.Boolean(), nullable=False),
    sa.Column('safeguarding_overrides', sa.Boolean(), nullable=False),
    sa.Column('retention', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('signatories', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['sharing_agreements.id'], name=op.f('fk_agreement_versions_agreement_id_sharing_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_versions')),
    sa.UniqueConstraint('agreement_id', 'version', name='uq_agreement_versions_version')
    )
    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_versions_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_versions_status'), ['status'], unique=False)

    op.create_table('break_glass',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by', sa.String(length=120), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_break_glass_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_break_glass_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_break_glass_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_break_glass'))
    )
    with op.batch_alter_table('break_glass', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_break_glass_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_break_glass_review_status'), ['review_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_break_glass_user_id'), ['user_id'], unique=False)

    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('purposes', sa.JSON(), nullable=False),
    sa.Column('organisations', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('informed', sa.Boolean(), nullable=False),
    sa.Column('not_informed_reason', sa.Text(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consent_records_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_consent_records_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consent_records_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_person_id'), ['person_id'], unique=False)

    op.create_table('sharing_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.String(length=20), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('source_organisation_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('agreement_version_id', sa.Integer(), nullable=True),
    sa.Column('policy_ids', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('break_glass_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_version_id'], ['agreement_versions.id'], name=op.f('fk_sharing_decisions_agreement_version_id_agreement_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['break_glass_id'], ['break_glass.id'], name=op.f('fk_sharing_decisions_break_glass_id_break_glass'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_sharing_decisions_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['record_id'], ['source_records.id'], name=op.f('fk_sharing_decisions_record_id_source_records'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_organisation_id'], ['organisations.id'], name=op.f('fk_sharing_decisions_source_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sharing_decisions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_decisions'))
    )
    with op.batch_alter_table('sharing_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_decisions_agreement_version_id'), ['agreement_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_decisions_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_decisions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_decisions_outcome'), ['outcome'], unique=False)
        batch_op.create_index('ix_sharing_decisions_person_at', ['person_id', 'at'], unique=False)
        batch_op.create_index('ix_sharing_decisions_user_at', ['user_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sharing_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_sharing_decisions_user_at')
        batch_op.drop_index('ix_sharing_decisions_person_at')
        batch_op.drop_index(batch_op.f('ix_sharing_decisions_outcome'))
        batch_op.drop_index(batch_op.f('ix_sharing_decisions_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_sharing_decisions_at'))
        batch_op.drop_index(batch_op.f('ix_sharing_decisions_agreement_version_id'))

    op.drop_table('sharing_decisions')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_records_person_id'))

    op.drop_table('consent_records')
    with op.batch_alter_table('break_glass', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_break_glass_user_id'))
        batch_op.drop_index(batch_op.f('ix_break_glass_review_status'))
        batch_op.drop_index(batch_op.f('ix_break_glass_person_id'))

    op.drop_table('break_glass')
    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_versions_status'))
        batch_op.drop_index(batch_op.f('ix_agreement_versions_agreement_id'))

    op.drop_table('agreement_versions')
    op.drop_table('sharing_rules_state')
    op.drop_table('sharing_agreements')
    op.drop_table('purposes')
    op.drop_table('data_categories')
