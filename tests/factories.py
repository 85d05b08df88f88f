"""The one way tests put things in the store: organisations, source systems, agencies'
records, persons made of records, and users.

Each test world (tests/web/practice_support.py, governance_support.py, web_support.py,
linkage_support.py, the matrix's persons, the sensitive-service property) is built from
these, so a change to what a record or a person needs is made once. They add and flush in
the caller's transaction, and commit nothing themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.accounts import User, create_user
from joinedup.audit import Actor
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people import golden_record, read_records
from joinedup.people.models import Person, PersonRecord

PASSWORD = "correct horse battery"


def organisation(session: Session, code: str, name: str, kind: str) -> Organisation:
    """The organisation with this code, added when the store does not have it yet."""
    found = session.scalar(select(Organisation).where(Organisation.code == code))
    if found is None:
        found = Organisation(code=code, name=name, type=kind)
        session.add(found)
        session.flush()
    return found


def source_system(session: Session, code: str, name: str, owner: Organisation) -> SourceSystem:
    """The source system with this code, added when the store does not have it yet."""
    found = session.scalar(select(SourceSystem).where(SourceSystem.code == code))
    if found is None:
        found = SourceSystem(code=code, name=name, owner_organisation_id=owner.id)
        session.add(found)
        session.flush()
    return found


def source_record(session: Session, system: SourceSystem, local_id: str | None, *, row_hash: str | None = None,
                  **values: Any) -> SourceRecord:
    """An agency's record, as an ingest load would have kept it."""
    record = SourceRecord(source_system_id=system.id, local_id=local_id, row_hash=row_hash or local_id or "", **values)
    session.add(record)
    session.flush()
    return record


def person_of(session: Session, person_id: str, record_ids: Iterable[int], *, run_id: int | None = None,
              golden: bool = True, **values: Any) -> Person:
    """A person in the index holding these records. With ``golden`` their golden record is
    voted from the records, as a link run would; without, ``values`` name them."""
    held = list(record_ids)
    if golden:
        voted = golden_record(read_records(session, held))
        values = {"golden": voted, "forename": voted.get("forename", {}).get("value"),
                  "surname": voted.get("surname", {}).get("value"), **values}
    person = Person(person_id=person_id, record_count=len(held), created_run_id=run_id, **{"golden": {}, **values})
    session.add(person)
    session.flush()
    session.add_all(PersonRecord(source_record_id=record_id, person_id=person.id) for record_id in held)
    session.flush()
    return person


def user(session: Session, username: str, organisation: Organisation | str, roles: Iterable[str],
         **details: Any) -> User:
    """A user who signs in with :data:`PASSWORD`; named after the username unless told."""
    details.setdefault("display_name", username.replace(".", " ").title())
    return create_user(session, username=username, password=PASSWORD, organisation=organisation, roles=list(roles),
                       **details)


def actor_of(who: User, channel: str = "web") -> Actor:
    """The actor a signed-in user is, for calling the domain directly."""
    return Actor(user_id=who.id, username=who.username, organisation_id=who.organisation_id,
                 roles=frozenset(who.roles), channel=channel)

