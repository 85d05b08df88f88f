"""The team around the family: every current involvement of a person and of their family
(their household and everyone a source relates them to, as the family view shows them),
the lead professionals, and the workers invited in.

A family is known by its home: ``uprn:<UPRN>`` when the person lives in an ordinary home
(the household of the family view), otherwise by the person alone (``person:<id>``): a
care home's or a hostel's residents are not one family. The mother and child of one home
share their team; a relative living elsewhere has their own.

Every involvement is read through the disclosure layer (:func:`involvements_seen`: each
decided by the policy point and audited), for each family member the family view lets the
actor see; a shielded service shows only as "a service is involved". Invited members are
directory entries, not a person's records; one from a sensitive service's team is named
only to that service's own organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.disclosure import view_person
from joinedup.disclosure.persons import PersonView, StatedPurpose
from joinedup.errors import Conflict, Forbidden, NotFound, Refusal
from joinedup.gazetteer.normalise import canonical_uprn
from joinedup.involvements.models import (
    Involvement,
    LeadProfessional,
    TeamMember,
    Worker,
)
from joinedup.involvements.who import (
    InvolvementShown,
    WhoIsInvolved,
    _involvements_of,
    involvements_seen,
)
from joinedup.partners.roles import INVOLVEMENT_ROLES
from joinedup.people import family_view, household_of, person_by_id
from joinedup.people.models import Person
from joinedup.permissions import TEAM_INVITE, TEAM_REMOVE, TEAM_VIEW, Action

REASON_MAX = 2_000


def family_key(session: Session, person: Person) -> str:
    """What the person's family is known by: their home's UPRN, or the person alone."""
    household = household_of(session, person)
    if household is not None and household.is_family_home and household.uprn:
        return f"uprn:{canonical_uprn(household.uprn)}"
    return f"person:{person.person_id}"


def family_of(session: Session, person: Person) -> list[Person]:
    """The person and their family as the family view holds them (not what an actor may
    see of it): whose current involvements make an organisation one of the family's."""
    view = family_view(session, person)
    ids = [member.person.person_id for member in view.members]
    others = list(session.scalars(select(Person).where(Person.person_id.in_(ids)))) if ids else []
    return [person, *others]


def current_involvements(session: Session, persons: list[Person]) -> list[Involvement]:
    """The current involvements of these persons (a rule's check, never shown)."""
    return [involvement for involvement in _involvements_of(session, persons, None) if involvement.status == "current"]


def live_person(session: Session, person_id: str) -> Person:
    person = person_by_id(session, person_id)
    if person is None or person.retired_at is not None:
        raise NotFound(f"There is no current person {person_id}.", "person_id")
    return person


def may_change(actor: Actor, act: Action, involvements: list[Involvement], *, whom: str) -> None:
    """Only a frontline user of an organisation involved now (with ``whom``) may change
    the lead or the team."""
    if actor.organisation_id is None or not act.roles & set(actor.roles):
        raise Forbidden(act.refusal, "role")
    if not any(involvement.organisation_id == actor.organisation_id for involvement in involvements):
        raise Forbidden(f"Only a practitioner of an organisation involved with {whom} may change this.",
                        "organisation")


def checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Refusal("Enter why", "reason")
    if len(reason) > REASON_MAX:
        raise Refusal(f"The reason must be {REASON_MAX:,} characters or fewer", "reason")
    return reason


# --------------------------------------------------------------------------- invited members


def invite_member(session: Session, actor: Actor, person_id: str, worker_id: int | None, reason: str) -> TeamMember:
    """Invite a worker of any organisation's directory into the team around the person's
    family, saying why; audited."""
    person = live_person(session, person_id)
    may_change(actor, TEAM_INVITE, current_involvements(session, family_of(session, person)), whom="this family")
    worker = session.get(Worker, worker_id) if worker_id is not None else None
    if worker is None or not worker.active:
        raise Refusal("Select a worker in a partner's directory", "worker_id")
    reason = checked_reason(reason)
    key = family_key(session, person)
    if session.scalar(select(TeamMember.id).where(TeamMember.family_key == key, TeamMember.worker_id == worker.id,
                                                  TeamMember.removed_at.is_(None))) is not None:
        raise Conflict(f"{worker.name} is already in the team around this family.", "worker_id")
    member = TeamMember(family_key=key, worker_id=worker.id, invited_by=actor.username[:120],
                        invited_by_organisation_id=actor.organisation_id, invited_at=utcnow(), reason=reason)
    session.add(member)
    session.flush()
    record_event(session, actor, action=TEAM_INVITE.name, outcome="success", subject_type="team_member",
                 subject_id=member.id, details={"person": person.person_id, "family": key,
                                                "worker": worker.secure_email, "reason": reason})
    return member


def remove_member(session: Session, actor: Actor, person_id: str, member_id: int, reason: str) -> TeamMember:
    """Remove an invited member from the team around the person's family, saying why; audited."""
    person = live_person(session, person_id)
    may_change(actor, TEAM_REMOVE, current_involvements(session, family_of(session, person)), whom="this family")
    member = session.get(TeamMember, member_id)
    if member is None or member.family_key != family_key(session, person):
        raise NotFound(f"There is no invited member {member_id} in this family's team.", "member_id")
    if member.removed_at is not None:
        raise Conflict("This member has already been removed.", "member_id")
    reason = checked_reason(reason)
    member.removed_at, member.removed_by, member.removed_reason = utcnow(), actor.username[:120], reason
    session.flush()
    record_event(session, actor, action=TEAM_REMOVE.name, outcome="success", subject_type="team_member",
                 subject_id=member.id, details={"person": person.person_id, "family": member.family_key,
                                                "reason": reason})
    return member


# --------------------------------------------------------------------------- the read


@dataclass(frozen=True)
class TeamRow:
    """One current involvement of a family member, as the actor may see it."""

    person_id: str
    person_name: str
    relation: str
    involvement: InvolvementShown
    lead: tuple[str, ...]  # "person", "family": what it is lead professional for


@dataclass(frozen=True)
class InvitedShown:
    """An invited member: their directory entry, who invited them, when and why."""

    id: int
    worker: str
    role: str
    organisation: str
    team: str
    contacts: tuple[tuple[str, str], ...]
    invited_by: str
    invited_at: datetime
    reason: str
    own: bool  # invited by the actor's organisation


@dataclass(frozen=True)
class LeadChange:
    """One lead professional named, from the history: who named them, when and why, and
    when it ended, by whom and why. ``involvement`` is None when the actor may not see it."""

    scope: str
    involvement: InvolvementShown | None
    named_by: str
    named_at: datetime
    reason: str
    ended_at: datetime | None
    ended_by: str
    end_reason: str


@dataclass(frozen=True)
class TeamAround:
    """The team around a person's family as the actor may see it."""

    person_id: str
    allowed: bool
    reason: str
    name: str = ""
    family: str = ""
    rows: tuple[TeamRow, ...] = ()
    shielded: tuple[str, ...] = ()  # the names of the members a shielded service works with
    invited: tuple[InvitedShown, ...] = ()
    invited_shielded: bool = False
    history: tuple[LeadChange, ...] = ()
    lead_hidden: tuple[str, ...] = ()  # scopes whose current lead the actor may not see
    may_change: bool = False

    def lead(self, scope: str) -> TeamRow | None:
        return next((row for row in self.rows if scope in row.lead), None)


def team_around(session: Session, actor: Actor, person_id: str, *, action: str,
                purpose: StatedPurpose | None = None, today: date | None = None) -> TeamAround | None:
    """The team around ``person_id``'s family as ``actor`` may see it (None: no such
    person): each family member's current involvements the actor may see, the lead
    professionals, the invited members and the lead's history. Refused to anyone but a
    frontline user; audited (``team.view``)."""
    if not TEAM_VIEW.permits(actor.roles):
        raise Forbidden(TEAM_VIEW.refusal, "role")
    view = view_person(session, actor, person_id, action=action, purpose=purpose)
    return None if view is None else team_of_view(session, actor, view, today=today)


def team_of_view(session: Session, actor: Actor, view: PersonView, *, today: date | None = None,
                 involved: WhoIsInvolved | None = None) -> TeamAround:
    """The team around the family of the person of ``view`` (as the actor may see them,
    already read and audited: the person page's own view, not read twice). ``involved``:
    who is involved with that person, when the page has already read it (and audited it),
    so it is not read again."""
    if not TEAM_VIEW.permits(actor.roles):
        raise Forbidden(TEAM_VIEW.refusal, "role")
    if not view.allowed or view.retired:
        _audit(session, actor, view.person_id, "denied", 0, 0)
        return TeamAround(view.person_id, False, view.reason if not view.retired else "This person is retired.")
    person = live_person(session, view.person_id)
    key = family_key(session, person)
    everyone: list[tuple[PersonView, str, str]] = [(view, view.name, "This person")]
    for member in view.family.members if view.family else ():
        card = member.card
        seen = PersonView(card.person_id, True, f"Shown in the family of {view.person_id}", view.action, card=card,
                          records=card.records)
        everyone.append((seen, card.name, member.relation))
    # A lead whose involvement has since ended leads no more.
    leads = {lead.scope: lead for lead in session.scalars(
        select(LeadProfessional).join(Involvement, Involvement.id == LeadProfessional.involvement_id)
        .where(LeadProfessional.scope_key.in_([f"person:{view.person_id}", key]),
               LeadProfessional.ended_at.is_(None), Involvement.status == "current"))}
    by_involvement: dict[int, list[str]] = {}
    for scope, lead in leads.items():
        by_involvement.setdefault(lead.involvement_id, []).append(scope)
    rows, shielded, shown_by_id = [], [], {}
    for seen, name, relation in everyone:
        if seen is view and involved is not None:
            found, hidden = sorted(involved.current, key=lambda shown: shown.id), involved.shielded  # as read
        else:
            found, hidden = involvements_seen(session, actor, seen, ended_since=today or date.today())
        if hidden:
            shielded.append(name)
        for shown in found:
            if not shown.current:
                continue
            shown_by_id[shown.id] = shown
            rows.append(TeamRow(seen.person_id, name, relation, shown, tuple(sorted(by_involvement.get(shown.id, ())))))
    invited, invited_shielded = _invited(session, actor, key)
    history = _history(session, [f"person:{view.person_id}", key], shown_by_id)
    lead_hidden = tuple(scope for scope, lead in sorted(leads.items()) if lead.involvement_id not in shown_by_id)
    involved = current_involvements(session, family_of(session, person))
    changes = (TEAM_INVITE.permits(actor.roles) and actor.organisation_id is not None
               and any(one.organisation_id == actor.organisation_id for one in involved))
    _audit(session, actor, view.person_id, "allowed", len(rows), len(invited))
    return TeamAround(view.person_id, True, view.reason, view.name, key, tuple(rows), tuple(shielded),
                      tuple(invited), invited_shielded, tuple(history), lead_hidden, changes)


def _invited(session: Session, actor: Actor, key: str) -> tuple[list[InvitedShown], bool]:
    shown, shielded = [], False
    for member in session.scalars(select(TeamMember).where(TeamMember.family_key == key,
                                                           TeamMember.removed_at.is_(None))
                                  .options(joinedload(TeamMember.worker)).order_by(TeamMember.invited_at)):
        worker = member.worker
        team = worker.team
        if team.sensitive_category and worker.organisation_id != actor.organisation_id:
            shielded = True
            continue
        contacts = tuple((label, value) for label, value in (("Phone", worker.phone), ("Secure email",
                                                             worker.secure_email), ("Team duty line", team.duty_phone))
                         if value)
        shown.append(InvitedShown(member.id, worker.name, INVOLVEMENT_ROLES.get(worker.role, worker.role),
                                  team.organisation.name, team.name, contacts, member.invited_by, member.invited_at,
                                  member.reason, member.invited_by_organisation_id == actor.organisation_id))
    return shown, shielded


def _history(session: Session, keys: list[str], shown: dict[int, InvolvementShown]) -> list[LeadChange]:
    return [LeadChange(lead.scope, shown.get(lead.involvement_id), lead.named_by, lead.named_at, lead.reason,
                       lead.ended_at, lead.ended_by, lead.end_reason)
            for lead in session.scalars(select(LeadProfessional).where(LeadProfessional.scope_key.in_(keys))
                                        .order_by(LeadProfessional.named_at.desc(), LeadProfessional.id.desc()))]


def _audit(session: Session, actor: Actor, person_id: str, outcome: str, rows: int, invited: int) -> None:
    record_event(session, actor, action=TEAM_VIEW.name, outcome=outcome, subject_type="person", subject_id=person_id,
                 details={"involvements_shown": rows, "invited_shown": invited})


def invitable_workers(session: Session, actor: Actor) -> list[tuple[str, list[tuple[int, str]]]]:
    """Every active worker of every organisation's directory, by organisation (by name),
    each as (id, "name, role, team"): whom the invite form offers, grouped so a long list
    can be read. A sensitive service's workers are offered only to their own organisation."""
    offered: dict[str, list[tuple[int, str]]] = {}
    for worker in session.scalars(select(Worker).where(Worker.active.is_(True))
                                  .options(joinedload(Worker.team)).order_by(Worker.name, Worker.id)):
        team = worker.team
        if team.sensitive_category and worker.organisation_id != actor.organisation_id:
            continue
        role = INVOLVEMENT_ROLES.get(worker.role, worker.role)
        offered.setdefault(team.organisation.name, []).append((worker.id, f"{worker.name}, {role}, {team.name}"))
    return sorted(offered.items())
