"""usernames unique without regard to case; sign-in attempts found by address; unlocking

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    clashes = op.get_bind().execute(sa.text(
        "select lower(username) from users group by lower(username) having count(*) > 1 order by 1"
    )).scalars().all()
    if clashes:
        raise RuntimeError(
            "Some usernames differ only in case, and usernames are now the same whatever their case: "
            f"{', '.join(clashes)}. Rename or remove all but one account of each before upgrading."
        )
    op.create_index('uq_users_lower_username', 'users', [sa.text('lower(username)')], unique=True)
    op.create_index('ix_sign_in_attempts_client_address_at', 'sign_in_attempts', ['client_address', 'at'])
    op.add_column('users', sa.Column('unlocked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('unlocked_at')
    op.drop_index('ix_sign_in_attempts_client_address_at', table_name='sign_in_attempts')
    op.drop_index('uq_users_lower_username', table_name='users')
