"""persons set aside for training: the only ones a trainer may preview "as" a partner

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'training_samples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('added_by', sa.String(length=120), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_training_samples_person_id_persons'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_samples')),
        sa.UniqueConstraint('person_id', name=op.f('uq_training_samples_person_id')),
    )


def downgrade() -> None:
    op.drop_table('training_samples')
