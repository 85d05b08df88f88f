"""The JSON API for flags: ``GET /api/v1/persons/{person_id}/flags``, the catalogue
``GET /api/v1/flag-types``, and recording (``POST /api/v1/persons/{person_id}/flags``) and
ending (``POST /api/v1/flags/{flag_id}/end``) a flag of one's own organisation.

A person's flags are read as their page reads them (:func:`joinedup.flags.flags_on_page`
over :func:`joinedup.disclosure.view_person`), for the purpose stated in the query: a flag
is returned only when the decision on the record it speaks for discloses its category,
and the read is audited. Only practitioners and MASH officers read, record and end flags.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.disclosure import access_action, view_person
from joinedup.flags import FLAG_TYPES, FlagShown, FlagTerms, correct_flag, end_flag, flags_on_page, record_flag
from joinedup.permissions import FLAG_CORRECT, FLAG_END, FLAG_RECORD, FLAG_VIEW
from joinedup.web.api import UNAUTHENTICATED, CheckedWrite, Problem
from joinedup.web.context import ApiUser, WebApp
from joinedup.web.gates import require
from joinedup.web.params import Id, PersonId, Text
from joinedup.web.persons.records_api import PurposeQuery, person_answer

router = APIRouter(prefix="/api/v1", tags=["flags"], responses=UNAUTHENTICATED | {422: {"model": Problem}})


class FlagTypeOut(BaseModel):
    """One kind of flag in the catalogue."""

    code: str
    name: str
    category: str = Field(description="The sharing category it is disclosed under (unless its mapping names one).")
    warning: bool = Field(description="Shown as a warning (a child at risk, a victim) rather than a tag.")
    legal_status: bool = Field(description="It carries a legal status (looked after).")


class FlagOut(BaseModel):
    """One flag you may see (flags of one type from one organisation are one, with how many)."""

    type: str
    name: str
    summary: str = Field(description="The flag in words, e.g. 'Child-protection plan since 3 May 2025'.")
    organisation: str
    team: str | None = None
    contact: str | None = Field(None, description="How to reach the organisation about it, e.g. 'Duty line 0306 …'.")
    starts_on: date | None = None
    ends_on: date | None = None
    legal_status: str | None = None
    current: bool
    episodes: int
    recorded_id: int | None = Field(None, description="The id of a flag your organisation recorded in the app (you "
                                                       "may end it).")


class FlagIn(BaseModel):
    """A flag of your organisation, for the person."""

    type: Text = Field(max_length=40, description="A code of the catalogue (GET /api/v1/flag-types).")
    starts_on: date
    legal_status: Text = Field("", max_length=200, description="For a looked-after child: the legal status.")
    team_id: int | None = Field(None, ge=1, le=2_147_483_647,
                                description="A team of your organisation's directory to contact.")


class FlagEndIn(BaseModel):
    ends_on: date


class FlagRecordedOut(BaseModel):
    id: int
    person_id: str
    type: str
    starts_on: date | None
    ends_on: date | None = None
    status: str


class PersonFlagsOut(BaseModel):
    person_id: str
    purpose: str | None = None
    flags: list[FlagOut]


def flag_out(flag: FlagShown) -> FlagOut:
    return FlagOut(type=flag.type, name=flag.name, summary=flag.summary, organisation=flag.organisation,
                   team=flag.team, contact=" ".join(flag.contact) if flag.contact else None,
                   starts_on=flag.starts_on, ends_on=flag.ends_on, legal_status=flag.legal_status or None,
                   current=flag.current, episodes=flag.episodes, recorded_id=flag.recorded)


@router.get("/flag-types", response_model=list[FlagTypeOut], summary="The catalogue of flag types")
def flag_types(user: ApiUser) -> list[FlagTypeOut]:
    """Every kind of flag a mapping's ``[flags]`` section may state (no personal data)."""
    return [FlagTypeOut(code=kind.code, name=kind.name, category=kind.category, warning=kind.warning,
                        legal_status=kind.legal_status) for kind in FLAG_TYPES.values()]


@router.get(
    "/persons/{person_id}/flags",
    response_model=PersonFlagsOut,
    summary="A person's flags you may see",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
def person_flags(app: WebApp, actor: Annotated[Actor, require(FLAG_VIEW)], person_id: PersonId,
                 asked: PurposeQuery) -> PersonFlagsOut:
    """The person's current flags (and those ended in the last 90 days) that the rules let
    you see for the purpose you state, or 403 when you may see none of their records."""
    with app.transaction() as session:
        stated = asked.stated(session, actor)
        found = view_person(session, actor, person_id, action=access_action(actor), purpose=stated)
        flags = flags_on_page(session, actor, found)
    found = person_answer(found)
    return PersonFlagsOut(person_id=found.person_id, purpose=stated.code if stated else None,
                          flags=[flag_out(flag) for flag in flags])


@router.post(
    "/persons/{person_id}/flags",
    response_model=FlagRecordedOut,
    status_code=201,
    summary="Record a flag of your organisation for a person",
    responses={400: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}},
)
def record(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(FLAG_RECORD)], person_id: PersonId,
           body: FlagIn) -> FlagRecordedOut:
    """Your organisation's flag, shown as its records are; audited as `flag.record`."""
    with app.transaction() as session:
        flag = record_flag(session, actor, person_id,
                           FlagTerms(body.type, body.starts_on, body.legal_status, body.team_id))
        return FlagRecordedOut(id=flag.id, person_id=flag.person.person_id, type=flag.type, starts_on=flag.starts_on,
                               status=flag.status)


@router.post(
    "/flags/{flag_id}/correct",
    response_model=FlagRecordedOut,
    summary="Correct a flag your organisation recorded",
    responses={400: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}},
)
def correct(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(FLAG_CORRECT)], flag_id: Id,
            body: FlagIn) -> FlagRecordedOut:
    """The flag as it should have been recorded (every field, as when recording it);
    audited as `flag.correct` with each field changed, before and after."""
    with app.transaction() as session:
        flag = correct_flag(session, actor, flag_id, FlagTerms(body.type, body.starts_on, body.legal_status,
                                                               body.team_id))
        return FlagRecordedOut(id=flag.id, person_id=flag.person.person_id, type=flag.type, starts_on=flag.starts_on,
                               ends_on=flag.ends_on, status=flag.status)


@router.post(
    "/flags/{flag_id}/end",
    response_model=FlagRecordedOut,
    summary="End a flag your organisation recorded",
    responses={400: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}},
)
def end(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(FLAG_END)], flag_id: Id,
        body: FlagEndIn) -> FlagRecordedOut:
    """Audited as `flag.end`."""
    with app.transaction() as session:
        flag = end_flag(session, actor, flag_id, body.ends_on)
        return FlagRecordedOut(id=flag.id, person_id=flag.person.person_id, type=flag.type, starts_on=flag.starts_on,
                               ends_on=flag.ends_on, status=flag.status)
