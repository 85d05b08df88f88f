"""The chronology in the JSON API: ``GET /api/v1/persons/{person_id}/chronology``.

The same read as the page (:func:`joinedup.chronology.chronology_of`), for the purpose
stated in the query as every API read of a person's records: only events from records and
involvements you may see, each decided and audited, and the read itself audited.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.chronology import Chronology, Event, chronology_of
from joinedup.disclosure import access_action
from joinedup.permissions import CHRONOLOGY_VIEW
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.chronology.views import filters_of
from joinedup.web.context import WebApp
from joinedup.web.gates import require
from joinedup.web.params import PersonId, Text
from joinedup.web.persons.records_api import PurposeQuery, person_answer


class EventOut(BaseModel):
    """One dated event you may see."""

    on: date
    what: str = Field(description="The event in words, e.g. 'Child protection plan started'.")
    detail: str = Field(description="What else the disclosed facts say of it (may be empty).")
    category: str = Field(description="Its kind: referral, plan, incident, exclusion, registration, tenancy, "
                                      "involvement (and any a registered source adds).")
    category_name: str
    agency: str = Field(description="The organisation that recorded it.")
    significant: bool = Field(description="A plan starting or ending, a referral, an incident, an exclusion, a "
                                          "missing episode (docs/chronology.md).")
    source: str = Field(description="The event source: records or involvements.")
    person_id: str = Field(description="Whose event it is.")
    person_name: str
    relation: str = Field(description="In a family chronology, what the person is to the one asked about.")
    record_id: int | None = Field(description="The source record it came from, when it came from one.")


class MemberOut(BaseModel):
    person_id: str
    name: str
    relation: str


class ChronologyOut(BaseModel):
    person_id: str
    name: str
    family: bool
    events: list[EventOut] = Field(description="Oldest first, after the filters.")
    seen: int = Field(description="How many events you may see before the filters.")
    agencies: list[str] = Field(description="The agencies of the events you may see: what the agency filter takes.")
    categories: list[str] = Field(description="The categories of the events you may see.")
    members: list[MemberOut] = Field(description="The people whose events are here (a family chronology: "
                                                 "the household and family you may see).")
    shielded: bool = Field(description="A service is involved that cannot be named here: its events are not shown.")
    reason: str


router = APIRouter(prefix="/api/v1/persons", tags=["chronology"], responses=UNAUTHENTICATED | {422: {"model": Problem}})


def _event(event: Event) -> EventOut:
    return EventOut(on=event.on, what=event.what, detail=event.detail, category=event.category,
                    category_name=event.category_name, agency=event.agency, significant=event.significant,
                    source=event.source, person_id=event.person_id, person_name=event.person_name,
                    relation=event.relation, record_id=event.record_id)


def _out(found: Chronology) -> ChronologyOut:
    return ChronologyOut(
        person_id=found.person_id, name=found.name, family=found.family, events=[_event(e) for e in found.events],
        seen=found.seen, agencies=list(found.agencies), categories=[code for code, _words in found.categories],
        members=[MemberOut(person_id=person_id, name=name, relation=relation)
                 for person_id, name, relation in found.members],
        shielded=found.shielded, reason=found.reason,
    )


@router.get(
    "/{person_id}/chronology",
    response_model=ChronologyOut,
    summary="A person's (or family's) chronology",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
def chronology(
    app: WebApp,
    actor: Annotated[Actor, require(CHRONOLOGY_VIEW)],
    person_id: PersonId,
    asked: PurposeQuery,
    family: Annotated[bool, Query(description="Merge the household's and family's timelines.")] = False,
    agency: Annotated[list[Text] | None, Query(description="Only these agencies' events (repeat for more).")] = None,
    category: Annotated[list[Text] | None, Query(description="Only these categories (repeat for more).")] = None,
    significant: Annotated[bool, Query(description="Only significant events.")] = False,
) -> ChronologyOut:
    """The dated events you may see of the person (and, with ``family``, of their household
    and family), oldest first; 403 when you may see none of their records."""
    with app.transaction() as session:
        found = chronology_of(session, actor, person_id, action=access_action(actor),
                              purpose=asked.stated(session, actor), family=family,
                              filters=filters_of(agency, category, significant))
    found = person_answer(found)
    return _out(found)
