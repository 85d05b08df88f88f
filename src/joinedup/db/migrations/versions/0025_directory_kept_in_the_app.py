"""a team of a directory can be retired in the app (kept for what names it, no longer offered)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 23:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite too): rebuilding the table would trip the foreign keys naming it.
    op.add_column('directory_teams', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('directory_teams') as batch:
        batch.drop_column('active')
