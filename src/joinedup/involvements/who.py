"""Who is involved with a person: every current involvement, and those recently ended,
as the actor may see them.

Read only through the disclosure layer
(:func:`joinedup.disclosure.involvements.disclose_involvements`): each involvement is
decided by the policy point, audited, and shows only the fields allowed. An involvement
with a sensitive service, of another organisation, shows only that a service is involved
and that the IG lead can put the practitioner in touch, never the service, team or worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session, joinedload

from joinedup.audit import Actor
from joinedup.disclosure.involvements import disclose_involvements
from joinedup.disclosure.persons import PersonView
from joinedup.ingest.models import SourceRecord
from joinedup.involvements.models import Involvement
from joinedup.partners.models import SourceSystem
from joinedup.partners.roles import CONTACT_ROUTES, INVOLVEMENT_ROLES
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing.involvements import InvolvementSubject

#: How long an ended involvement is still shown.
RECENTLY_ENDED = timedelta(days=90)


@dataclass(frozen=True)
class InvolvementShown:
    """One involvement as the actor may see it (a field withheld is None)."""

    id: int
    organisation: str | None
    team: str | None
    role: str | None
    worker: str | None
    contacts: tuple[tuple[str, str], ...]
    starts_on: date | None
    ends_on: date | None
    current: bool
    source: str
    own: bool  # the actor's organisation's: they may end or correct it (if recorded in the app)


@dataclass(frozen=True)
class WhoIsInvolved:
    """The involvements shown on a person's page; ``shielded``: a sensitive service is
    involved that the actor may not be told of (never how many, never which)."""

    current: tuple[InvolvementShown, ...] = ()
    recently_ended: tuple[InvolvementShown, ...] = ()
    shielded: bool = False

    @property
    def empty(self) -> bool:
        return not (self.current or self.recently_ended or self.shielded)


#: A role in words → its place in the catalogue (partners.roles.INVOLVEMENT_ROLES).
ROLE_RANK = {words: rank for rank, words in enumerate(INVOLVEMENT_ROLES.values())}


def who_is_involved(session: Session, actor: Actor, view: PersonView | None, *,
                    today: date | None = None) -> WhoIsInvolved:
    """Who is involved with the person of ``view`` (their page, as the actor may see it)."""
    today = today or date.today()
    shown, shielded = involvements_seen(session, actor, view, ended_since=today - RECENTLY_ENDED)
    # The professionals a practitioner most often needs first: the catalogue's order of
    # roles (the allocated social worker, the key worker, the school's safeguarding lead
    # before the GP), then the latest to start.
    current = sorted((one for one in shown if one.current),
                     key=lambda one: (ROLE_RANK.get(one.role, len(ROLE_RANK)), -(one.starts_on or date.min).toordinal()))
    ended = sorted((one for one in shown if not one.current), key=lambda one: one.ends_on or date.min, reverse=True)
    return WhoIsInvolved(tuple(current), tuple(ended), shielded)


def involvements_seen(session: Session, actor: Actor, view: PersonView | None, *,
                      ended_since: date | None = None) -> tuple[list[InvolvementShown], bool]:
    """The involvements of the person of ``view`` that the actor may see (every one, or
    those current or ended since ``ended_since``), each decided and audited; and whether a
    shielded service is involved. The chronology reads every one; the person page the
    recent ones."""
    if view is None or not view.allowed or view.retired_at is not None:
        return [], False
    person = session.scalar(select(Person).where(Person.person_id == view.person_id))
    if person is None:
        return [], False
    involvements = _involvements_of(session, person, ended_since)
    rows = _rows(session, [involvement.source_record_id for involvement in involvements
                           if involvement.source_record_id is not None])
    values = [(_subject(involvement, person.person_id, rows), _values(involvement)) for involvement in involvements]
    disclosed = disclose_involvements(session, actor, view, values)
    shown = []
    shielded = False
    for involvement, found in zip(involvements, disclosed, strict=True):
        if found.shielded:
            shielded = True
            continue
        if not found.allowed:
            continue
        shown.append(InvolvementShown(
            involvement.id, found.fields.get("organisation"), found.fields.get("team"), found.fields.get("role"),
            found.fields.get("worker"), found.fields.get("contact") or (),
            *(found.fields.get("dates") or (None, None)),
            current=involvement.status == "current", source=involvement.source,
            own=involvement.organisation_id == actor.organisation_id,
        ))
    return shown, shielded


def _involvements_of(session: Session, person: Person | list[Person], ended_since: date | None) -> list[Involvement]:
    """The involvements of a person (or of several, together): from their records' rows,
    and recorded for them (or for a person merged into them), current or ended since
    ``ended_since`` (None: all). Indexed lookups rather than one query joined by ``or``,
    which no index serves; one set of them for a family, not one per member."""
    persons = person if isinstance(person, list) else [person]
    if not persons:
        return []
    pks = sorted({one.id for one in persons})
    records = list(session.scalars(select(PersonRecord.source_record_id).where(PersonRecord.person_id.in_(pks))))
    holders = [*pks, *session.scalars(select(Person.id).where(
        Person.superseded_by.in_(sorted({one.person_id for one in persons}))))]
    recent = true() if ended_since is None else or_(Involvement.status == "current",
                                                    Involvement.ends_on >= ended_since)
    # Each involvement's organisation, team and worker are one row each: joined, not
    # fetched in further queries.
    loading = (joinedload(Involvement.organisation), joinedload(Involvement.team), joinedload(Involvement.worker))
    found = {involvement.id: involvement for involvement in session.scalars(
        select(Involvement).where(Involvement.person_id.in_(holders), recent).options(*loading))}
    if records:
        found.update((involvement.id, involvement) for involvement in session.scalars(
            select(Involvement).where(Involvement.source_record_id.in_(records), recent).options(*loading)))
    return [found[key] for key in sorted(found)]


def _rows(session: Session, record_ids: list[int]) -> dict[int, tuple[str, dict]]:
    """record id → its source's code and its facts."""
    if not record_ids:
        return {}
    return {record_id: (code, facts or {}) for record_id, code, facts in session.execute(
        select(SourceRecord.id, SourceSystem.code, SourceRecord.facts)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(SourceRecord.id.in_(record_ids)))}


def _subject(involvement: Involvement, person_id: str, rows: dict[int, tuple[str, dict]]) -> InvolvementSubject:
    """What the policy point needs: the organisation, and what makes it sensitive (its
    team's category; the source and facts of the row it came from)."""
    source, facts = rows.get(involvement.source_record_id, ("", {}))
    team = involvement.team
    return InvolvementSubject(
        involvement.id, involvement.organisation.code, person_id, source, facts,
        frozenset({team.sensitive_category}) if team is not None and team.sensitive_category else frozenset(),
    )


def _values(involvement: Involvement) -> dict:
    """Every field an involvement can show, keyed as the who-is-involved category names them."""
    team, worker = involvement.team, involvement.worker
    routes = {
        "phone": worker.phone if worker else None,
        "secure_email": worker.secure_email if worker else (team.secure_email if team else None),
        "duty_line": team.duty_phone if team else None,
    }
    first = [involvement.contact_route] if routes.get(involvement.contact_route) else []
    ordered = first + [route for route in CONTACT_ROUTES if route not in first and routes.get(route)]
    return {
        "organisation": involvement.organisation.name,
        "team": team.name if team else None,
        "role": INVOLVEMENT_ROLES.get(involvement.role, involvement.role),
        "worker": worker.name if worker else None,
        "contact": tuple((CONTACT_ROUTES[route], routes[route]) for route in ordered),
        "dates": (involvement.starts_on, involvement.ends_on),
    }


def every_involvement(session: Session, person: Person) -> list[Involvement]:
    """All of the person's involvements, ended long ago included: for their subject access
    request (:mod:`joinedup.transparency`), which shows what is held, not who to call."""
    return _involvements_of(session, person, date.min)


def involved_organisations(session: Session, person_ids: set[str], *, not_recorded_by: str = "",
                           since: datetime | None = None) -> dict[str, set[int]]:
    """Public person id → the organisations that have (or had) an involvement with them:
    recorded for them, or from one of their records' rows. A fact about who works with
    whom, without any involvement's details; monitoring asks it of the people a user viewed.

    ``not_recorded_by`` and ``since``: leave out the involvements that user recorded in the
    app from then on, so that recording involvements does not excuse the views it was
    recorded to excuse."""
    if not person_ids:
        return {}
    found: dict[str, set[int]] = {person_id: set() for person_id in person_ids}
    recorded = (select(Person.person_id, Involvement.organisation_id)
                .join(Involvement, Involvement.person_id == Person.id).where(Person.person_id.in_(person_ids)))
    if not_recorded_by:
        recorded = recorded.where(~and_(Involvement.recorded_by == not_recorded_by,
                                        Involvement.created_at >= (since or datetime.min)))
    for person_id, organisation_id in session.execute(recorded):
        found[person_id].add(organisation_id)
    for person_id, organisation_id in session.execute(
            select(Person.person_id, Involvement.organisation_id)
            .join(PersonRecord, PersonRecord.person_id == Person.id)
            .join(Involvement, Involvement.source_record_id == PersonRecord.source_record_id)
            .where(Person.person_id.in_(person_ids))):
        found[person_id].add(organisation_id)
    return found
