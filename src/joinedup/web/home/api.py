"""``GET /api/v1/me/people``: the signed-in practitioner's people and the flags changed on
them since they last looked, as the home page shows them (:func:`joinedup.caseload.my_people`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.caseload import my_people
from joinedup.permissions import HOME_VIEW
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.context import WebApp
from joinedup.web.flags.api import FlagOut, flag_out
from joinedup.web.gates import require

router = APIRouter(prefix="/api/v1", tags=["me"], responses=UNAUTHENTICATED)


class MyPersonOut(BaseModel):
    """One of your people, as you may see them without stating a purpose."""

    person_id: str
    name: str
    date_of_birth: str | None = None
    age: int | None = None
    roles: list[str] = Field(description="Your roles with them, in words.")
    since: date | None = Field(None, description="When your earliest current involvement with them began.")
    flags: list[FlagOut] = Field(description="Their current flags you may see.")


class FlagChangeOut(BaseModel):
    person_id: str
    name: str
    since: date = Field(description="The day changes are counted from for this person.")
    ended: bool
    flag: FlagOut


class MyPeopleOut(BaseModel):
    people: list[MyPersonOut]
    more: int = Field(description="How many more of your people there are past those listed.")
    withheld: int = Field(description="How many of your people you may not see without stating a purpose.")
    last_looked: datetime | None = Field(None, description="Your previous look (home page or this API); none: this "
                                                           "is your first.")
    first_look_from: date | None = Field(None, description="On a first look: the day 30 days ago, from which changes "
                                                           "are counted unless your involvement began later.")
    changes: list[FlagChangeOut]


@router.get("/me/people", response_model=MyPeopleOut, summary="Your people and their changed flags",
            responses={403: {"model": Problem}})
def people(app: WebApp, actor: Annotated[Actor, require(HOME_VIEW)]) -> MyPeopleOut:
    """The persons you work with now (a current involvement of your organisation naming you
    as its worker, or one you recorded naming no worker), with their current flags, and the
    flags set or ended on them since your previous look. Practitioners and MASH officers
    only; each call is a look."""
    with app.transaction() as session:
        found = my_people(session, actor)
    return MyPeopleOut(
        people=[MyPersonOut(person_id=person.person_id, name=person.name, date_of_birth=person.date_of_birth,
                            age=person.age, roles=list(person.roles), since=person.since,
                            flags=[flag_out(flag) for flag in person.flags]) for person in found.people],
        more=found.more, withheld=found.withheld, last_looked=found.last_looked,
        first_look_from=found.first_look_from,
        changes=[FlagChangeOut(person_id=change.person_id, name=change.name, since=change.since, ended=change.ended,
                               flag=flag_out(change.flag)) for change in found.changes],
    )
