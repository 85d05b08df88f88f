"""The organisation's administrator keeps its directory in the app, row by row: adds,
corrects and retires its teams and workers.

The fields are checked as a loaded file's rows are (:func:`team_problems`,
:func:`worker_problems`: one check for both), each problem naming its field. Nothing is
deleted: a retired team or worker is kept for the involvements, flags and teams around a
family that name them, and is no longer offered. Adding one with a retired team's name
(or a retired worker's secure e-mail) brings it back. Each change is one audit event
naming the fields it set or changed, from what to what.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.errors import Conflict, Forbidden, NotFound, Refusal
from joinedup.involvements.directory import team_problems, worker_problems
from joinedup.involvements.models import Involvement, Team, Worker
from joinedup.permissions import (
    DIRECTORY_FORM,
    DIRECTORY_TEAM_ADD,
    DIRECTORY_TEAM_CORRECT,
    DIRECTORY_TEAM_RETIRE,
    DIRECTORY_WORKER_ADD,
    DIRECTORY_WORKER_CORRECT,
    DIRECTORY_WORKER_RETIRE,
    Action,
)
from joinedup.sharing.models import DataCategory


@dataclass(frozen=True)
class TeamTerms:
    """A team as the administrator states it (the file's column names in brackets):
    name (``team``), duty line (``team_duty_phone``), secure mailbox
    (``team_secure_email``), and for a sensitive service its category."""

    name: str
    duty_phone: str = ""
    secure_email: str = ""
    sensitive_category: str = ""

    def values(self) -> dict[str, str]:
        return {"team": self.name.strip(), "team_duty_phone": self.duty_phone.strip(),
                "team_secure_email": self.secure_email.strip(), "sensitive_category": self.sensitive_category.strip()}


@dataclass(frozen=True)
class WorkerTerms:
    """A worker as the administrator states it: their team (an id in the directory), name
    (``worker``), role, phone and secure e-mail (by which they are known)."""

    team_id: int | None
    name: str
    role: str
    phone: str = ""
    secure_email: str = ""

    def values(self) -> dict[str, str]:
        return {"worker": self.name.strip(), "role": self.role.strip(), "phone": self.phone.strip(),
                "secure_email": self.secure_email.strip()}


@dataclass(frozen=True)
class KeptTeam:
    """A team of the directory as its administrator keeps it: every worker, active first."""

    team: Team
    workers: tuple[Worker, ...]
    involvements: int  # current involvements naming the team


def kept_directory(session: Session, actor: Actor, act: Action = DIRECTORY_FORM) -> list[KeptTeam]:
    """The actor's organisation's teams (active first, by name), each with all its workers
    (active first, by name) and how many current involvements name it: to its
    administrators (``DIRECTORY_FORM``) or, through the API, to those ``act`` lets list it."""
    organisation = _keeper(actor, act)
    teams = list(session.scalars(select(Team).where(Team.organisation_id == organisation)
                                 .order_by(Team.active.desc(), Team.name)))
    workers: dict[int, list[Worker]] = {team.id: [] for team in teams}
    for worker in session.scalars(select(Worker).where(Worker.organisation_id == organisation)
                                  .order_by(Worker.active.desc(), Worker.name)):
        workers.setdefault(worker.team_id, []).append(worker)
    counts = dict(session.execute(select(Involvement.team_id, func.count()).where(
        Involvement.organisation_id == organisation, Involvement.status == "current")
        .group_by(Involvement.team_id)).all())
    return [KeptTeam(team, tuple(workers[team.id]), counts.get(team.id, 0)) for team in teams]


def kept_team(session: Session, actor: Actor, team_id: int, act: Action = DIRECTORY_FORM) -> Team:
    """One of the administrator's organisation's teams."""
    organisation = _keeper(actor, act)
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"There is no team {team_id}.", "team_id")
    if team.organisation_id != organisation:
        raise Forbidden("Only the team's own organisation's administrators change it.", "organisation")
    return team


def kept_worker(session: Session, actor: Actor, worker_id: int, act: Action = DIRECTORY_FORM) -> Worker:
    """One of the administrator's organisation's workers."""
    organisation = _keeper(actor, act)
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(f"There is no worker {worker_id}.", "worker_id")
    if worker.organisation_id != organisation:
        raise Forbidden("Only the worker's own organisation's administrators change them.", "organisation")
    return worker


# --------------------------------------------------------------------------- teams


def add_team(session: Session, actor: Actor, terms: TeamTerms) -> Team:
    """Add a team to the administrator's organisation's directory (a retired team of the
    same name comes back, as stated); audited with its fields."""
    organisation = _keeper(actor, DIRECTORY_TEAM_ADD)
    values = _team_values(session, terms)
    team = session.scalar(select(Team).where(Team.organisation_id == organisation, Team.name == values["team"]))
    if team is not None and team.active:
        raise Conflict(f"Your directory already has a team called {team.name}: change that one.", "team")
    restored = team is not None
    if team is None:
        team = Team(organisation_id=organisation, name=values["team"])
        session.add(team)
    _set_team(team, values)
    team.active = True
    session.flush()
    record_event(session, actor, action=DIRECTORY_TEAM_ADD.name, outcome="success", subject_type="directory_team",
                 subject_id=team.id, details={"fields": _team_fields(team), "brought_back": restored})
    return team


def correct_team(session: Session, actor: Actor, team_id: int, terms: TeamTerms) -> Team:
    """Correct one of the organisation's teams; the audit names each change."""
    team = kept_team(session, actor, team_id, DIRECTORY_TEAM_CORRECT)
    values = _team_values(session, terms)
    if values["team"] != team.name and session.scalar(select(Team.id).where(
            Team.organisation_id == team.organisation_id, Team.name == values["team"])) is not None:
        raise Conflict(f"Your directory already has a team called {values['team']}.", "team")
    before = _team_fields(team)
    _set_team(team, values)
    changes = _changes(before, _team_fields(team))
    session.flush()
    record_event(session, actor, action=DIRECTORY_TEAM_CORRECT.name, outcome="success", subject_type="directory_team",
                 subject_id=team.id, details={"changes": changes})
    return team


def retire_team(session: Session, actor: Actor, team_id: int) -> Team:
    """Retire a team with no active worker: kept for what names it, no longer offered."""
    team = kept_team(session, actor, team_id, DIRECTORY_TEAM_RETIRE)
    if not team.active:
        raise Conflict(f"{team.name} is already retired.", "team_id")
    active = session.scalar(select(func.count()).select_from(Worker).where(Worker.team_id == team.id,
                                                                           Worker.active.is_(True)))
    if active:
        raise Refusal(f"{team.name} has {active} active worker{'s' if active != 1 else ''}: move them to another "
                      "team or retire them first", "team_id")
    team.active = False
    session.flush()
    record_event(session, actor, action=DIRECTORY_TEAM_RETIRE.name, outcome="success", subject_type="directory_team",
                 subject_id=team.id, details={"name": team.name, "changes": {"active": [True, False]},
                          "current_involvements": _naming(session, team=team)})
    return team


# --------------------------------------------------------------------------- workers


def add_worker(session: Session, actor: Actor, terms: WorkerTerms) -> Worker:
    """Add a worker to the administrator's organisation's directory (a retired worker of
    the same secure e-mail comes back, as stated); audited with their fields."""
    organisation = _keeper(actor, DIRECTORY_WORKER_ADD)
    values, team = _worker_values(session, organisation, terms)
    worker = session.scalar(select(Worker).where(Worker.organisation_id == organisation,
                                                 Worker.secure_email == values["secure_email"]))
    if worker is not None and worker.active:
        raise Conflict(f"{worker.name} already has the secure e-mail {worker.secure_email}: change that worker.",
                       "secure_email")
    restored = worker is not None
    if worker is None:
        worker = Worker(organisation_id=organisation, secure_email=values["secure_email"])
        session.add(worker)
    _set_worker(worker, team, values)
    worker.active = True
    session.flush()
    record_event(session, actor, action=DIRECTORY_WORKER_ADD.name, outcome="success", subject_type="directory_worker",
                 subject_id=worker.id, details={"fields": _worker_fields(worker), "brought_back": restored})
    return worker


def correct_worker(session: Session, actor: Actor, worker_id: int, terms: WorkerTerms) -> Worker:
    """Correct one of the organisation's workers (a new secure e-mail too: the worker is
    the same, and what names them follows); the audit names each change."""
    worker = kept_worker(session, actor, worker_id, DIRECTORY_WORKER_CORRECT)
    values, team = _worker_values(session, worker.organisation_id, terms, allowed=worker.team_id)
    if values["secure_email"] != worker.secure_email and session.scalar(select(Worker.id).where(
            Worker.organisation_id == worker.organisation_id, Worker.secure_email == values["secure_email"])):
        raise Conflict(f"Another worker of your directory has the secure e-mail {values['secure_email']}.",
                       "secure_email")
    before = _worker_fields(worker)
    _set_worker(worker, team, values)
    changes = _changes(before, _worker_fields(worker))
    session.flush()
    record_event(session, actor, action=DIRECTORY_WORKER_CORRECT.name, outcome="success",
                 subject_type="directory_worker", subject_id=worker.id, details={"changes": changes})
    return worker


def retire_worker(session: Session, actor: Actor, worker_id: int) -> Worker:
    """Retire a worker: kept for the involvements and teams that name them, no longer offered."""
    worker = kept_worker(session, actor, worker_id, DIRECTORY_WORKER_RETIRE)
    if not worker.active:
        raise Conflict(f"{worker.name} is already retired.", "worker_id")
    worker.active = False
    session.flush()
    record_event(session, actor, action=DIRECTORY_WORKER_RETIRE.name, outcome="success",
                 subject_type="directory_worker", subject_id=worker.id,
                 details={"secure_email": worker.secure_email, "changes": {"active": [True, False]},
                          "current_involvements": _naming(session, worker=worker)})
    return worker


# --------------------------------------------------------------------------- the checks


def _keeper(actor: Actor, act: Action) -> int:
    """The organisation whose directory the actor keeps: their own, as its administrator."""
    if not act.permits(actor.roles):
        raise Forbidden(act.refusal, "role")
    if actor.organisation_id is None:
        raise Forbidden("Your account belongs to no organisation, so there is no directory of yours to keep.",
                        "organisation")
    return actor.organisation_id


def _team_values(session: Session, terms: TeamTerms) -> dict[str, str]:
    values = terms.values()
    sensitive = set(session.scalars(select(DataCategory.code).where(DataCategory.sensitive.is_(True))))
    problems = team_problems(values, sensitive)
    if problems:
        raise Refusal(problems)
    return values


def _worker_values(session: Session, organisation: int, terms: WorkerTerms, *,
                   allowed: int | None = None) -> tuple[dict[str, str], Team | None]:
    """The checked values and the team: an active team of the organisation (or the one the
    worker is in now, ``allowed``)."""
    values = terms.values()
    problems = worker_problems(values)
    team = session.get(Team, terms.team_id) if terms.team_id is not None else None
    if team is None or team.organisation_id != organisation or not (team.active or team.id == allowed):
        problems.insert(0, ("team", "Select a team in your organisation's directory"))
    if problems:
        raise Refusal(problems)
    values["secure_email"] = values["secure_email"].lower()
    return values, team


def _set_team(team: Team, values: dict[str, str]) -> None:
    team.name = values["team"]
    team.duty_phone = values["team_duty_phone"] or None
    team.secure_email = values["team_secure_email"] or None
    team.sensitive_category = values["sensitive_category"] or None


def _set_worker(worker: Worker, team: Team, values: dict[str, str]) -> None:
    worker.team, worker.name, worker.role = team, values["worker"], values["role"]
    worker.phone, worker.secure_email = values["phone"] or None, values["secure_email"]


def _team_fields(team: Team) -> dict:
    return {"team": team.name, "team_duty_phone": team.duty_phone, "team_secure_email": team.secure_email,
            "sensitive_category": team.sensitive_category}


def _worker_fields(worker: Worker) -> dict:
    return {"team": worker.team.name, "worker": worker.name, "role": worker.role, "phone": worker.phone,
            "secure_email": worker.secure_email}


def _changes(before: dict, after: dict) -> dict:
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if not changes:
        raise Refusal("Nothing was changed", next(iter(after)))
    return changes


def _naming(session: Session, *, team: Team | None = None, worker: Worker | None = None) -> int:
    """How many current involvements name the team or the worker (they keep naming them)."""
    named = Involvement.team_id == team.id if team is not None else Involvement.worker_id == worker.id
    return session.scalar(select(func.count()).select_from(Involvement).where(named,
                                                                              Involvement.status == "current")) or 0


def sensitive_categories(session: Session) -> list[tuple[str, str]]:
    """The sensitive data categories a team may belong to, as (code, name): a team of a
    sensitive service has its involvements shielded."""
    return [(category.code, category.name) for category in session.scalars(
        select(DataCategory).where(DataCategory.sensitive.is_(True)).order_by(DataCategory.name))]
