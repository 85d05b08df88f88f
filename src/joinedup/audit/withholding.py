"""Withholding the log's oldest entries at the end of their retention, in the manner of
tlog-tiles pruning: the entries' rows go, their leaves stay, so the tree, every signed
checkpoint and every proof of a later entry are unchanged.

Only a prefix of the log is withheld: every entry before the first one dated on or after
the cut-off. The withholding is itself an entry of the log (``audit.withhold``, with the
position below which entries are withheld), so ``joinedup audit verify`` accepts a missing
row only below the mark of a withholding that verifies, and still names any other
deleted entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from joinedup.audit.entries import logged_tables
from joinedup.audit.events import Actor, record_event
from joinedup.audit.models import AuditEvent
from joinedup.audit.sequencer import tree_state

WITHHOLD = "audit.withhold"


@dataclass(frozen=True)
class Withholding:
    """Entries below ``below`` (``entries`` of them not yet withheld) are dated before ``before``."""

    before: datetime
    below: int
    entries: int


def withholding_marks(connection: Connection) -> list[tuple[int, int, int]]:
    """(the withholding event's id, its place in the log, the mark below which it withheld)."""
    rows = connection.execute(select(AuditEvent.id, AuditEvent.log_index, AuditEvent.details)
                              .where(AuditEvent.action == WITHHOLD, AuditEvent.log_index.is_not(None)))
    return [(row_id, index, int((details or {}).get("withheld_below", 0))) for row_id, index, details in rows]


def plan_withholding(connection: Connection, before: datetime) -> Withholding:
    """What withholding everything dated before ``before`` would take (nothing is changed)."""
    below = tree_state(connection).size
    for logged in logged_tables():
        table = logged.table
        first = connection.execute(select(func.min(table.c.log_index))
                                   .where(table.c.at >= before, table.c.log_index.is_not(None))).scalar()
        if first is not None:
            below = min(below, first)
    entries = sum(connection.execute(select(func.count()).where(logged.table.c.log_index < below)).scalar_one()
                  for logged in logged_tables())
    return Withholding(before, below, entries)


def withhold_before(session: Session, actor: Actor, before: datetime) -> Withholding:
    """Delete the rows of the log's entries dated before ``before`` (a prefix of the log),
    keeping their leaves, and record the withholding as an entry; in the caller's transaction."""
    plan = plan_withholding(session.connection(), before)
    if not plan.entries:
        return plan
    for logged in logged_tables():
        session.execute(delete(logged.table).where(logged.table.c.log_index < plan.below))
    record_event(session, actor, action=WITHHOLD, outcome="success", subject_type="audit_log",
                 subject_id=str(plan.below),
                 details={"withheld_below": plan.below, "before": before.isoformat(), "entries": plan.entries})
    return plan
