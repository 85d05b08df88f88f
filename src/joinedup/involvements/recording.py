"""Practitioners record, end and correct their own organisation's involvements.

Only a frontline user of the involved organisation may, and only with its directory's
teams and workers. An involvement read from an extract is corrected at source: the next
extract would state it again. Each change is one audit event naming what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.errors import Conflict, Forbidden, NotFound, Refusal
from joinedup.involvements.models import Involvement, Team, Worker
from joinedup.partners.roles import CONTACT_ROUTES, INVOLVEMENT_ROLES
from joinedup.people import person_by_id
from joinedup.permissions import (
    INVOLVEMENT_CORRECT,
    INVOLVEMENT_END,
    INVOLVEMENT_FORM,
    INVOLVEMENT_RECORD,
    Action,
)

NOTE_MAX = 2_000


@dataclass(frozen=True)
class InvolvementTerms:
    """What a practitioner states of an involvement: the team and worker are ids in their
    organisation's directory (no worker: the team as a whole)."""

    role: str
    team_id: int | None
    worker_id: int | None
    contact_route: str
    starts_on: date | None
    note: str = ""


def record_involvement(session: Session, actor: Actor, person_id: str, terms: InvolvementTerms, *,
                       today: date | None = None) -> Involvement:
    """Record that the actor's organisation works with ``person_id``; audited."""
    _may(actor, INVOLVEMENT_RECORD.refusal, INVOLVEMENT_RECORD.roles)
    person = person_by_id(session, person_id)
    if person is None or person.retired_at is not None:
        raise NotFound(f"There is no current person {person_id}.", "person")
    team, worker = _checked(session, actor, terms, today or date.today())
    involvement = Involvement(person_id=person.id, organisation_id=actor.organisation_id, team_id=team.id,
                              worker_id=worker.id if worker else None, role=terms.role,
                              contact_route=terms.contact_route, starts_on=terms.starts_on, status="current",
                              source="recorded", recorded_by=actor.username[:120], note=terms.note)
    session.add(involvement)
    session.flush()
    record_event(session, actor, action=INVOLVEMENT_RECORD.name, outcome="success", subject_type="involvement",
                 subject_id=involvement.id, details={"person": person.person_id, **_described(involvement)})
    return involvement


def end_involvement(session: Session, actor: Actor, involvement_id: int, ends_on: date | None, *, note: str = "",
                    today: date | None = None) -> Involvement:
    """End one of the actor's organisation's current involvements on ``ends_on``; audited."""
    today = today or date.today()
    involvement = own_involvement(session, actor, involvement_id, INVOLVEMENT_END)
    if involvement.status != "current":
        raise Conflict("This involvement has already ended.", "ends_on")
    if ends_on is None:
        raise Refusal("Enter the date the involvement ended", "ends_on")
    if ends_on > today:
        raise Refusal("The date it ended must be today or in the past", "ends_on")
    if involvement.starts_on and ends_on < involvement.starts_on:
        raise Refusal("The date it ended must be on or after the date it started", "ends_on")
    if len(note) > NOTE_MAX:
        raise Refusal(f"The note must be {NOTE_MAX:,} characters or fewer", "note")
    involvement.ends_on, involvement.status = ends_on, "ended"
    involvement.recorded_by = actor.username[:120]
    if note:
        involvement.note = note
    session.flush()
    record_event(session, actor, action=INVOLVEMENT_END.name, outcome="success", subject_type="involvement",
                 subject_id=involvement.id, details={"ends_on": ends_on.isoformat(), "note": bool(note)})
    return involvement


def correct_involvement(session: Session, actor: Actor, involvement_id: int, terms: InvolvementTerms, *,
                        today: date | None = None) -> Involvement:
    """Correct one of the actor's organisation's involvements; the audit names each change."""
    involvement = own_involvement(session, actor, involvement_id, INVOLVEMENT_CORRECT)
    team, worker = _checked(session, actor, terms, today or date.today())
    if involvement.ends_on and terms.starts_on and involvement.ends_on < terms.starts_on:
        raise Refusal("The date it started must be on or before the date it ended", "starts_on")
    before = _described(involvement)
    note_changed = involvement.note != terms.note
    involvement.role, involvement.team_id = terms.role, team.id
    involvement.worker_id = worker.id if worker else None
    involvement.contact_route, involvement.starts_on = terms.contact_route, terms.starts_on
    involvement.note = terms.note
    involvement.recorded_by = actor.username[:120]
    session.flush()
    session.refresh(involvement)
    after = _described(involvement)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if not changes and not note_changed:
        raise Refusal("Nothing was changed", "role")
    # That the note changed, never its words: free text stays out of the log.
    record_event(session, actor, action=INVOLVEMENT_CORRECT.name, outcome="success", subject_type="involvement",
                 subject_id=involvement.id, details={"changes": changes, **({"note": "changed"} if note_changed else {})})
    return involvement


def _may(actor: Actor, refusal: str, roles) -> None:
    if actor.organisation_id is None or not roles & set(actor.roles):
        raise Forbidden(refusal, "organisation")


def own_involvement(session: Session, actor: Actor, involvement_id: int, act: Action = INVOLVEMENT_FORM
                    ) -> Involvement:
    """One of the actor's organisation's involvements recorded in the app, that they may
    ``act`` on (Forbidden, Conflict or Refusal otherwise)."""
    _may(actor, act.refusal, act.roles)
    involvement = session.get(Involvement, involvement_id)
    if involvement is None:
        raise NotFound(f"There is no involvement {involvement_id}.", "involvement")
    if involvement.organisation_id != actor.organisation_id:
        raise Forbidden("Only the involved organisation's practitioners change an involvement.", "organisation")
    if involvement.source == "extract":
        raise Conflict("This involvement comes from your organisation's extract: correct it in that system, and "
                       "the next extract brings the change.", "source")
    return involvement


def _checked(session: Session, actor: Actor, terms: InvolvementTerms, today: date) -> tuple[Team, Worker | None]:
    problems = []
    if terms.role not in INVOLVEMENT_ROLES:
        problems.append(("role", "Select the role"))
    if terms.contact_route not in CONTACT_ROUTES:
        problems.append(("contact_route", "Select how to contact them"))
    if terms.starts_on is not None and terms.starts_on > today:
        problems.append(("starts_on", "The date it started must be today or in the past"))
    if len(terms.note) > NOTE_MAX:
        problems.append(("note", f"The note must be {NOTE_MAX:,} characters or fewer"))
    # Another organisation's team or worker is refused without a word of it: not even
    # whether the id exists (a sensitive service's staff are never named).
    team = _own(session.get(Team, terms.team_id) if terms.team_id is not None else None, actor)
    worker = _own(session.get(Worker, terms.worker_id) if terms.worker_id is not None else None, actor)
    if terms.worker_id is not None and worker is None:
        problems.append(("worker_id", "Select a worker in your organisation's directory"))
    elif worker is not None and terms.team_id is None:
        team = worker.team
    if team is None or not team.active:
        problems.append(("team_id", "Select a team in your organisation's directory"))
    elif worker is not None and worker.team_id != team.id:
        problems.append(("worker_id", f"{worker.name} is not in {team.name}"))
    if worker is None and terms.contact_route != "duty_line" and not problems:
        problems.append(("contact_route", "With no worker named, contact is through the team's duty line"))
    if problems:
        raise Refusal(problems)
    return team, worker


def _own(kept: Team | Worker | None, actor: Actor) -> Team | Worker | None:
    """A team or worker of the actor's organisation's directory (a worker still active),
    else None."""
    if kept is None or kept.organisation_id != actor.organisation_id:
        return None
    if isinstance(kept, Worker) and not kept.active:
        return None
    return kept


def _described(involvement: Involvement) -> dict:
    return {"role": involvement.role, "team": involvement.team.name if involvement.team else None,
            "worker": involvement.worker.secure_email if involvement.worker else None,
            "contact_route": involvement.contact_route,
            "starts_on": involvement.starts_on.isoformat() if involvement.starts_on else None}


def directory_of(session: Session, organisation_id: int | None) -> list[tuple[Team, list[Worker]]]:
    """The organisation's active teams, by name, each with its active workers by name:
    what the forms offer."""
    if organisation_id is None:
        return []
    teams = list(session.scalars(select(Team).where(Team.organisation_id == organisation_id, Team.active.is_(True))
                                 .order_by(Team.name)))
    workers: dict[int, list[Worker]] = {team.id: [] for team in teams}
    for worker in session.scalars(select(Worker).where(Worker.organisation_id == organisation_id,
                                                       Worker.active.is_(True)).order_by(Worker.name)):
        workers.setdefault(worker.team_id, []).append(worker)
    return [(team, workers[team.id]) for team in teams]
