"""trust repairs in governed sharing: which roles may state each purpose, who gave
consent for a child, the IG leads named for a partnership, and break-glass review deadlines

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

#: Frontline purposes are for frontline roles; programme evaluation is the programme
#: manager's. The IG lead edits these on the purpose page.
FRONTLINE = ["mash_officer", "practitioner"]
PROGRAMME = ["programme_manager"]

def upgrade() -> None:
    with op.batch_alter_table('purposes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roles', sa.JSON(), nullable=False, server_default='[]'))
    purposes = sa.table('purposes', sa.column('code', sa.String), sa.column('roles', sa.JSON))
    connection = op.get_bind()
    for (code,) in connection.execute(sa.select(purposes.c.code)).all():
        roles = PROGRAMME if code == 'programme_evaluation' else FRONTLINE
        connection.execute(purposes.update().where(purposes.c.code == code).values(roles=roles))

    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_by', sa.String(length=20), nullable=False, server_default='person'))
        batch_op.add_column(sa.Column('given_by_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('competence_note', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ig_leads', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('break_glass', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))

def downgrade() -> None:
    with op.batch_alter_table('break_glass', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('review_due_at')
    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.drop_column('ig_leads')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_column('competence_note')
        batch_op.drop_column('given_by_name')
        batch_op.drop_column('given_by')
    with op.batch_alter_table('purposes', schema=None) as batch_op:
        batch_op.drop_column('roles')
