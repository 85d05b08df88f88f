"""Each organisation's directory: its teams, who works in them, in which role, and how to
reach them. Kept by the organisation's administrator, loaded from a CSV file here or kept
row by row in the app (:mod:`joinedup.involvements.keeping`), with the same checks.

One row a worker (or a team with no worker named, such as a GP practice reached through
its reception). Columns: ``team``, ``team_duty_phone``, ``team_secure_email``,
``sensitive_category`` (a sensitive data category: the team is a sensitive service and its
involvements are shielded), ``worker``, ``role``, ``phone``, ``secure_email``. A worker is
known by their secure e-mail; a worker of the organisation no longer in the file is kept
but marked as no longer active. A bad row is refused with its row and field named, and
the rest of the file is kept.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.errors import Forbidden, Refusal
from joinedup.ingest.sections import RowRefused
from joinedup.involvements.models import Team, Worker
from joinedup.partners.models import Organisation
from joinedup.partners.roles import INVOLVEMENT_ROLES
from joinedup.permissions import DIRECTORY_LOAD
from joinedup.sharing.models import DataCategory

DIRECTORY_COLUMNS = ("team", "team_duty_phone", "team_secure_email", "sensitive_category", "worker", "role", "phone",
                     "secure_email")
REQUIRED_COLUMNS = ("team", "worker", "role", "secure_email")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"[0-9 +()-]{6,40}")
LIMITS = {"team": 200, "worker": 200, "secure_email": 254, "team_secure_email": 254, "phone": 40,
          "team_duty_phone": 40}
#: Each field in words, for the messages.
FIELD_NAMES = {"team": "The team's name", "worker": "The worker's name", "secure_email": "The secure e-mail",
               "team_secure_email": "The team's secure e-mail", "phone": "The phone number",
               "team_duty_phone": "The duty line"}


@dataclass
class DirectoryLoad:
    """What a load of a directory did."""

    organisation: str
    teams: int = 0
    workers: int = 0
    no_longer_active: int = 0
    refused: list[RowRefused] = field(default_factory=list)


def organisation_by_code(session: Session, code: str) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.code == code))
    if found is None:
        raise Refusal(f"There is no organisation {code}.", "organisation")
    return found


def may_keep_directory(actor: Actor, organisation: Organisation) -> bool:
    """An administrator keeps their own organisation's directory (one of no organisation,
    every directory); the system (the CLI, the demo) may load any."""
    if actor.user_id is None and not actor.roles:
        return True
    return DIRECTORY_LOAD.permits(actor.roles) and actor.organisation_id in (None, organisation.id)


def load_directory(session: Session, actor: Actor, organisation_code: str, text: str) -> DirectoryLoad:
    """Load ``text`` (CSV) as the directory of ``organisation_code``, in the caller's
    transaction; audited."""
    organisation = organisation_by_code(session, organisation_code)
    if not may_keep_directory(actor, organisation):
        raise Forbidden(DIRECTORY_LOAD.refusal, "organisation")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [name for name in REQUIRED_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise Refusal(f"The file has no column {', '.join(missing)} (the columns are {', '.join(DIRECTORY_COLUMNS)}).",
                      "file")
    sensitive = set(session.scalars(select(DataCategory.code).where(DataCategory.sensitive.is_(True))))
    teams = {team.name: team for team in session.scalars(select(Team).where(Team.organisation_id == organisation.id))}
    workers = {worker.secure_email: worker
               for worker in session.scalars(select(Worker).where(Worker.organisation_id == organisation.id))}
    report = DirectoryLoad(organisation.code)
    listed: set[str] = set()
    touched: set[str] = set()
    for number, row in enumerate(reader, start=2):
        values = {name: (row.get(name) or "").strip() for name in DIRECTORY_COLUMNS}
        problem = _problem(values, sensitive)
        if problem:
            report.refused.append(RowRefused(number, *problem))
            if values["secure_email"]:
                listed.add(values["secure_email"].lower())
            continue
        team = teams.get(values["team"])
        if team is None:
            team = teams[values["team"]] = Team(organisation_id=organisation.id, name=values["team"])
            session.add(team)
        if values["team"] not in touched:
            touched.add(values["team"])
            team.duty_phone = values["team_duty_phone"] or None
            team.secure_email = values["team_secure_email"] or None
            team.sensitive_category = values["sensitive_category"] or None
            team.active = True
        if not values["worker"]:
            continue
        email = values["secure_email"].lower()
        if email in listed:
            report.refused.append(RowRefused(number, "secure_email", f"{email} is named on an earlier row"))
            continue
        listed.add(email)
        worker = workers.get(email)
        if worker is None:
            worker = workers[email] = Worker(organisation_id=organisation.id, secure_email=email)
            session.add(worker)
        worker.team, worker.name, worker.role = team, values["worker"], values["role"]
        worker.phone, worker.active = values["phone"] or None, True
    for email, worker in workers.items():
        if email not in listed and worker.active:
            worker.active = False
            report.no_longer_active += 1
    session.flush()
    report.teams, report.workers = len(touched), len([email for email in listed if email in workers])
    record_event(session, actor, action=DIRECTORY_LOAD.name, outcome="success", subject_type="organisation",
                 subject_id=organisation.code,
                 details={"teams": report.teams, "workers": report.workers,
                          "no_longer_active": report.no_longer_active, "refused": len(report.refused),
                          "reasons": [refused.described for refused in report.refused[:20]]})
    return report


def _problem(values: dict[str, str], sensitive: set[str]) -> tuple[str, str] | None:
    """The first thing wrong with a file's row, as (field, why), or None."""
    problems = team_problems(values, sensitive) + (worker_problems(values) if values["worker"] else [])
    return problems[0] if problems else None


def team_problems(values: dict[str, str], sensitive: set[str]) -> list[tuple[str, str]]:
    """What is wrong with a team's fields (``team``, ``team_duty_phone``,
    ``team_secure_email``, ``sensitive_category``), each as (field, why): the one check
    of a file's row and of the administrator's form."""
    problems = []
    if not values["team"]:
        problems.append(("team", "Enter the team's name (a team is required)"))
    problems += _too_long(values, ("team", "team_duty_phone", "team_secure_email"))
    problems += _contact_problems(values, "team_duty_phone", "team_secure_email")
    if values["sensitive_category"] and values["sensitive_category"] not in sensitive:
        problems.append(("sensitive_category",
                         f"'{values['sensitive_category']}' is not a sensitive data category"))
    return _first_each(problems)


def worker_problems(values: dict[str, str]) -> list[tuple[str, str]]:
    """What is wrong with a worker's fields (``worker``, ``role``, ``phone``,
    ``secure_email``), each as (field, why): the one check of a file's row and of the
    administrator's form."""
    problems = []
    if not values["worker"]:
        problems.append(("worker", "Enter the worker's name"))
    problems += _too_long(values, ("worker", "phone", "secure_email"))
    if values["role"] not in INVOLVEMENT_ROLES:
        problems.append(("role", f"'{values['role']}' is not a role (expected one of {', '.join(INVOLVEMENT_ROLES)})"
                         if values["role"] else "Select the worker's role"))
    problems += _contact_problems(values, "phone", None)
    if not EMAIL.fullmatch(values["secure_email"]):
        problems.append(("secure_email", f"'{values['secure_email']}' is not an e-mail address (a worker is known by it)"
                         if values["secure_email"] else "Enter the worker's secure e-mail address (a worker is known "
                         "by it)"))
    return _first_each(problems)


def _too_long(values: dict[str, str], names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, f"{FIELD_NAMES[name]} must be at most {LIMITS[name]} characters") for name in names
            if len(values[name]) > LIMITS[name]]


def _contact_problems(values: dict[str, str], phone: str, email: str | None) -> list[tuple[str, str]]:
    problems = []
    if values[phone] and not PHONE.fullmatch(values[phone]):
        problems.append((phone, f"'{values[phone]}' is not a phone number (digits, spaces, + ( ) and -)"))
    if email and values[email] and not EMAIL.fullmatch(values[email]):
        problems.append((email, f"'{values[email]}' is not an e-mail address"))
    return problems


def _first_each(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One problem a field, the first found."""
    seen: set[str] = set()
    return [(name, why) for name, why in problems if not (name in seen or seen.add(name))]
