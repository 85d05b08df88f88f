"""A small place for monitoring: two organisations each with an IG lead, practitioners,
persons, and audit events written at chosen times (as the person page writes them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from factories import (
    actor_of,
    organisation,
    person_of,
    source_record,
    source_system,
    user,
)
from sqlalchemy import select

from joinedup.accounts.models import User
from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.involvements.models import Involvement
from joinedup.monitoring import MonitoringRules, run_monitoring
from joinedup.people.models import Person

#: A Tuesday, in working hours in London (GMT in December).
TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
SYSTEM = Actor.system("cli", "monitor")


@dataclass
class Place:
    users: dict[str, int] = field(default_factory=dict)
    organisations: dict[str, int] = field(default_factory=dict)
    persons: list[str] = field(default_factory=list)


def build_place(engine, persons: int = 30) -> Place:
    place = Place()
    with transaction(engine) as session:
        csc = organisation(session, "CSC", "Children's Social Care", "local_authority")
        pol = organisation(session, "POL", "Police", "police")
        place.organisations = {"CSC": csc.id, "POL": pol.id}
        system = source_system(session, "csc", "CSC system", csc)
        for username, owner, roles in (("sam.social", csc, ["practitioner"]), ("ivy.ig", csc, ["ig_lead"]),
                                       ("pat.police", pol, ["practitioner"]), ("pia.ig", pol, ["ig_lead"]),
                                       ("ada.admin", csc, ["admin"])):
            place.users[username] = user(session, username, owner, roles).id
        for number in range(persons):
            record = source_record(session, system, f"R{number}", forename=f"Name{number}", surname=f"Surname{number}",
                                   postcode="LS1 4AP")
            person_id = f"P{number:010d}"
            person_of(session, person_id, [record.id])
            place.persons.append(person_id)
    return place


def actor(engine, username: str) -> Actor:
    with transaction(engine) as session:
        return actor_of(session.scalar(select(User).where(User.username == username)))


def event(engine, place: Place, username: str, at: datetime, *, action: str = "person.view", outcome: str = "allowed",
          subject_id: str = "", details: dict | None = None, subject_type: str = "person") -> int:
    """An audit event by ``username`` at ``at``, as the app writes one."""
    organisation_id = place.organisations["POL" if username.startswith("p") else "CSC"]
    with transaction(engine) as session:
        row = AuditEvent(at=at, user_id=place.users[username], actor=username, organisation_id=organisation_id,
                         action=action, outcome=outcome, subject_type=subject_type, subject_id=subject_id,
                         channel="web", details=details or {})
        session.add(row)
        session.flush()
        return row.id


def views(engine, place: Place, username: str, at: datetime, count: int, *, start: int = 0, **details) -> None:
    for number in range(start, start + count):
        event(engine, place, username, at, subject_id=place.persons[number], details=details)


def involve(engine, place: Place, organisation: str, person_id: str, *, recorded_by: str = "",
            recorded_at: datetime | None = None) -> None:
    with transaction(engine) as session:
        person = session.scalar(select(Person).where(Person.person_id == person_id))
        session.add(Involvement(person_id=person.id, organisation_id=place.organisations[organisation],
                                role="allocated_social_worker", contact_route="secure_email", source="recorded",
                                recorded_by=recorded_by, **({"created_at": recorded_at} if recorded_at else {})))


def run(engine, rules: MonitoringRules | None = None):
    return run_monitoring(engine, SYSTEM, rules or MonitoringRules())
