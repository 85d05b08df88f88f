"""The JSON API of transparency, for information governance leads (403 for anyone else,
audited either way): a person's access report, and subject access requests (listed by
due date, recorded, moved on, and their export). Writes send the session's CSRF token in
the ``X-CSRF-Token`` header."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.audit.checkpoints import instance_signer
from joinedup.permissions import (
    SUBJECT_ACCESS_DOWNLOAD,
    SUBJECT_ACCESS_RECORD,
    SUBJECT_ACCESS_STATUS,
    SUBJECT_ACCESS_VIEW,
    TRANSPARENCY_RECEIPT,
    TRANSPARENCY_REPORT_VIEW,
)
from joinedup.transparency import (
    access_report,
    entry_receipt,
    move_request,
    record_request,
    request_shown,
    requests_by_due,
    subject_access_export,
)
from joinedup.transparency.requests import RequestShown
from joinedup.web.api import UNAUTHENTICATED, CheckedWrite, Problem, offer_csrf
from joinedup.web.context import WebApp
from joinedup.web.gates import require
from joinedup.web.params import Id, PersonId, Text

router = APIRouter(tags=["transparency"], dependencies=[Depends(offer_csrf)], responses=UNAUTHENTICATED)

IG_LEAD = {403: {"model": Problem, "description": "Not an information governance lead (audited)."}}
REFUSED = {400: {"model": Problem, "description": "A field refused, named in `field`."},
           404: {"model": Problem, "description": "No such person or request."},
           409: {"model": Problem, "description": "The request's state does not allow this."}}


class EntryOut(BaseModel):
    at: datetime
    kind: str = Field(description="Looked at, Shared, Refused, Decided not to share, System processing, "
                                  "Handling your request.")
    who: str = Field(description="A role at an organisation (staff names are never given by the API).")
    what: str
    purpose: str
    entry: str | None = Field(None, description="The log entry the line is (`table:id`), for its receipt; none for "
                                                "the system's processing lines.")


class HoldOut(BaseModel):
    organisation: str
    until: date
    reason: str
    requested_by: str
    recorded_by: str
    recorded_at: datetime
    entries_held: int


class ReportOut(BaseModel):
    person_id: str
    entries: list[EntryOut]
    holds: list[HoldOut] = Field(description="The holds in force, for the IG lead: never in the person's copy.")


class RequestOut(BaseModel):
    id: int
    person_id: str
    status: Literal["received", "in_progress", "done", "refused"]
    received_on: date
    due_on: date
    extended_to: date | None
    extension_reason: str
    deadline: date
    days_left: int = Field(description="Days to the deadline; negative when late.")
    refusal_reason: str
    completed_on: date | None


class RequestIn(BaseModel):
    person_id: Text = Field(max_length=20)
    received_on: date


class MoveIn(BaseModel):
    move: Literal["start", "done", "refuse", "extend"]
    reason: Text = Field(default="", max_length=2000)


def _out(shown: RequestShown) -> RequestOut:
    request = shown.request
    return RequestOut(id=request.id, person_id=request.person_id, status=request.status,
                      received_on=request.received_on, due_on=request.due_on, extended_to=request.extended_to,
                      extension_reason=request.extension_reason, deadline=request.deadline,
                      days_left=shown.days_left, refusal_reason=request.refusal_reason,
                      completed_on=request.completed_on)


@router.get("/api/v1/transparency/persons/{person_id}", response_model=ReportOut,
            summary="Who has seen a person's record", responses=IG_LEAD | REFUSED)
def report(app: WebApp, actor: Annotated[Actor, require(TRANSPARENCY_REPORT_VIEW)], person_id: PersonId) -> ReportOut:
    """Every access and disclosure about the person, newest first: staff by role and
    organisation, the system's processing explained, entries under a hold left out (the
    holds are listed). Audited as `transparency.report.view`."""
    with app.transaction() as session:
        found = access_report(session, actor, person_id)
    return ReportOut(
        person_id=found.person_id,
        entries=[EntryOut(at=entry.at, kind=entry.kind_name, who=entry.who, what=entry.what, purpose=entry.purpose,
                          entry=entry.source if entry.has_receipt else None)
                 for entry in found.entries],
        holds=[HoldOut(organisation=hold.organisation, until=hold.until, reason=hold.reason,
                       requested_by=hold.requested_by, recorded_by=hold.recorded_by, recorded_at=hold.recorded_at,
                       entries_held=hold.entries_held) for hold in found.holds])


@router.get("/api/v1/transparency/persons/{person_id}/receipts/{entry}", summary="A receipt for one entry",
            responses=IG_LEAD | REFUSED | {200: {"content": {"application/json": {}},
                                                  "description": "The receipt (joinedup audit check-receipt)."}})
def receipt(app: WebApp, actor: Annotated[Actor, require(TRANSPARENCY_RECEIPT)], person_id: PersonId,
            entry: Text) -> Response:
    """The receipt of one entry of the person's report (`sharing_decisions:ID` or
    `audit_events:ID`): the entry, its place and the proof that the latest signed
    checkpoint holds it, checked with the log's public key alone. 409 when no checkpoint
    covers the entry yet. Audited as `transparency.receipt`."""
    with app.transaction() as session:
        text = entry_receipt(session, actor, person_id, entry, instance_signer(app.settings).verifier)
    return Response(text, media_type="application/json")


@router.get("/api/v1/subject-access", response_model=list[RequestOut], summary="Subject access requests by due date",
            responses=IG_LEAD)
def requests(app: WebApp, actor: Annotated[Actor, require(SUBJECT_ACCESS_VIEW)],
             show: Literal["open", "all"] = "open") -> list[RequestOut]:
    with app.transaction() as session:
        return [_out(shown) for shown in requests_by_due(session, actor, open_only=show == "open")]


@router.post("/api/v1/subject-access", response_model=RequestOut, status_code=201,
             summary="Record a subject access request", responses=IG_LEAD | REFUSED)
def record(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(SUBJECT_ACCESS_RECORD)],
           body: RequestIn) -> RequestOut:
    """Due one calendar month after `received_on`. Audited as `subject_access.record`."""
    with app.transaction() as session:
        found = record_request(session, actor, body.person_id, body.received_on)
        return _out(request_shown(session, actor, found.id))


@router.get("/api/v1/subject-access/{request_id}", response_model=RequestOut, summary="One subject access request",
            responses=IG_LEAD | REFUSED)
def one(app: WebApp, actor: Annotated[Actor, require(SUBJECT_ACCESS_VIEW)], request_id: Id) -> RequestOut:
    with app.transaction() as session:
        return _out(request_shown(session, actor, request_id))


@router.post("/api/v1/subject-access/{request_id}/status", response_model=RequestOut,
             summary="Start, complete, refuse or extend a request", responses=IG_LEAD | REFUSED)
def move(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(SUBJECT_ACCESS_STATUS)], request_id: Id,
         body: MoveIn) -> RequestOut:
    """Refusing and extending need a reason. Audited as `subject_access.status`."""
    with app.transaction() as session:
        move_request(session, actor, request_id, body.move, reason=body.reason)
        return _out(request_shown(session, actor, request_id))


@router.get("/api/v1/subject-access/{request_id}/export", summary="Everything held about the person (zip)",
            responses=IG_LEAD | REFUSED | {200: {"content": {"application/zip": {}},
                                                  "description": "A zip of JSON files and a PDF report."}},
            response_class=Response)
def export(app: WebApp, actor: Annotated[Actor, require(SUBJECT_ACCESS_DOWNLOAD)], request_id: Id) -> Response:
    """Only while the request is open. Other people's details are redacted. Audited as
    `subject_access.download`; each record read is decided and logged."""
    with app.transaction() as session:
        name, data = subject_access_export(session, actor, request_id)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
