"""Clerical review: the queue of uncertain pairs, why a pair scored as it did, and the
reviewer's decisions (accept, reject, merge two persons, split a record out).

A decision changes the index at once (records move between persons, golden records are
rebuilt, the history of each person says who did what and why) and is stored as pair
decisions that every later run respects: a rejected pair is never linked again, an
accepted pair is always linked unless that would join a rejected one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.errors import Conflict
from joinedup.ingest.models import SourceRecord
from joinedup.people import linkage_model as linkage
from joinedup.people.clustering import IDENTIFIER_NAMES, different_identifiers, strong_identifiers
from joinedup.people.decisions import decide_pair
from joinedup.people.golden import read_records
from joinedup.people.linking import _free_person_id, adopted_model, refresh_person
from joinedup.people.models import (
    LinkModel,
    LinkPair,
    PairDecision,
    Person,
    PersonEvent,
    PersonRecord,
)

#: The longest reason a decision keeps.
REASON_MAX = 2000
#: The statuses of pairs that wait for a reviewer.
QUEUE_STATUSES = ("conflict", "refused", "review")


class ReviewRefused(Conflict):
    """A decision that would break a constraint (a rejected pair, two identifiers), naming
    the field refused: ``reason``, ``record`` (the record to split out) or ``other`` (the
    person to merge in)."""


def review_queue(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[LinkPair], int]:
    """Pairs waiting for a reviewer, and how many there are: kept by the last runs as
    ``review``, ``refused`` or ``conflict``, not yet decided, and still in two persons.
    Conflicts first, then refusals, then the most probable."""
    left, right = aliased(PersonRecord), aliased(PersonRecord)
    decided = exists().where(and_(PairDecision.record_id_l == LinkPair.record_id_l,
                                  PairDecision.record_id_r == LinkPair.record_id_r))
    waiting = (
        select(LinkPair)
        .join(left, left.source_record_id == LinkPair.record_id_l)
        .join(right, right.source_record_id == LinkPair.record_id_r)
        .where(LinkPair.status.in_(QUEUE_STATUSES), ~decided, left.person_id != right.person_id)
    )
    total = session.scalar(select(func.count()).select_from(waiting.subquery()))
    order = case({"conflict": 0, "refused": 1}, value=LinkPair.status, else_=2)
    pairs = session.scalars(waiting.order_by(order, LinkPair.probability.desc(), LinkPair.id)
                            .limit(limit).offset(offset)).all()
    return list(pairs), total or 0


def person_of(session: Session, record_id: int) -> Person | None:
    return session.scalar(select(Person).join(PersonRecord, PersonRecord.person_id == Person.id)
                          .where(PersonRecord.source_record_id == record_id))


@dataclass
class PairExplanation:
    """Why two records scored as they did: the prior, each comparison's weight, the total."""

    record_ids: tuple[int, int]
    pair: LinkPair | None
    model: LinkModel | None
    persons: tuple[Person | None, Person | None]
    decision: PairDecision | None
    prior: float = 0.0
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def match_weight(self) -> float | None:
        return self.pair.match_weight if self.pair else None

    @property
    def probability(self) -> float | None:
        return self.pair.probability if self.pair else None

    @property
    def same_person(self) -> bool:
        return self.persons[0] is not None and self.persons[0] is self.persons[1]


def explain_pair(session: Session, record_a: int, record_b: int) -> PairExplanation:
    """The explanation of the pair as the last run that scored it saw it.

    A pair no run kept (no blocking rule paired them, or it scored below the review
    threshold without sharing an identifier) has no steps: ``pair`` is None.
    """
    left, right = sorted((record_a, record_b))
    pair = session.scalar(select(LinkPair).where(LinkPair.record_id_l == left, LinkPair.record_id_r == right))
    decision = pair_decision(session, left, right)
    model = session.get(LinkModel, pair.model_id) if pair and pair.model_id else adopted_model(session)
    explanation = PairExplanation((left, right), pair, model, (person_of(session, left), person_of(session, right)),
                                  decision)
    if pair is not None and model is not None and pair.gammas and pair.weights:
        explanation.prior = linkage.prior_weight(model.settings)
        explanation.steps = linkage.explain(model.settings, pair.gammas, pair.weights)
    return explanation


# --------------------------------------------------------------------------- decisions


def review_pair(session: Session, actor: Actor, record_a: int, record_b: int, decision: str, *,
                reason: str) -> str:
    """Decide a pair and apply it now; return what happened, in words.

    ``accept`` in two persons merges them; ``reject`` in one person splits ``record_b``
    out. Either way the decision is kept for every later run.
    """
    reason = _reason(reason)
    person_a, person_b = person_of(session, record_a), person_of(session, record_b)
    if decision == "accept" and person_a is not None and person_b is not None and person_a.id != person_b.id:
        kept = merge_persons(session, actor, person_a, person_b, reason=reason, records=(record_a, record_b))
        return f"Accepted: {person_b.person_id} is merged into {kept.person_id}."
    if decision == "reject" and person_a is not None and person_b is not None and person_a.id == person_b.id:
        decide_pair(session, actor, record_a, record_b, "reject", reason=reason)
        new = split_record(session, actor, person_a, record_b, reason=reason)
        return f"Rejected: the record is split out of {person_a.person_id} into {new.person_id}."
    decide_pair(session, actor, record_a, record_b, decision, reason=reason)
    return "Accepted: they were already one person." if decision == "accept" else "Rejected: they stay apart."


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused("Give a reason for the decision.", "reason")
    return reason[:REASON_MAX]


def records_of(session: Session, person: Person) -> list[int]:
    """The ids of ``person``'s source records, in order."""
    return list(session.scalars(select(PersonRecord.source_record_id).where(PersonRecord.person_id == person.id)
                                .order_by(PersonRecord.source_record_id)))


def _rejected_between(session: Session, left: list[int], right: list[int]) -> bool:
    if not left or not right:
        return False
    rows = session.execute(select(PairDecision.record_id_l, PairDecision.record_id_r)
                           .where(PairDecision.decision == "reject",
                                  PairDecision.record_id_l.in_(left + right),
                                  PairDecision.record_id_r.in_(left + right)))
    a, b = set(left), set(right)
    return any((x in a and y in b) or (x in b and y in a) for x, y in rows)


def merge_persons(session: Session, actor: Actor, keep: Person, other: Person, *, reason: str,
                  records: tuple[int, int] | None = None) -> Person:
    """Merge ``other`` into ``keep``: every record moves, ``other`` is retired naming
    ``keep``. Refused when a reviewer rejected a pair across them or they hold different
    NHS numbers, NI numbers or UPNs. The accepted pair (``records``, else each person's
    first record) is kept as a decision so that reruns keep them together."""
    reason = _reason(reason)
    if keep.id == other.id:
        raise ReviewRefused("These records are already one person.", "other")
    for person in (keep, other):
        if person.retired_at is not None:
            raise ReviewRefused(f"{person.person_id} is retired: their records now belong to {person.superseded_by}.",
                                "other")
    mine, theirs = records_of(session, keep), records_of(session, other)
    if not mine or not theirs:
        raise ReviewRefused("A person with no records cannot be merged.", "other")
    if _rejected_between(session, mine, theirs):
        raise ReviewRefused("A reviewer decided that records of these two persons are different people: "
                            "change that decision first.", "other")
    by_id = {record["id"]: record for record in read_records(session, mine + theirs)}
    for name, label in IDENTIFIER_NAMES.items():
        ours = {strong_identifiers(by_id[i]).get(name) for i in mine} - {None}
        yours = {strong_identifiers(by_id[i]).get(name) for i in theirs} - {None}
        if ours and yours and different_identifiers(name, ours, yours):
            raise ReviewRefused(f"The two persons have different {label}s: they cannot be one person.", "other")
    left, right = records or (mine[0], theirs[0])
    decide_pair(session, actor, left, right, "accept", reason=reason)
    now = utcnow()
    session.execute(update(PersonRecord).where(PersonRecord.person_id == other.id).values(person_id=keep.id))
    session.execute(update(PersonRecord).where(PersonRecord.source_record_id.in_((left, right)))
                    .values(match_probability=1.0))
    _restate_pairs(session, mine + theirs, "linked", "")
    refresh_person(session, keep, [by_id[i] for i in sorted(mine + theirs)], None, now)
    other.retired_at, other.superseded_by, other.record_count, other.updated_at = now, keep.person_id, 0, now
    session.add_all([
        PersonEvent(person_id=keep.id, kind="merged", decided_by=actor.username[:120], user_id=actor.user_id,
                    reason=reason, details={"merged": other.person_id, "records": theirs[:50], "count": len(theirs)}),
        PersonEvent(person_id=other.id, kind="retired", decided_by=actor.username[:120], user_id=actor.user_id,
                    reason=reason, details={"superseded_by": keep.person_id, "merged": True}),
    ])
    session.flush()
    record_event(session, actor, action="linkage.person.merge", outcome="success", subject_type="person",
                 subject_id=keep.person_id, reason=reason, details={"kept": keep.person_id, "merged": other.person_id})
    return keep


def split_record(session: Session, actor: Actor, person: Person, record_id: int, *, reason: str) -> Person:
    """Split a record (with the same agency's other records of that person, by local id)
    out of ``person`` into a new person; every remaining record is recorded as rejected
    against it, so that reruns keep them apart."""
    reason = _reason(reason)
    held = records_of(session, person)
    if record_id not in held:
        raise ReviewRefused("That record is not one of this person's records.", "record")
    by_id = {record["id"]: record for record in read_records(session, held)}
    chosen = by_id[record_id]
    moving = [i for i in held if (by_id[i]["source"], by_id[i]["local_id"]) == (chosen["source"], chosen["local_id"])]
    staying = [i for i in held if i not in moving]
    if not staying:
        raise ReviewRefused("Every record of this person is that agency's record of them: there is nothing to split.",
                            "record")
    for other in staying:
        for mover in moving:
            decide_pair(session, actor, other, mover, "reject", reason=reason)
    now = utcnow()
    new = Person(person_id=_free_person_id(session), created_at=now, updated_at=now)
    session.add(new)
    session.flush()
    session.execute(update(PersonRecord).where(PersonRecord.source_record_id.in_(moving))
                    .values(person_id=new.id, match_probability=None))
    _restate_pairs(session, moving + staying, "refused", "A reviewer split these records apart.", across=(moving, staying))
    refresh_person(session, new, [by_id[i] for i in moving], None, now)
    refresh_person(session, person, [by_id[i] for i in staying], None, now)
    session.add_all([
        PersonEvent(person_id=person.id, kind="split", decided_by=actor.username[:120], user_id=actor.user_id,
                    reason=reason, details={"records": moving, "into": new.person_id}),
        PersonEvent(person_id=new.id, kind="split", decided_by=actor.username[:120], user_id=actor.user_id,
                    reason=reason, details={"records": moving, "from": person.person_id}),
    ])
    session.flush()
    record_event(session, actor, action="linkage.person.split", outcome="success", subject_type="person",
                 subject_id=person.person_id, reason=reason,
                 details={"from": person.person_id, "into": new.person_id, "records": moving})
    return new


def _restate_pairs(session: Session, records: list[int], status: str, reason: str, *,
                   across: tuple[list[int], list[int]] | None = None) -> None:
    """Bring the kept pairs among ``records`` (or only those across two groups) in line
    with a reviewer's merge or split, until the next run scores them again."""
    if not records:
        return
    pairs = session.scalars(select(LinkPair).where(LinkPair.record_id_l.in_(records),
                                                   LinkPair.record_id_r.in_(records))).all()
    for pair in pairs:
        if across is not None:
            one, two = set(across[0]), set(across[1])
            if not ((pair.record_id_l in one and pair.record_id_r in two)
                    or (pair.record_id_l in two and pair.record_id_r in one)):
                continue
        pair.status, pair.reason = status, reason


# --------------------------------------------------------------------------- reading decisions and events


def two_records(session: Session, record_a: int, record_b: int) -> bool:
    """Whether these are two different source records that exist: a pair to decide."""
    return record_a != record_b and all(session.get(SourceRecord, i) is not None for i in (record_a, record_b))


def pairs_among(session: Session, record_ids: list[int], *, limit: int = 100) -> list[LinkPair]:
    """The pairs runs kept among ``record_ids``, most probable first."""
    if not record_ids:
        return []
    return list(session.scalars(
        select(LinkPair).where(LinkPair.record_id_l.in_(record_ids), LinkPair.record_id_r.in_(record_ids))
        .order_by(LinkPair.probability.desc(), LinkPair.id).limit(limit)))


def pair_decision(session: Session, record_a: int, record_b: int) -> PairDecision | None:
    """The decision on a pair of records, if anyone made one."""
    left, right = sorted((record_a, record_b))
    return session.scalar(select(PairDecision).where(PairDecision.record_id_l == left,
                                                     PairDecision.record_id_r == right))


def decision_by_id(session: Session, decision_id: int) -> PairDecision | None:
    return session.get(PairDecision, decision_id)


def person_event(session: Session, event_id: int) -> PersonEvent | None:
    return session.get(PersonEvent, event_id)


def last_event(session: Session, person: Person, kind: str) -> PersonEvent | None:
    """The most recent event of ``kind`` (split, merged, …) in ``person``'s history."""
    return session.scalar(select(PersonEvent).where(PersonEvent.person_id == person.id, PersonEvent.kind == kind)
                          .order_by(PersonEvent.id.desc()).limit(1))


# --------------------------------------------------------------------------- history


def person_history(session: Session, person: Person) -> list[dict[str, Any]]:
    """How the person came to be: created by a run (or a split), then every event."""
    entries: list[dict[str, Any]] = []
    if person.created_run_id is not None:
        entries.append({"at": person.created_at, "kind": "created", "run_id": person.created_run_id,
                        "decided_by": "", "reason": "", "details": {}})
    for event in session.scalars(select(PersonEvent).where(PersonEvent.person_id == person.id).order_by(PersonEvent.id)):
        entries.append({"at": event.at, "kind": event.kind, "run_id": event.run_id, "decided_by": event.decided_by,
                        "reason": event.reason, "details": event.details})
    return entries
