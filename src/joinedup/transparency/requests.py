"""Subject access requests on the UK GDPR one-month clock.

A request is received, then in progress, then done or refused (with the reason). It is due
one calendar month after the day it was received (ICO: the same date next month; when that
month has no such date, its last day, so 31 January is due on 28 or 29 February). It may be
extended once, by up to two further months, with the reason (Article 12(3)). The due day is
not moved off a weekend: answering earlier is always allowed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.disclosure.governance import person_names
from joinedup.errors import Conflict, NotFound, Refusal
from joinedup.people.models import Person
from joinedup.permissions import (
    SUBJECT_ACCESS_RECORD,
    SUBJECT_ACCESS_STATUS,
    SUBJECT_ACCESS_VIEW,
)
from joinedup.transparency.authority import check_ig_lead
from joinedup.transparency.models import OPEN_STATUSES, SubjectAccessRequest

STATUS_NAMES = {"received": "Received", "in_progress": "In progress", "done": "Done", "refused": "Refused"}
#: What each move does: the states it may start from, and the state it leads to.
MOVES = {"start": (("received",), "in_progress"), "done": (("in_progress",), "done"),
         "refuse": (OPEN_STATUSES, "refused"), "extend": (OPEN_STATUSES, None)}
REASON_MAX = 2000


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later, or that month's last day when it has no such date."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(received_on: date) -> date:
    """When an answer to a request received on ``received_on`` is due: one calendar month."""
    return add_months(received_on, 1)


def extended_due_on(received_on: date) -> date:
    """The latest an extended request may be answered: three calendar months in all."""
    return add_months(received_on, 3)


@dataclass(frozen=True)
class RequestShown:
    """A request as the list shows it: the person's name, and the days left (negative: late)."""

    request: SubjectAccessRequest
    name: str
    days_left: int

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.request.status]

    @property
    def overdue(self) -> bool:
        return self.request.open and self.days_left < 0


def record_request(session: Session, actor: Actor, person_id: str, received_on: date | None, *,
                   today: date | None = None) -> SubjectAccessRequest:
    """Record a request by ``person_id`` received on ``received_on``: due a month later."""
    check_ig_lead(actor, SUBJECT_ACCESS_RECORD.refusal, "request")
    today = today or date.today()
    problems = []
    person = session.scalar(select(Person).where(Person.person_id == (person_id or "").strip().upper()))
    if person is None:
        problems.append(("person_id", "Enter the id of a person in the index, like P0A1B2C3D4E."))
    if received_on is None:
        problems.append(("received_on", "Enter the date the request was received, like 27 3 2026."))
    elif received_on > today:
        problems.append(("received_on", "The date the request was received must be today or in the past."))
    if problems:
        raise Refusal(problems)
    request = SubjectAccessRequest(person_id=person.person_id, received_on=received_on, due_on=due_on(received_on),
                                   status="received", recorded_by=actor.username[:120])
    session.add(request)
    session.flush()
    record_event(session, actor, action=SUBJECT_ACCESS_RECORD, outcome="success", subject_type="person",
                 subject_id=person.person_id, details={"request": request.id, "received_on": received_on.isoformat(),
                                                       "due_on": request.due_on.isoformat()})
    return request


def move_request(session: Session, actor: Actor, request_id: int, move: str, *, reason: str = "",
                 today: date | None = None) -> SubjectAccessRequest:
    """Start, complete, refuse (with the reason) or extend (with the reason) a request."""
    check_ig_lead(actor, SUBJECT_ACCESS_STATUS.refusal, "request")
    today = today or date.today()
    request = session.get(SubjectAccessRequest, request_id)
    if request is None:
        raise NotFound("There is no such request.", "request")
    if move not in MOVES:
        raise Refusal("Select what to do with the request.", "move")
    starts, to = MOVES[move]
    if request.status not in starts:
        raise Conflict(f"A request that is {STATUS_NAMES[request.status].lower()} cannot be moved so.", "move")
    reason = (reason or "").strip()
    if move in ("refuse", "extend") and not reason:
        raise Refusal("Say why." if move == "refuse" else "Say why the request needs longer.", "reason")
    if len(reason) > REASON_MAX:
        raise Refusal(f"The reason must be {REASON_MAX:,} characters or fewer.", "reason")
    if move == "extend":
        if request.extended_to is not None:
            raise Conflict("The request has been extended already: it can be extended once.", "move")
        request.extended_to, request.extension_reason = extended_due_on(request.received_on), reason
    else:
        request.status = to
        if move == "refuse":
            request.refusal_reason = reason
        if to in ("done", "refused"):
            request.completed_on = today
    request.updated_at = utcnow()
    session.flush()
    record_event(session, actor, action=SUBJECT_ACCESS_STATUS, outcome="success", subject_type="person",
                 subject_id=request.person_id, reason=reason,
                 details={"request": request.id, "move": move, "status": request.status,
                          "deadline": request.deadline.isoformat()})
    return request


def requests_by_due(session: Session, actor: Actor, *, open_only: bool = True,
                    today: date | None = None) -> list[RequestShown]:
    """The requests, soonest due first (open ones only, unless ``open_only`` is false)."""
    check_ig_lead(actor, SUBJECT_ACCESS_VIEW.refusal, "request")
    today = today or date.today()
    statement = select(SubjectAccessRequest)
    if open_only:
        statement = statement.where(SubjectAccessRequest.status.in_(OPEN_STATUSES))
    found = sorted(session.scalars(statement), key=lambda request: (request.deadline, request.id))
    names = person_names(session, {request.person_id for request in found})
    return [RequestShown(request, names.get(request.person_id, ""), (request.deadline - today).days)
            for request in found]


def request_shown(session: Session, actor: Actor, request_id: int, *, today: date | None = None) -> RequestShown:
    check_ig_lead(actor, SUBJECT_ACCESS_VIEW.refusal, "request")
    request = session.get(SubjectAccessRequest, request_id)
    if request is None:
        raise NotFound("There is no such request.", "request")
    today = today or date.today()
    return RequestShown(request, person_names(session, {request.person_id}).get(request.person_id, ""),
                        (request.deadline - today).days)
