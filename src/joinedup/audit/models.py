from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.db import Base, utcnow


class AuditEvent(Base):
    """Something that happened that an IG lead may need to account for.

    Who (user and organisation), when, what (action and subject), from where (channel
    and client address), the outcome and the reason. Rows are only ever appended; the
    sequencer gives each its place in the tamper-evident log (``log_index``) once the
    transaction that wrote it has committed.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "subject_type", "subject_id"),
        Index("ix_audit_events_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(120), default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20), default="")
    client_address: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(default=dict)
    #: The entry's position among the leaves of the log's Merkle tree; empty until sequenced.
    log_index: Mapped[int | None] = mapped_column(BigInteger, index=True, unique=True)


class AuditLogLeaf(Base):
    """One leaf of the log's Merkle tree, in sequence: which row it is and the hash of that
    row's canonical encoding as it was when sequenced. ``joinedup audit verify`` compares
    each row's hash now with this one to name the first entry that was changed."""

    __tablename__ = "audit_log_leaves"

    log_index: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                           autoincrement=False)
    source: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[int] = mapped_column(BigInteger)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditLogState(Base):
    """One row: the size of the sequenced tree and its right edge (the roots of its perfect
    subtrees, hex), so the sequencer extends the tree without reading it. The sequencer
    holds this row's lock while it works."""

    __tablename__ = "audit_log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    frontier: Mapped[list] = mapped_column(default=list)
    root_hash: Mapped[str] = mapped_column(String(64))
    sequenced_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditCheckpoint(Base):
    """A signed checkpoint: the note (C2SP tlog-checkpoint, signed-note form) exactly as
    signed, with its size and root hash for finding it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    #: The tree's right edge at this size (hex), checked against the signed root: the next
    #: checkpoint is signed only if the leaves since extend it to the new root.
    frontier: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
