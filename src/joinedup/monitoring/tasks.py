"""Review tasks as the IG lead works them: the tasks they review, the evidence of one,
the outcome they record, and a summary per organisation.

A task belongs to the reviewers of the user's organisation, the same people who review
that organisation's break-glass accesses
(:func:`joinedup.sharing.break_glass.reviewers_for_organisation`): its IG leads; else the
IG leads named for a partnership it is party to; else the administrators. Nobody reviews
a task about themselves.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, AuditEvent, record_event
from joinedup.db import utcnow
from joinedup.disclosure.governance import person_names
from joinedup.errors import NotFound, Refusal
from joinedup.monitoring.models import OUTCOMES, RULES, TASK_STATUSES, MonitoringTask
from joinedup.partners.models import Organisation
from joinedup.sharing.break_glass import reviewers_for_organisation

NOTE_MAX = 4000


class OutcomeRefused(Refusal):
    """An outcome that cannot be recorded as given: every problem, naming its field."""


class FilterRefused(Refusal):
    """A filter of the task list that names no status or rule."""


def reviewed_organisations(session: Session, actor: Actor) -> set[int | None]:
    """The organisations (None: users of none) whose tasks ``actor`` reviews."""
    if actor.user_id is None:
        return set()
    present = set(session.scalars(select(MonitoringTask.organisation_id).distinct()))
    return {organisation for organisation in present
            if any(user.id == actor.user_id for user in reviewers_for_organisation(session, organisation).users)}


def _theirs(session: Session, actor: Actor):
    organisations = reviewed_organisations(session, actor)
    ids = [organisation for organisation in organisations if organisation is not None]
    scope = MonitoringTask.organisation_id.in_(ids) if ids else MonitoringTask.id.is_(None)
    if None in organisations:
        scope = or_(scope, MonitoringTask.organisation_id.is_(None))
    return select(MonitoringTask).where(scope, or_(MonitoringTask.user_id.is_(None),
                                                   MonitoringTask.user_id != actor.user_id))


def check_filter(status: str, rule: str) -> None:
    problems = []
    if status and status not in TASK_STATUSES:
        problems.append(("status", "Select open or closed."))
    if rule and rule not in RULES:
        problems.append(("rule", "Select a rule from the list."))
    if problems:
        raise FilterRefused(problems)


def review_tasks(session: Session, actor: Actor, *, status: str = "open", rule: str = "", limit: int = 50,
                 offset: int = 0) -> tuple[list[MonitoringTask], int]:
    """The tasks ``actor`` reviews, newest first, narrowed to a status and a rule; and how many."""
    check_filter(status, rule)
    statement = _theirs(session, actor)
    if status:
        statement = statement.where(MonitoringTask.status == status)
    if rule:
        statement = statement.where(MonitoringTask.rule == rule)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(MonitoringTask.raised_at.desc(), MonitoringTask.id.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), total


def task_to_review(session: Session, actor: Actor, task_id: int) -> MonitoringTask:
    """Task ``task_id`` if ``actor`` reviews it; else :class:`NotFound` (a task of another
    organisation is not said to exist)."""
    task = session.scalar(_theirs(session, actor).where(MonitoringTask.id == task_id))
    if task is None:
        raise NotFound("There is no such task among those you review.", "task")
    return task


@dataclass(frozen=True)
class Evidence:
    """One access that is evidence for a task, with the person named as the index names them."""

    event_id: int
    at: datetime
    action: str
    outcome: str
    person_id: str
    person_name: str
    purpose: str
    relationship: str
    reason: str


def evidence(session: Session, task: MonitoringTask) -> list[Evidence]:
    """The audit events a task was raised on, oldest first, people by name (read through
    the disclosure layer's governance reads, as the decision log's names are)."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.id.in_(task.events or []))
                           .order_by(AuditEvent.at, AuditEvent.id)).all()
    people = {row.subject_id for row in rows if row.subject_type == "person" and row.subject_id}
    names = person_names(session, people | set(task.persons or []))
    return [Evidence(row.id, row.at, row.action, row.outcome,
                     row.subject_id if row.subject_type == "person" else "",
                     names.get(row.subject_id, "") if row.subject_type == "person" else "",
                     str((row.details or {}).get("stated_purpose") or (row.details or {}).get("purpose") or ""),
                     str((row.details or {}).get("relationship") or ""), row.reason)
            for row in rows]


def task_people(session: Session, task: MonitoringTask) -> list[tuple[str, str]]:
    """(person id, name) of each person a task is about."""
    names = person_names(session, set(task.persons or []))
    return [(person_id, names.get(person_id, "")) for person_id in task.persons or []]


def record_outcome(session: Session, actor: Actor, task: MonitoringTask, *, outcome: str,
                   note: str) -> MonitoringTask:
    """The reviewer's outcome for an open task, with a note; the task closes, audited as
    ``monitoring.decide``."""
    note = (note or "").strip()
    problems = []
    if outcome not in OUTCOMES:
        problems.append(("outcome", "Select an outcome."))
    if not note:
        problems.append(("note", "Enter a note of what you found and did."))
    elif len(note) > NOTE_MAX:
        problems.append(("note", f"The note must be {NOTE_MAX:,} characters or fewer."))
    if task.status != "open":
        problems.append(("task", "This task has already been reviewed."))
    if problems:
        raise OutcomeRefused(problems)
    task.status, task.outcome, task.note = "closed", outcome, note
    task.decided_by, task.decided_at = actor.username[:120], utcnow()
    session.flush()
    record_event(session, actor, action="monitoring.decide", outcome="success", subject_type="monitoring_task",
                 subject_id=task.id, reason=note,
                 details={"outcome": outcome, "rule": task.rule, "user": task.username})
    return task


@dataclass(frozen=True)
class OrganisationSummary:
    """One organisation's tasks: how many per rule, open and per outcome."""

    organisation: str
    counts: dict[str, Counter]

    @property
    def total(self) -> int:
        return sum(sum(counter.values()) for counter in self.counts.values())


def summary(session: Session, actor: Actor) -> list[OrganisationSummary]:
    """Per organisation whose tasks ``actor`` reviews: each rule's tasks, open or by outcome."""
    names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    grouped: dict[int | None, dict[str, Counter]] = {}
    statement = _theirs(session, actor).subquery()
    for organisation, rule, status, outcome, count in session.execute(
            select(statement.c.organisation_id, statement.c.rule, statement.c.status, statement.c.outcome,
                   func.count()).group_by(statement.c.organisation_id, statement.c.rule, statement.c.status,
                                          statement.c.outcome)):
        counts = grouped.setdefault(organisation, {name: Counter() for name in RULES})
        counts.setdefault(rule, Counter())[outcome if status == "closed" else "open"] += count
    return sorted((OrganisationSummary(names.get(organisation, "No organisation"), counts)
                   for organisation, counts in grouped.items()), key=lambda found: found.organisation)


@dataclass(frozen=True)
class TaskPage:
    """A task as its reviewer reads it: the task, the organisation of the user it is about,
    the people it is about by name, and the accesses that are its evidence."""

    task: MonitoringTask
    organisation: str
    people: list[tuple[str, str]]
    evidence: list[Evidence]


def open_task(session: Session, actor: Actor, task_id: int) -> TaskPage:
    """Task ``task_id`` with its evidence, if ``actor`` reviews it (else :class:`NotFound`)."""
    task = task_to_review(session, actor, task_id)
    organisation = session.scalar(select(Organisation.name).where(Organisation.id == task.organisation_id)) or ""
    return TaskPage(task, organisation, task_people(session, task), evidence(session, task))


def decide_task(session: Session, actor: Actor, task_id: int, *, outcome: str, note: str) -> MonitoringTask:
    """Record the outcome of task ``task_id``, if ``actor`` reviews it."""
    return record_outcome(session, actor, task_to_review(session, actor, task_id), outcome=outcome, note=note)


@dataclass(frozen=True)
class TaskList:
    """A page of the tasks an actor reviews, how many match, and the organisations whose
    users' tasks they review (by name), for the page to say so."""

    tasks: list[MonitoringTask]
    total: int
    organisations: list[str]


def task_list(session: Session, actor: Actor, *, status: str = "open", rule: str = "", limit: int = 50,
              offset: int = 0) -> TaskList:
    """:func:`review_tasks`, with the organisations ``actor`` reviews for."""
    tasks, total = review_tasks(session, actor, status=status, rule=rule, limit=limit, offset=offset)
    names = []
    if actor.user_id is not None:
        for organisation_id, name in session.execute(select(Organisation.id, Organisation.name)
                                                     .order_by(Organisation.name)):
            if any(user.id == actor.user_id for user in reviewers_for_organisation(session, organisation_id).users):
                names.append(name)
    return TaskList(tasks, total, names)
