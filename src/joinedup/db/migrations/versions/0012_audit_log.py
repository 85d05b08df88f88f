"""the tamper-evident audit log: entries' places in the Merkle tree, its leaves, its state and signed checkpoints

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 15:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('audit_events', 'sharing_decisions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('log_index', sa.BigInteger(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_log_index'), ['log_index'], unique=True)
    op.create_table(
        'audit_log_leaves',
        sa.Column('log_index', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False,
                  nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('row_id', sa.BigInteger(), nullable=False),
        sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint('log_index', name=op.f('pk_audit_log_leaves')),
    )
    op.create_table(
        'audit_log_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('frontier', sa.JSON(), nullable=False),
        sa.Column('root_hash', sa.String(length=64), nullable=False),
        sa.Column('sequenced_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log_state')),
    )
    op.create_table(
        'audit_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('root_hash', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('frontier', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    )
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_size'), ['size'], unique=False)


def downgrade() -> None:
    op.drop_table('audit_checkpoints')
    op.drop_table('audit_log_state')
    op.drop_table('audit_log_leaves')
    for table in ('sharing_decisions', 'audit_events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_log_index'))
            batch_op.drop_column('log_index')
