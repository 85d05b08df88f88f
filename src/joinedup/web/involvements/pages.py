"""The forms to record, end and correct an involvement (the directory's are in
:mod:`joinedup.web.involvements.directory`).

Each route is parse → one domain call (:mod:`joinedup.involvements`) → shape. Only
frontline users of the involved organisation may record, end and correct
(``require(INVOLVEMENT_*)`` here; the organisation is the domain's check).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor
from joinedup.errors import Refusal
from joinedup.involvements import (
    InvolvementTerms,
    correct_involvement,
    directory_of,
    end_involvement,
    own_involvement,
    record_involvement,
)
from joinedup.partners.roles import CONTACT_ROUTES, INVOLVEMENT_ROLES
from joinedup.permissions import (
    INVOLVEMENT_CORRECT,
    INVOLVEMENT_END,
    INVOLVEMENT_FORM,
    INVOLVEMENT_RECORD,
)
from joinedup.web.access.views import back_to, person_or_404
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.involvements.team import refusals_logged
from joinedup.web.params import Id, Text, parse_date

router = APIRouter(include_in_schema=False)


def _form_context(session, actor: Actor, **values) -> dict:
    return {"current": "persons", "directory": directory_of(session, actor.organisation_id),
            "roles": INVOLVEMENT_ROLES, "routes": CONTACT_ROUTES, "errors": [], **values}


def _terms(role: str, team: str, worker: str, contact_route: str, day: str, month: str, year: str,
           note: str) -> tuple[InvolvementTerms, list[tuple[str, str]]]:
    starts_on, problem = parse_date(day.strip(), month.strip(), year.strip(), label="The date it started")
    errors = [("starts_on", problem)] if problem else []
    terms = InvolvementTerms(role, int(team) if team.isdigit() else None, int(worker) if worker.isdigit() else None,
                             contact_route, starts_on, note.strip())
    return terms, errors


@router.get("/persons/{person_id}/involvements/new")
def new_involvement(request: Request, app: WebApp, user: PageUser,
                    actor: Annotated[Actor, require(INVOLVEMENT_FORM)], person_id: Text) -> Response:
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        context = _form_context(session, actor, person_id=person.person_id, values={})
    return render(request, "involvements/record.html", context)


@router.post("/persons/{person_id}/involvements")
def record(
    request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
    actor: Annotated[Actor, require(INVOLVEMENT_RECORD)], person_id: Text,
    role: Annotated[Text, Form()] = "", team: Annotated[Text, Form()] = "", worker: Annotated[Text, Form()] = "",
    contact_route: Annotated[Text, Form()] = "", starts_day: Annotated[Text, Form()] = "",
    starts_month: Annotated[Text, Form()] = "", starts_year: Annotated[Text, Form()] = "",
    note: Annotated[Text, Form()] = "",
) -> Response:
    """Record that the user's organisation works with the person."""
    terms, errors = _terms(role, team, worker, contact_route, starts_day, starts_month, starts_year, note)
    if not errors:
        try:
            with refusals_logged(app, actor, INVOLVEMENT_RECORD, person_id), app.transaction() as session:
                person = person_or_404(session, person_id)
                record_involvement(session, actor, person.person_id, terms)
            return RedirectResponse(back_to(person.person_id, "", done="involvement-recorded"), status_code=303)
        except Refusal as exc:
            if exc.status != 400:
                raise
            errors = exc.problems
    values = {"role": role, "team": team, "worker": worker, "contact_route": contact_route, "starts_day": starts_day,
              "starts_month": starts_month, "starts_year": starts_year, "note": note}
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        context = _form_context(session, actor, person_id=person.person_id, values=values, errors=errors)
    return render(request, "involvements/record.html", context, status_code=400)


@router.get("/involvements/{involvement_id}")
def change_involvement(request: Request, app: WebApp, user: PageUser,
                       actor: Annotated[Actor, require(INVOLVEMENT_FORM)], involvement_id: Id) -> Response:
    with refusals_logged(app, actor, INVOLVEMENT_FORM, involvement_id, subject_type="involvement"), \
            app.transaction() as session:
        involvement = own_involvement(session, actor, involvement_id)
        context = _change_context(session, actor, involvement)
    return render(request, "involvements/change.html", context)


@router.post("/involvements/{involvement_id}/correct")
def correct(
    request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
    actor: Annotated[Actor, require(INVOLVEMENT_CORRECT)], involvement_id: Id,
    role: Annotated[Text, Form()] = "", team: Annotated[Text, Form()] = "", worker: Annotated[Text, Form()] = "",
    contact_route: Annotated[Text, Form()] = "", starts_day: Annotated[Text, Form()] = "",
    starts_month: Annotated[Text, Form()] = "", starts_year: Annotated[Text, Form()] = "",
    note: Annotated[Text, Form()] = "",
) -> Response:
    """Correct one of the organisation's involvements; the audit names each change."""
    terms, errors = _terms(role, team, worker, contact_route, starts_day, starts_month, starts_year, note)
    if not errors:
        try:
            with refusals_logged(app, actor, INVOLVEMENT_CORRECT, involvement_id, subject_type="involvement"), \
                    app.transaction() as session:
                involvement = correct_involvement(session, actor, involvement_id, terms)
                person_id = involvement.person.person_id
            return RedirectResponse(back_to(person_id, "", done="involvement-corrected"), status_code=303)
        except Refusal as exc:
            if exc.status != 400:
                raise
            errors = exc.problems
    values = {"role": role, "team": team, "worker": worker, "contact_route": contact_route, "starts_day": starts_day,
              "starts_month": starts_month, "starts_year": starts_year, "note": note}
    with app.transaction() as session:
        involvement = own_involvement(session, actor, involvement_id)
        context = _change_context(session, actor, involvement, values=values, errors=errors)
    return render(request, "involvements/change.html", context, status_code=400)


@router.post("/involvements/{involvement_id}/end")
def end(
    request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
    actor: Annotated[Actor, require(INVOLVEMENT_END)], involvement_id: Id,
    ends_day: Annotated[Text, Form()] = "", ends_month: Annotated[Text, Form()] = "",
    ends_year: Annotated[Text, Form()] = "", end_note: Annotated[Text, Form()] = "",
) -> Response:
    """End one of the organisation's involvements on the date given."""
    ends_on, problem = parse_date(ends_day.strip(), ends_month.strip(), ends_year.strip(), label="The date it ended")
    errors = [("ends_on", problem)] if problem else []
    if not errors:
        try:
            with refusals_logged(app, actor, INVOLVEMENT_END, involvement_id, subject_type="involvement"), \
                    app.transaction() as session:
                involvement = end_involvement(session, actor, involvement_id, ends_on, note=end_note.strip())
                person_id = involvement.person.person_id
            return RedirectResponse(back_to(person_id, "", done="involvement-ended"), status_code=303)
        except Refusal as exc:
            if exc.status != 400:
                raise
            errors = exc.problems
    with app.transaction() as session:
        involvement = own_involvement(session, actor, involvement_id)
        context = _change_context(session, actor, involvement, errors=errors,
                                  ending={"ends_day": ends_day, "ends_month": ends_month, "ends_year": ends_year,
                                          "end_note": end_note})
    return render(request, "involvements/change.html", context, status_code=400)


def _change_context(session, actor: Actor, involvement, *, values: dict | None = None,
                    errors: list | None = None, ending: dict | None = None) -> dict:
    starts = involvement.starts_on
    current = {"role": involvement.role, "team": str(involvement.team_id or ""),
               "worker": str(involvement.worker_id or ""), "contact_route": involvement.contact_route,
               "starts_day": str(starts.day) if starts else "", "starts_month": str(starts.month) if starts else "",
               "starts_year": str(starts.year) if starts else "", "note": involvement.note}
    return _form_context(session, actor, involvement=involvement, person_id=involvement.person.person_id,
                         team_name=involvement.team.name if involvement.team else "",
                         values=values or current, errors=errors or [], ending=ending or {})

