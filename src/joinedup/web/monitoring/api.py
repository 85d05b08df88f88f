"""The monitoring API: the review tasks an IG lead reviews, one with its evidence, and
recording an outcome; the staff declarations they see; and every user's own declaration.
The same domain calls as the pages (:mod:`joinedup.monitoring`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from joinedup.audit import Actor
from joinedup.errors import NotFound
from joinedup.monitoring import (
    RULES,
    MonitoringTask,
    StaffDeclaration,
    decide_task,
    declare_own,
    open_task,
    own_declaration,
    review_tasks,
    reviewed_declarations,
    withdraw_own,
    written_postcode,
)
from joinedup.permissions import (
    MONITORING_DECIDE,
    MONITORING_DECLARATION_SAVE,
    MONITORING_DECLARATION_VIEW,
    MONITORING_DECLARATION_WITHDRAW,
    MONITORING_DECLARATIONS_VIEW,
    MONITORING_VIEW,
)
from joinedup.web.api import UNAUTHENTICATED, CheckedWrite, Problem, offer_csrf
from joinedup.web.context import ApiUser, WebApp
from joinedup.web.gates import require
from joinedup.web.monitoring.schemas import (
    DeclarationIn,
    DeclarationOut,
    DeclaredStaffOut,
    EvidenceOut,
    OutcomeIn,
    PersonOut,
    Rule,
    TaskDetailOut,
    TaskPageOut,
)
from joinedup.web.params import Id, Offset

router = APIRouter(
    prefix="/api/v1/monitoring",
    tags=["monitoring"],
    responses=UNAUTHENTICATED | {403: {"model": Problem, "description": MONITORING_VIEW.refusal},
                                 422: {"model": Problem}},
    dependencies=[Depends(offer_csrf)],
)
NOT_FOUND = {404: {"model": Problem, "description": "No such task among those you review."}}


def task_out(task: MonitoringTask) -> dict:
    return {"id": task.id, "rule": task.rule, "rule_name": RULES.get(task.rule, task.rule), "status": task.status,
            "username": task.username, "organisation_id": task.organisation_id, "window_start": task.window_start,
            "window_end": task.window_end, "count": task.count, "threshold": task.threshold, "summary": task.summary,
            "persons": list(task.persons or []), "raised_at": task.raised_at, "outcome": task.outcome or None,
            "note": task.note, "decided_by": task.decided_by, "decided_at": task.decided_at}


@router.get("/tasks", response_model=TaskPageOut, summary="The review tasks you review")
def tasks(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(MONITORING_VIEW)],
          status: Literal["open", "closed", "any"] = "open", rule: Rule | None = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0) -> dict:
    """Tasks about users of the organisations you review for, newest first."""
    with app.transaction() as session:
        found, total = review_tasks(session, actor, status="" if status == "any" else status, rule=rule or "",
                                    limit=limit, offset=offset)
        return {"tasks": [task_out(task) for task in found], "total": total, "limit": limit, "offset": offset}


@router.get("/tasks/{task_id}", response_model=TaskDetailOut, responses=NOT_FOUND, summary="One task and its evidence")
def task(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(MONITORING_VIEW)], task_id: Id) -> dict:
    with app.transaction() as session:
        shown = open_task(session, actor, task_id)
        return _detail(shown)


def _detail(shown) -> dict:
    return {**task_out(shown.task), "organisation": shown.organisation,
            "people": [PersonOut(person_id=person_id, name=name) for person_id, name in shown.people],
            "evidence": [EvidenceOut(event_id=row.event_id, at=row.at, action=row.action, outcome=row.outcome,
                                     person_id=row.person_id, person_name=row.person_name, purpose=row.purpose,
                                     relationship=row.relationship) for row in shown.evidence]}


@router.post("/tasks/{task_id}/outcome", response_model=TaskDetailOut,
             responses=NOT_FOUND | {400: {"model": Problem, "description": "The task was already reviewed."}},
             summary="Record the outcome of a task")
def outcome(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(MONITORING_DECIDE)], task_id: Id,
            body: OutcomeIn) -> dict:
    """Close the task with your outcome and a note (recorded with your name and the time)."""
    with app.transaction() as session:
        decide_task(session, actor, task_id, outcome=body.outcome, note=body.note)
        return _detail(open_task(session, actor, task_id))


NOT_DECLARED = {404: {"model": Problem, "description": "You have no declaration."}}
OWN = {403: {"model": Problem, "description": "Never: every signed-in user has their own."}}


def _declaration_out(found: StaffDeclaration) -> dict:
    return {"surname": found.surname, "postcode": written_postcode(found.postcode), "declared_by": found.declared_by,
            "declared_at": found.declared_at}


@router.get("/declaration", response_model=DeclarationOut, responses=NOT_DECLARED | OWN,
            summary="Your own staff declaration")
def declaration(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(MONITORING_DECLARATION_VIEW)]) -> dict:
    """The surname and home postcode you declared, which the household rule compares with
    the people you view."""
    with app.transaction() as session:
        found = own_declaration(session, actor)
        if found is None:
            raise NotFound("You have no declaration.", "declaration")
        return _declaration_out(found)


@router.put("/declaration", response_model=DeclarationOut, responses=OWN | {400: {"model": Problem}},
            summary="Declare your own surname and postcode")
def declare(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(MONITORING_DECLARATION_SAVE)],
            body: DeclarationIn) -> dict:
    """Keep your surname and home postcode (replacing any before); a problem is 400 naming
    ``surname`` or ``postcode``."""
    with app.transaction() as session:
        return _declaration_out(declare_own(session, actor, surname=body.surname, postcode=body.postcode))


@router.delete("/declaration", status_code=204, response_class=Response, responses=NOT_DECLARED | OWN,
               summary="Withdraw your own declaration")
def withdraw(app: WebApp, visit: CheckedWrite,
             actor: Annotated[Actor, require(MONITORING_DECLARATION_WITHDRAW)]) -> Response:
    """The household rule no longer checks you; your IG leads see that you withdrew it."""
    with app.transaction() as session:
        withdraw_own(session, actor)
    return Response(status_code=204)


@router.get("/declarations", response_model=list[DeclaredStaffOut],
            responses={403: {"model": Problem, "description": MONITORING_DECLARATIONS_VIEW.refusal}},
            summary="The staff declarations of the organisations you review")
def declarations(app: WebApp, user: ApiUser,
                 actor: Annotated[Actor, require(MONITORING_DECLARATIONS_VIEW)]) -> list[dict]:
    """Each member of staff's declaration, or when they withdrew it, by organisation."""
    with app.transaction() as session:
        return [{"username": staff.username, "display_name": staff.display_name, "organisation": staff.organisation,
                 "surname": staff.surname or None,
                 "postcode": staff.postcode or None,
                 "declared_by": staff.declared_by or None, "declared_at": staff.declared_at,
                 "withdrawn_at": staff.withdrawn_at} for staff in reviewed_declarations(session, actor)]
