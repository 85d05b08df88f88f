"""The forms to record a flag of the user's organisation for a person, and to correct or
end one.

Each route is parse → one domain call (:mod:`joinedup.flags`) → shape. Only frontline
users may (``require(FLAG_*)``), and only their own organisation's flags (the domain's
check). The person page shows the flags (:mod:`joinedup.web.persons.pages`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor
from joinedup.errors import Refusal
from joinedup.flags import FLAG_TYPES, FlagTerms, correct_flag, end_flag, own_flag, record_flag
from joinedup.involvements import directory_of
from joinedup.permissions import FLAG_CORRECT, FLAG_END, FLAG_FORM, FLAG_RECORD
from joinedup.web.access.views import back_to, person_or_404
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.params import Id, Text, parse_date

router = APIRouter(include_in_schema=False)

def _record_context(session, actor: Actor, person_id: str, values: dict, errors: list) -> dict:
    teams = [(str(team.id), team.name) for team, _workers in directory_of(session, actor.organisation_id)]
    return {"current": "persons", "person_id": person_id, "values": values, "errors": errors, "teams": teams,
            "types": [(kind.code, kind.name) for kind in FLAG_TYPES.values()]}


def _stated(type: str, team: str, legal_status: str, day: str, month: str, year: str,
            ) -> tuple[FlagTerms | None, list[tuple[str, str]], dict]:
    """The flag form as the domain takes it (None when its date is not one), the date's
    problem, and the values to show again."""
    starts_on, problem = parse_date(day.strip(), month.strip(), year.strip(), label="The date the flag started")
    values = {"type": type, "team": team, "legal_status": legal_status, "starts_on": (day, month, year)}
    if problem:
        return None, [("starts_on-day", problem)], values
    return FlagTerms(type, starts_on, legal_status, int(team) if team.isdigit() else None), [], values


def _form_fields(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The domain's fields as the form names them (a date by its day input)."""
    return [("starts_on-day" if name == "starts_on" else name, message) for name, message in problems]


@router.get("/persons/{person_id}/flags/new")
def new_flag(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(FLAG_FORM)],
             person_id: Text) -> Response:
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        context = _record_context(session, actor, person.person_id, {}, [])
    return render(request, "flags/record.html", context)


@router.post("/persons/{person_id}/flags")
def record(
    request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
    actor: Annotated[Actor, require(FLAG_RECORD)], person_id: Text,
    type: Annotated[Text, Form()] = "", team: Annotated[Text, Form()] = "",
    legal_status: Annotated[Text, Form()] = "", starts_day: Annotated[Text, Form(alias="starts_on-day")] = "",
    starts_month: Annotated[Text, Form(alias="starts_on-month")] = "",
    starts_year: Annotated[Text, Form(alias="starts_on-year")] = "",
) -> Response:
    """Record a flag of the user's organisation for the person."""
    terms, errors, values = _stated(type, team, legal_status, starts_day, starts_month, starts_year)
    if terms is not None:
        try:
            with app.transaction() as session:
                person = person_or_404(session, person_id)
                record_flag(session, actor, person.person_id, terms)
            return RedirectResponse(back_to(person.person_id, "", done="flag-recorded"), status_code=303)
        except Refusal as exc:
            if exc.status != 400:
                raise
            errors = _form_fields(exc.problems)
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        context = _record_context(session, actor, person.person_id, values, errors)
    return render(request, "flags/record.html", context, status_code=400)


@router.get("/flags/{flag_id}")
def change_flag(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(FLAG_FORM)],
                flag_id: Id) -> Response:
    with app.transaction() as session:
        flag = own_flag(session, actor, flag_id)
        context = _end_context(session, actor, flag, ("", "", ""), [])
    return render(request, "flags/end.html", context)


@router.post("/flags/{flag_id}/correct")
def correct(
    request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
    actor: Annotated[Actor, require(FLAG_CORRECT)], flag_id: Id,
    type: Annotated[Text, Form()] = "", team: Annotated[Text, Form()] = "",
    legal_status: Annotated[Text, Form()] = "", starts_day: Annotated[Text, Form(alias="starts_on-day")] = "",
    starts_month: Annotated[Text, Form(alias="starts_on-month")] = "",
    starts_year: Annotated[Text, Form(alias="starts_on-year")] = "",
) -> Response:
    """Correct one of the organisation's flags; the audit names each change."""
    terms, errors, values = _stated(type, team, legal_status, starts_day, starts_month, starts_year)
    if terms is not None:
        try:
            with app.transaction() as session:
                flag = correct_flag(session, actor, flag_id, terms)
                person_id = flag.person.person_id
            return RedirectResponse(back_to(person_id, "", done="flag-corrected"), status_code=303)
        except Refusal as exc:
            if exc.status != 400:
                raise
            errors = _form_fields(exc.problems)
    with app.transaction() as session:
        flag = own_flag(session, actor, flag_id)
        context = _end_context(session, actor, flag, ("", "", ""), errors, values=values)
    return render(request, "flags/end.html", context, status_code=400)


@router.post("/flags/{flag_id}/end")
def end(
    request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
    actor: Annotated[Actor, require(FLAG_END)], flag_id: Id,
    ends_day: Annotated[Text, Form(alias="ends_on-day")] = "",
    ends_month: Annotated[Text, Form(alias="ends_on-month")] = "",
    ends_year: Annotated[Text, Form(alias="ends_on-year")] = "",
) -> Response:
    """End one of the organisation's flags on the date given."""
    ends_on, problem = parse_date(ends_day.strip(), ends_month.strip(), ends_year.strip(),
                                  label="The date the flag ended")
    errors = [("ends_on-day", problem)] if problem else []
    if not errors:
        try:
            with app.transaction() as session:
                flag = end_flag(session, actor, flag_id, ends_on)
                person_id = flag.person.person_id
            return RedirectResponse(back_to(person_id, "", done="flag-ended"), status_code=303)
        except Refusal as exc:
            if exc.status != 400:
                raise
            errors = [("ends_on-day", message) for _name, message in exc.problems]
    with app.transaction() as session:
        flag = own_flag(session, actor, flag_id)
        context = _end_context(session, actor, flag, (ends_day, ends_month, ends_year), errors)
    return render(request, "flags/end.html", context, status_code=400)


def _end_context(session, actor: Actor, flag, parts: tuple[str, str, str], errors: list, *,
                 values: dict | None = None) -> dict:
    """The page to end a flag or correct it: the correction form shows the flag as it is,
    or what was sent back with errors."""
    kind = FLAG_TYPES.get(flag.type)
    starts = flag.starts_on
    values = values or {"type": flag.type, "team": str(flag.team_id or ""), "legal_status": flag.legal_status or "",
                        "starts_on": (str(starts.day), str(starts.month), str(starts.year)) if starts else ("", "", "")}
    return {**_record_context(session, actor, flag.person.person_id, values, errors), "flag": flag,
            "name": kind.name if kind else flag.type, "parts": parts}
