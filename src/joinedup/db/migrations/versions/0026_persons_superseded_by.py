"""an index on persons.superseded_by: who is involved and the history ask which retired
persons a live person took over, on every person page, and without it read every person

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 23:05:00
"""

from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_persons_superseded_by', 'persons', ['superseded_by'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_persons_superseded_by', table_name='persons')
