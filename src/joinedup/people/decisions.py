"""People's decisions on pairs of source records: the constraints every run respects."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.ingest.models import SourceRecord
from joinedup.people.models import PAIR_DECISIONS, PairDecision


def decide_pair(session: Session, actor: Actor, record_a: int, record_b: int, decision: str, *,
                reason: str = "") -> PairDecision:
    """Record that two source records are (``accept``) or are not (``reject``) one person.

    Replaces any earlier decision on the pair; audited as ``people.pair.decide``. It
    takes effect at the next link run.
    """
    if decision not in PAIR_DECISIONS:
        raise ValueError(f"a decision is one of {', '.join(PAIR_DECISIONS)}")
    if record_a == record_b:
        raise ValueError("a pair is two different records")
    left, right = sorted((record_a, record_b))
    for record_id in (left, right):
        if session.get(SourceRecord, record_id) is None:
            raise LookupError(f"there is no source record {record_id}")
    found = session.scalar(
        select(PairDecision).where(PairDecision.record_id_l == left, PairDecision.record_id_r == right)
    )
    previous = found.decision if found else None
    if found is None:
        found = PairDecision(record_id_l=left, record_id_r=right)
        session.add(found)
    found.decision = decision
    found.reason = reason
    found.decided_by = actor.username[:120]
    found.user_id = actor.user_id
    session.flush()
    record_event(session, actor, action="linkage.pair.decide", outcome="success", subject_type="pair_decision",
                 subject_id=found.id, reason=reason,
                 details={"records": [left, right], "decision": decision, "previous": previous})
    return found
