"""The team around the family page: every family member's current involvements, the lead
professionals with their history, and the invited members, with the forms to name a lead
and to invite or remove a member.

Each route is parse → one domain call (:mod:`joinedup.involvements.team`,
:mod:`joinedup.involvements.lead`) → shape. The purpose is the one the user stated for
the person (or their working context's), as the person page reads it. Only practitioners
and MASH officers (``require(TEAM_*)``, ``require(LEAD_NAME)``); that their organisation
is involved is the domain's check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor, record_event
from joinedup.disclosure import access_action
from joinedup.errors import Refusal
from joinedup.involvements import (
    end_lead,
    invitable_workers,
    invite_member,
    name_lead,
    remove_member,
    team_around,
)
from joinedup.people import PERSON_ID
from joinedup.permissions import (
    LEAD_END,
    LEAD_NAME,
    TEAM_INVITE,
    TEAM_REMOVE,
    TEAM_VIEW,
    Action,
)
from joinedup.web.access.views import stated_purpose
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.params import Id, Text

router = APIRouter(include_in_schema=False)

DONE = {"lead-named": "Lead professional named", "lead-ended": "Lead professional ended: name another when one is agreed",
        "member-invited": "Member invited into the team",
        "member-removed": "Member removed from the team"}


def _page(request: Request, app, visit, actor: Actor, person_id: str, *, errors=(), values=None, done: str = "",
          status_code: int = 200) -> Response:
    if not PERSON_ID.fullmatch(person_id.upper()):
        raise HTTPException(404)
    with app.transaction() as session:
        team = team_around(session, actor, person_id, action=access_action(actor),
                           purpose=stated_purpose(visit, person_id))
        workers = invitable_workers(session, actor) if team is not None and team.may_change else []
    if team is None:
        raise HTTPException(404)
    if not team.allowed:
        return render(request, "involvements/team_refused.html", {"current": "persons", "team": team},
                      status_code=403)
    return render(request, "involvements/team.html", {
        "current": "persons", "team": team, "workers": workers, "errors": list(errors), "values": values or {},
        "done": DONE.get(done, ""), "lead_options": _lead_options(team), "lead_endings": _lead_endings(team),
    }, status_code=status_code)


def _lead_options(team) -> list[tuple[str, str]]:
    options = {}
    for row in team.rows:
        shown = row.involvement
        options.setdefault(str(shown.id), f"{shown.worker or 'The team'}, {shown.role or 'involved'}, "
                                          f"{shown.organisation or ''} (with {row.person_name})")
    return list(options.items())


def _lead_endings(team) -> list[tuple[str, str, str]]:
    """The current leads the user sees, as radios: (scope, whose, who leads)."""
    endings = []
    for scope, whose in (("family", "The family"), ("person", team.name)):
        row = team.lead(scope)
        if row is not None:
            shown = row.involvement
            led_by = f"Now led by {shown.worker or 'the team'}, {shown.role or 'involved'}, {shown.organisation or ''}"
            endings.append((scope, whose, led_by))
    return endings


@router.get("/persons/{person_id}/team")
def team_page(request: Request, app: WebApp, visit: CurrentVisit, actor: Annotated[Actor, require(TEAM_VIEW)],
              person_id: Text, done: Text = "") -> Response:
    return _page(request, app, visit, actor, person_id, done=done)


@contextmanager
def refusals_logged(app, actor: Actor, act: Action, subject_id: str | int, *,
                    subject_type: str = "person") -> Iterator[None]:
    """A refusal of authority by the domain (an organisation not involved) is logged as a
    denied event, in its own transaction: the change's own was rolled back."""
    try:
        yield
    except Refusal as exc:
        if exc.forbidden:
            with app.transaction() as session:
                record_event(session, actor, action=act.name, outcome="denied", subject_type=subject_type,
                             subject_id=subject_id, details={"field": exc.field, "reason": exc.message})
        raise


def _changed(request, app, visit, actor, person_id: str, act: Action, change, done: str, values: dict,
             prefix: str = "") -> Response:
    """Make ``change``; back to the page, or the page again with the refusal beside its field
    (named with ``prefix`` where the page has two forms with that field)."""
    try:
        with refusals_logged(app, actor, act, person_id), app.transaction() as session:
            change(session)
    except Refusal as exc:
        if exc.status == 404 and exc.field == "person_id":
            raise HTTPException(404) from exc
        if exc.forbidden:
            raise HTTPException(403, exc.message) from exc
        errors = [(prefix + field if field else field, message) for field, message in exc.problems]
        return _page(request, app, visit, actor, person_id, errors=errors, values=values,
                     status_code=exc.status if exc.status != 404 else 400)
    return RedirectResponse(f"/persons/{person_id}/team?done={done}", status_code=303)


@router.post("/persons/{person_id}/lead")
def lead(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, actor: Annotated[Actor, require(LEAD_NAME)],
         person_id: Text, scope: Annotated[Text, Form()] = "", involvement_id: Annotated[Text, Form()] = "",
         reason: Annotated[Text, Form()] = "") -> Response:
    """Name the lead professional for the person or the family."""
    chosen = int(involvement_id) if involvement_id.isdigit() else None
    return _changed(request, app, visit, actor, person_id, LEAD_NAME,
                    lambda session: name_lead(session, actor, person_id, scope, chosen, reason), "lead-named",
                    {"scope": scope, "involvement_id": involvement_id, "reason": reason})


@router.post("/persons/{person_id}/lead/end")
def lead_ended(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
               actor: Annotated[Actor, require(LEAD_END)], person_id: Text, end_scope: Annotated[Text, Form()] = "",
               end_reason: Annotated[Text, Form()] = "") -> Response:
    """End the lead professional for the person or the family, naming no successor."""
    return _changed(request, app, visit, actor, person_id, LEAD_END,
                    lambda session: end_lead(session, actor, person_id, end_scope, end_reason), "lead-ended",
                    {"end_scope": end_scope, "end_reason": end_reason}, prefix="end_")


@router.post("/persons/{person_id}/team/members")
def invite(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, actor: Annotated[Actor, require(TEAM_INVITE)],
           person_id: Text, worker_id: Annotated[Text, Form()] = "",
           invite_reason: Annotated[Text, Form()] = "") -> Response:
    """Invite a worker from any organisation's directory into the team."""
    chosen = int(worker_id) if worker_id.isdigit() else None
    return _changed(request, app, visit, actor, person_id, TEAM_INVITE,
                    lambda session: invite_member(session, actor, person_id, chosen, invite_reason),
                    "member-invited", {"worker_id": worker_id, "invite_reason": invite_reason})


@router.post("/persons/{person_id}/team/members/{member_id}/remove")
def remove(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, actor: Annotated[Actor, require(TEAM_REMOVE)],
           person_id: Text, member_id: Id, remove_reason: Annotated[Text, Form()] = "") -> Response:
    """Remove an invited member, saying why."""
    return _changed(request, app, visit, actor, person_id, TEAM_REMOVE,
                    lambda session: remove_member(session, actor, person_id, member_id, remove_reason),
                    "member-removed", {"remove_reason": remove_reason, "removing": member_id})
