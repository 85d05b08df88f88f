"""The IG lead's transparency pages: a person's access report (and its PDF), showing staff
names with a reason, holding entries back, and the subject access requests by due date.

Each route is parse → one domain call (:mod:`joinedup.transparency`) → shape, behind
``require`` of its act; only information governance leads pass.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor
from joinedup.audit.checkpoints import instance_signer
from joinedup.errors import Refusal
from joinedup.partners.directory import organisations
from joinedup.permissions import (
    SUBJECT_ACCESS_DOWNLOAD,
    SUBJECT_ACCESS_RECORD,
    SUBJECT_ACCESS_STATUS,
    SUBJECT_ACCESS_VIEW,
    TRANSPARENCY_HOLD_RECORD,
    TRANSPARENCY_NAMES_REVEAL,
    TRANSPARENCY_RECEIPT,
    TRANSPARENCY_REPORT_VIEW,
)
from joinedup.transparency import (
    access_report,
    access_report_pdf,
    entry_receipt,
    move_request,
    record_hold,
    record_request,
    request_shown,
    requests_by_due,
    subject_access_export,
)
from joinedup.transparency.requests import MOVES
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.params import Id, PersonId, Text, parse_date

router = APIRouter(include_in_schema=False)

#: The date inputs, by the field the domain names.
DATES = {"until": "until-day", "received_on": "received-day"}
MOVE_LABELS = {"start": ("Start work on it", "It becomes in progress."), "done": ("It is answered", ""),
               "refuse": ("Refuse it", "Say why below."), "extend": ("Extend it by two months", "Say why below.")}
DONE = {"hold": "The entries are held back.", "recorded": "The request is recorded.",
        "moved": "The request is updated."}


EMPTY_HOLD = {"organisation": "", "until": ("", "", ""), "reason": "", "requested_by": ""}


def _fields(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(DATES.get(field, field), message) for field, message in problems]


def _report_page(request: Request, app: WebApp, actor: Actor, person_id: str, *, reason: str | None = None,
                 errors=(), hold_form: dict | None = None, done: str = "", status_code: int = 200) -> Response:
    with app.transaction() as session:
        report = access_report(session, actor, person_id, show_names_because=reason)
        choices = [(organisation.code, organisation.name) for organisation in organisations(session)]
    return render(request, "transparency/report.html", {
        "current": "transparency", "report": report, "errors": list(errors), "organisations": choices,
        "hold": hold_form or EMPTY_HOLD, "banner": DONE.get(done, ""), "reason": reason or ""}, status_code=status_code)


@router.get("/transparency")
def find(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(TRANSPARENCY_REPORT_VIEW)],
         person_id: Text = "") -> Response:
    """Find a person's report by their id."""
    if person_id.strip():
        return RedirectResponse(f"/transparency/persons/{person_id.strip().upper()[:20]}", status_code=303)
    return render(request, "transparency/find.html", {"current": "transparency"})


@router.get("/transparency/persons/{person_id}")
def report_page(request: Request, app: WebApp, user: PageUser,
                actor: Annotated[Actor, require(TRANSPARENCY_REPORT_VIEW)], person_id: PersonId,
                done: Text = "") -> Response:
    return _report_page(request, app, actor, person_id, done=done)


@router.get("/transparency/persons/{person_id}/report.pdf")
def report_pdf(app: WebApp, user: PageUser, actor: Annotated[Actor, require(TRANSPARENCY_REPORT_VIEW)],
               person_id: PersonId) -> Response:
    """The person's copy: staff by role and organisation, holds applied and never named."""
    with app.transaction() as session:
        report = access_report(session, actor, person_id)
    return Response(access_report_pdf(report), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="who-has-seen-{report.person_id}.pdf"'})


@router.get("/transparency/persons/{person_id}/receipts/{entry}")
def receipt(app: WebApp, user: PageUser, actor: Annotated[Actor, require(TRANSPARENCY_RECEIPT)],
            person_id: PersonId, entry: Text) -> Response:
    """The receipt of one line of the report, to hand to the person (audited)."""
    with app.transaction() as session:
        text = entry_receipt(session, actor, person_id, entry, instance_signer(app.settings).verifier)
    return Response(text, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="receipt-{person_id.upper()}-{entry.replace(":", "-")}.json"'})


@router.post("/transparency/persons/{person_id}/names")
def show_names(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
               actor: Annotated[Actor, require(TRANSPARENCY_NAMES_REVEAL)], person_id: PersonId,
               reason: Annotated[Text, Form()] = "") -> Response:
    """The report with staff names, for this reason (audited)."""
    try:
        return _report_page(request, app, actor, person_id, reason=reason)
    except Refusal as exc:
        if exc.status != 400:
            raise
        return _report_page(request, app, actor, person_id, errors=exc.problems, status_code=400)


@router.post("/transparency/persons/{person_id}/holds")
def hold(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
         actor: Annotated[Actor, require(TRANSPARENCY_HOLD_RECORD)], person_id: PersonId,
         organisation: Annotated[Text, Form()] = "", until_day: Annotated[Text, Form(alias="until-day")] = "",
         until_month: Annotated[Text, Form(alias="until-month")] = "",
         until_year: Annotated[Text, Form(alias="until-year")] = "",
         hold_reason: Annotated[Text, Form()] = "", requested_by: Annotated[Text, Form()] = "") -> Response:
    """Hold an organisation's entries back until a day (a covert case)."""
    reason = hold_reason
    until, problem = parse_date(until_day.strip(), until_month.strip(), until_year.strip(),
                                label="The date the entries may be shown")
    errors = [("until-day", problem)] if problem else []
    if not errors:
        try:
            with app.transaction() as session:
                record_hold(session, actor, person_id, until=until, reason=reason, requested_by=requested_by,
                            organisation=organisation)
            return RedirectResponse(f"/transparency/persons/{person_id.upper()}?done=hold", status_code=303)
        except Refusal as exc:
            if exc.status != 400:
                raise
            errors = [("hold_reason" if field == "reason" else field, message)
                      for field, message in _fields(exc.problems)]
    form = {"organisation": organisation, "until": (until_day, until_month, until_year), "reason": reason,
            "requested_by": requested_by}
    return _report_page(request, app, actor, person_id, errors=errors, hold_form=form, status_code=400)


# --------------------------------------------------------------------------- subject access requests

def _list_page(request: Request, app: WebApp, actor: Actor, *, show: str = "open", errors=(), form=None,
               status_code: int = 200) -> Response:
    with app.transaction() as session:
        shown = requests_by_due(session, actor, open_only=show != "all")
    return render(request, "transparency/requests.html", {
        "current": "transparency", "requests": shown, "show_all": show == "all", "errors": list(errors),
        "form": form or {"person_id": "", "received": ("", "", "")}}, status_code=status_code)


@router.get("/subject-access")
def requests_page(request: Request, app: WebApp, user: PageUser,
                  actor: Annotated[Actor, require(SUBJECT_ACCESS_VIEW)], show: Text = "open") -> Response:
    return _list_page(request, app, actor, show=show)


@router.post("/subject-access")
def new_request(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                actor: Annotated[Actor, require(SUBJECT_ACCESS_RECORD)], person_id: Annotated[Text, Form()] = "",
                received_day: Annotated[Text, Form(alias="received-day")] = "",
                received_month: Annotated[Text, Form(alias="received-month")] = "",
                received_year: Annotated[Text, Form(alias="received-year")] = "") -> Response:
    """Record a request received: it is due a calendar month later."""
    received, problem = parse_date(received_day.strip(), received_month.strip(), received_year.strip(),
                                   label="The date the request was received")
    errors = [("received-day", problem)] if problem else []
    if not errors:
        try:
            with app.transaction() as session:
                found = record_request(session, actor, person_id, received)
                request_id = found.id
            return RedirectResponse(f"/subject-access/{request_id}?done=recorded", status_code=303)
        except Refusal as exc:
            if exc.status != 400:
                raise
            errors = _fields(exc.problems)
    form = {"person_id": person_id, "received": (received_day, received_month, received_year)}
    return _list_page(request, app, actor, errors=errors, form=form, status_code=400)


def _request_page(request: Request, app: WebApp, actor: Actor, request_id: int, *, errors=(), done: str = "",
                  status_code: int = 200) -> Response:
    with app.transaction() as session:
        shown = request_shown(session, actor, request_id)
    moves = [(move, *MOVE_LABELS[move]) for move, (starts, _to) in MOVES.items() if shown.request.status in starts
             and not (move == "extend" and shown.request.extended_to)]
    return render(request, "transparency/request.html", {
        "current": "transparency", "shown": shown, "moves": moves, "errors": list(errors),
        "banner": DONE.get(done, "")}, status_code=status_code)


@router.get("/subject-access/{request_id}")
def request_page(request: Request, app: WebApp, user: PageUser,
                 actor: Annotated[Actor, require(SUBJECT_ACCESS_VIEW)], request_id: Id, done: Text = "") -> Response:
    return _request_page(request, app, actor, request_id, done=done)


@router.post("/subject-access/{request_id}/status")
def move(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
         actor: Annotated[Actor, require(SUBJECT_ACCESS_STATUS)], request_id: Id,
         move: Annotated[Text, Form()] = "", reason: Annotated[Text, Form()] = "") -> Response:
    """Start, complete, refuse or extend the request."""
    try:
        with app.transaction() as session:
            move_request(session, actor, request_id, move, reason=reason)
        return RedirectResponse(f"/subject-access/{request_id}?done=moved", status_code=303)
    except Refusal as exc:
        if exc.status not in (400, 409):
            raise
        return _request_page(request, app, actor, request_id, errors=exc.problems, status_code=exc.status)


@router.get("/subject-access/{request_id}/export.zip")
def download(app: WebApp, user: PageUser, actor: Annotated[Actor, require(SUBJECT_ACCESS_DOWNLOAD)],
             request_id: Id) -> Response:
    """Everything held about the person: a zip of JSON and a PDF report."""
    with app.transaction() as session:
        name, data = subject_access_export(session, actor, request_id)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
