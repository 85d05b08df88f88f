"""Who is involved in the JSON API: a person's current and recently ended involvements
(``GET /api/v1/persons/{person_id}/involvements``), and recording
(``POST /api/v1/persons/{person_id}/involvements``), correcting
(``POST /api/v1/involvements/{id}/correct``) and ending
(``POST /api/v1/involvements/{id}/end``) one of your organisation's.

The read is the person page's (:func:`joinedup.disclosure.view_person`, then
:func:`joinedup.involvements.who_is_involved`), for the purpose stated in the query: every
involvement decided and audited, a shielded service never named. The writes are the
forms' domain calls (:mod:`joinedup.involvements.recording`). Practitioners and MASH
officers only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.disclosure import access_action, view_person
from joinedup.involvements import (
    InvolvementShown,
    InvolvementTerms,
    correct_involvement,
    end_involvement,
    record_involvement,
    who_is_involved,
)
from joinedup.involvements.models import Involvement
from joinedup.partners.roles import CONTACT_ROUTES, INVOLVEMENT_ROLES
from joinedup.permissions import INVOLVEMENT_CORRECT, INVOLVEMENT_END, INVOLVEMENT_LIST, INVOLVEMENT_RECORD
from joinedup.web.api import UNAUTHENTICATED, CheckedWrite, Problem
from joinedup.web.context import WebApp
from joinedup.web.gates import require
from joinedup.web.involvements.team import refusals_logged
from joinedup.web.params import Id, PersonId, Text
from joinedup.web.persons.records_api import PurposeQuery, person_answer

router = APIRouter(prefix="/api/v1", tags=["who is involved"], responses=UNAUTHENTICATED | {422: {"model": Problem}})
REFUSALS = {400: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}}


class InvolvementOut(BaseModel):
    """One involvement you may see: what the rules disclosed of it."""

    id: int
    role: str | None = Field(description="In words, e.g. 'Allocated social worker'.")
    worker: str | None
    organisation: str | None
    team: str | None
    contacts: list[list[str]] = Field(description="[route in words, value] pairs, the one to try first first.")
    starts_on: date | None
    ends_on: date | None = None
    current: bool = True
    source: str = Field("", description="'extract' (corrected in the agency's system) or 'recorded' (in the app).")
    own: bool = Field(False, description="Your organisation's. One recorded in the app you may correct or end "
                                        "here; one from an extract is corrected in your own system (409 here).")


class PersonInvolvementsOut(BaseModel):
    person_id: str
    purpose: str | None = None
    current: list[InvolvementOut]
    recently_ended: list[InvolvementOut] = Field(description="Ended in the last 90 days, the latest first.")
    shielded: bool = Field(description="A service is involved that cannot be named here: contact through the "
                                       "IG lead.")


class InvolvementIn(BaseModel):
    """Your organisation's involvement, with a team and (usually) a worker of its directory
    (``GET /api/v1/directory``)."""

    role: Text = Field(max_length=40, description="One of: " + ", ".join(INVOLVEMENT_ROLES) + ".")
    team_id: int | None = Field(None, ge=1, le=2_147_483_647, description="A team of your organisation's directory "
                                                                         "(or the worker's team).")
    worker_id: int | None = Field(None, ge=1, le=2_147_483_647, description="A worker of that team; none: the team "
                                                                           "as a whole, through its duty line.")
    contact_route: Text = Field(max_length=40, description="The route to try first: " + ", ".join(CONTACT_ROUTES)
                                + ".")
    starts_on: date
    note: Text = Field("", max_length=2_000)

    def terms(self) -> InvolvementTerms:
        return InvolvementTerms(self.role, self.team_id, self.worker_id, self.contact_route, self.starts_on,
                                self.note.strip())


class InvolvementEndIn(BaseModel):
    ends_on: date
    note: Text = Field("", max_length=2_000)


class InvolvementRecordedOut(BaseModel):
    id: int
    person_id: str
    role: str
    team_id: int | None
    worker_id: int | None
    contact_route: str
    starts_on: date | None
    ends_on: date | None = None
    status: str


def involvement_out(shown: InvolvementShown) -> InvolvementOut:
    return InvolvementOut(id=shown.id, role=shown.role, worker=shown.worker, organisation=shown.organisation,
                          team=shown.team, contacts=[list(pair) for pair in shown.contacts],
                          starts_on=shown.starts_on, ends_on=shown.ends_on, current=shown.current,
                          source=shown.source, own=shown.own)


def _recorded(involvement: Involvement) -> InvolvementRecordedOut:
    return InvolvementRecordedOut(id=involvement.id, person_id=involvement.person.person_id, role=involvement.role,
                                  team_id=involvement.team_id, worker_id=involvement.worker_id,
                                  contact_route=involvement.contact_route, starts_on=involvement.starts_on,
                                  ends_on=involvement.ends_on, status=involvement.status)


@router.get(
    "/persons/{person_id}/involvements",
    response_model=PersonInvolvementsOut,
    summary="Who is involved with a person, as you may see it",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
def person_involvements(app: WebApp, actor: Annotated[Actor, require(INVOLVEMENT_LIST)], person_id: PersonId,
                        asked: PurposeQuery) -> PersonInvolvementsOut:
    """The person's current involvements and those ended in the last 90 days that the rules
    let you see (no purpose is needed for them; one stated opens what it opens on the
    person page), each audited as `involvement.view`; 403 when you may see none of the
    person's records."""
    with app.transaction() as session:
        stated = asked.stated(session, actor)
        found = view_person(session, actor, person_id, action=access_action(actor), purpose=stated)
        involved = who_is_involved(session, actor, found)
    found = person_answer(found)
    return PersonInvolvementsOut(person_id=found.person_id, purpose=stated.code if stated else None,
                                 current=[involvement_out(one) for one in involved.current],
                                 recently_ended=[involvement_out(one) for one in involved.recently_ended],
                                 shielded=involved.shielded)


@router.post(
    "/persons/{person_id}/involvements",
    response_model=InvolvementRecordedOut,
    status_code=201,
    summary="Record that your organisation works with a person",
    responses=REFUSALS,
)
def record(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(INVOLVEMENT_RECORD)],
           person_id: PersonId, body: InvolvementIn) -> InvolvementRecordedOut:
    """Audited as `involvement.record`, with what was recorded."""
    with refusals_logged(app, actor, INVOLVEMENT_RECORD, person_id), app.transaction() as session:
        return _recorded(record_involvement(session, actor, person_id, body.terms()))


@router.post(
    "/involvements/{involvement_id}/correct",
    response_model=InvolvementRecordedOut,
    summary="Correct an involvement your organisation recorded",
    responses=REFUSALS,
)
def correct(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(INVOLVEMENT_CORRECT)],
            involvement_id: Id, body: InvolvementIn) -> InvolvementRecordedOut:
    """The involvement as it should have been recorded (every field, as when recording
    it); audited as `involvement.correct` with each field changed, before and after. One
    read from an extract is corrected in the agency's system (409)."""
    with refusals_logged(app, actor, INVOLVEMENT_CORRECT, involvement_id, subject_type="involvement"), \
            app.transaction() as session:
        return _recorded(correct_involvement(session, actor, involvement_id, body.terms()))


@router.post(
    "/involvements/{involvement_id}/end",
    response_model=InvolvementRecordedOut,
    summary="End an involvement your organisation recorded",
    responses=REFUSALS,
)
def end(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(INVOLVEMENT_END)], involvement_id: Id,
        body: InvolvementEndIn) -> InvolvementRecordedOut:
    """Audited as `involvement.end`. Not in the future, nor before it started; once only (409)."""
    with refusals_logged(app, actor, INVOLVEMENT_END, involvement_id, subject_type="involvement"), \
            app.transaction() as session:
        return _recorded(end_involvement(session, actor, involvement_id, body.ends_on, note=body.note.strip()))
