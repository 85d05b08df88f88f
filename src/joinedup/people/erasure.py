"""Deleting source records for good, keeping the person index whole.

The retention job (and, later, a lawful erasure) deletes a record with everything hung on
it: its person link, its address match, its pairs, the involvements read from it. A person
who keeps other records gets their golden record rebuilt from those; a person left with
none is retired and anonymised (no name, date of birth or address), so a person id in the
audit log still leads somewhere and says the person is gone. Audit events and sharing
decisions keep the ids only, never content, so the log still verifies after a deletion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.db import utcnow
from joinedup.ingest.models import SourceRecord
from joinedup.people import standing
from joinedup.people.golden import read_records
from joinedup.people.linking import forget_values, refresh_person
from joinedup.people.models import Person, PersonEvent, PersonRecord

_CHUNK = 500


@dataclass(frozen=True)
class Erased:
    """What a deletion did: records deleted, persons rebuilt, persons retired."""

    records: int
    persons_rebuilt: int
    persons_retired: int


def erase_records(session: Session, actor: Actor, record_ids: Sequence[int], *, reason: str) -> Erased:
    """Delete ``record_ids`` and bring their persons in line, in the caller's transaction."""
    wanted = sorted(set(record_ids))
    held: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(wanted), _CHUNK):
        for person_id, record_id in session.execute(
                select(PersonRecord.person_id, PersonRecord.source_record_id)
                .where(PersonRecord.source_record_id.in_(wanted[start:start + _CHUNK]))):
            held[person_id].append(record_id)
    standing.forget(session, wanted)
    deleted = 0
    for start in range(0, len(wanted), _CHUNK):
        deleted += session.execute(delete(SourceRecord).where(SourceRecord.id.in_(wanted[start:start + _CHUNK]))
                                   .execution_options(synchronize_session=False)).rowcount or 0
    session.expire_all()
    now, rebuilt, retired = utcnow(), 0, 0
    for person in session.scalars(select(Person).where(Person.id.in_(list(held)))):
        remaining = list(session.scalars(select(PersonRecord.source_record_id)
                                         .where(PersonRecord.person_id == person.id)))
        details = {"records": len(held[person.id]), "by": "retention", "reason": reason[:200]}
        if remaining:
            refresh_person(session, person, read_records(session, remaining), None, now)
            session.add(PersonEvent(person_id=person.id, kind="lost_records", decided_by=actor.username[:120],
                                    user_id=actor.user_id, reason=reason, details=details))
            rebuilt += 1
            continue
        person.golden, person.record_count = {}, 0
        person.forename = person.surname = person.date_of_birth = person.uprn = None
        person.retired_at, person.updated_at = now, now
        session.add(PersonEvent(person_id=person.id, kind="retired", decided_by=actor.username[:120],
                                user_id=actor.user_id, reason=reason, details=details))
        retired += 1
    session.flush()
    forget_values()
    return Erased(deleted, rebuilt, retired)
