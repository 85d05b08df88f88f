"""Source records through the API: ``GET /api/v1/records`` (a search) and
``GET /api/v1/records/{record_id}``, each record disclosed for the purpose stated in the
query, and the query parameters every read of a person's records takes alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure import (
    Disclosed,
    RecordQuery,
    fetch_record,
    parse_search,
    search_records,
)
from joinedup.sharing import StatedPurpose
from joinedup.sharing.decision import DENIED as RECORD_DENIED
from joinedup.sharing.policy import SENSITIVE_SHIELD
from joinedup.web.access.views import (
    PURPOSE_DESCRIPTION,
    RELATIONSHIP_DESCRIPTION,
    RISK_DESCRIPTION,
    api_purpose,
)
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.params import FieldRefused, Id, Text

router = APIRouter(prefix="/api/v1", tags=["records"], responses=UNAUTHENTICATED | {422: {"model": Problem}})


class AccessOut(BaseModel):
    """Why this record may be seen: the sharing decision's reason and the rules behind it."""

    reason: str
    policy_ids: list[str]
    fields: list[str] = Field(description="The fields disclosed; any other field is withheld, not empty.")


class RecordOut(BaseModel):
    """A source record. Only the fields the sharing decision disclosed are present."""

    id: int
    source: str | None = None
    local_id: str | None = None
    record_ref: str | None = None
    forename: str | None = None
    middle_names: str | None = None
    surname: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    address_text: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    ni_number: str | None = None
    upn: str | None = None
    phone: str | None = None
    email: str | None = None
    facts: dict[str, Any] | None = None
    flags: list[Any] | None = None
    access: AccessOut


class QueryOut(BaseModel):
    names: list[str]
    date_of_birth: date | None
    postcode: str | None
    identifiers: list[str]


class SearchOut(BaseModel):
    query: QueryOut
    records: list[RecordOut]
    truncated: bool = Field(description="More records may match: add detail to the search.")


#: The search box's text, shared by the records and persons searches.
SearchText = Annotated[
    Text,
    Query(
        min_length=1,
        max_length=200,
        description="Any mix of name, date of birth (27/03/2007 or 2007-03-27), postcode, "
        "NHS number, National Insurance number, UPN or an agency's own reference. Every part must match.",
    ),
]


def parsed_search(q: SearchText) -> RecordQuery:
    """The search text, understood, or 400 saying what could not be."""
    query = parse_search(q)
    if query.problems:
        raise FieldRefused(400, "q", query.problems[0])
    if query.is_empty:
        raise FieldRefused(400, "q", "Enter a name, date of birth, postcode or identifier.")
    return query


#: A search's ``q``, parsed: every search of the API takes it the same way.
ParsedSearch = Annotated[RecordQuery, Depends(parsed_search)]


@dataclass(frozen=True)
class PurposeAsked:
    """Why the caller is looking, as the query states it, before it is checked."""

    code: str | None
    safeguarding_risk: bool
    relationship: str | None

    def stated(self, session: Session, actor: Actor) -> StatedPurpose | None:
        """The purpose, checked by the domain: 403 when the caller may not state it, 400
        naming the field when it is stated wrongly."""
        return api_purpose(session, actor, self.code, safeguarding_risk=self.safeguarding_risk,
                           relationship=self.relationship)


def purpose_asked(
    purpose: Annotated[Text | None, Query(max_length=40, description=PURPOSE_DESCRIPTION)] = None,
    safeguarding_risk: Annotated[bool, Query(description=RISK_DESCRIPTION)] = False,
    relationship: Annotated[Text | None, Query(max_length=300, description=RELATIONSHIP_DESCRIPTION)] = None,
) -> PurposeAsked:
    return PurposeAsked(purpose, safeguarding_risk, relationship)


#: The purpose query parameters: every API read of a person's records takes them alike.
PurposeQuery = Annotated[PurposeAsked, Depends(purpose_asked)]


Read = TypeVar("Read")


def person_answer(found: Read | None) -> Read:
    """A read of one person as every API route answers it: 404 when there is no such
    person, 403 with the reason when the rules let the caller see none of their records."""
    if found is None:
        raise HTTPException(404, "There is no person with this id.")
    if not found.allowed:
        raise HTTPException(403, found.reason)
    return found


@router.get(
    "/records",
    response_model=SearchOut,
    response_model_exclude_unset=True,
    summary="Search source records",
    responses={400: {"model": Problem, "description": "The search could not be understood."}},
)
def search(
    app: WebApp,
    user: ApiUser,
    visit: CurrentVisit,
    query: ParsedSearch,
    asked: PurposeQuery,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchOut:
    """Matching records that the sharing decision lets you see for the purpose you state;
    each decision is audited."""
    with app.transaction() as session:
        actor = visit.actor("api")
        result = search_records(session, actor, query, limit=limit, purpose=asked.stated(session, actor))
    return SearchOut(
        query=_query(result.query),
        records=[record_out(record) for record in result.records],
        truncated=result.truncated,
    )


@router.get(
    "/records/{record_id}",
    response_model=RecordOut,
    response_model_exclude_unset=True,
    summary="One source record",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
def record(
    app: WebApp,
    user: ApiUser,
    visit: CurrentVisit,
    record_id: Id,
    asked: PurposeQuery,
) -> RecordOut:
    """The record's disclosed fields for the purpose you state, or 403 with the reason; the
    decision is audited."""
    with app.transaction() as session:
        actor = visit.actor("api")
        disclosed = fetch_record(session, actor, record_id, purpose=asked.stated(session, actor))
    if disclosed is None:
        raise HTTPException(404, "There is no record with this id.")
    if not disclosed.allowed:
        # Which record is of a shielded sensitive service is said nowhere.
        raise HTTPException(403, RECORD_DENIED if SENSITIVE_SHIELD in disclosed.policy_ids else disclosed.reason)
    return record_out(disclosed)


def _query(query: RecordQuery) -> QueryOut:
    return QueryOut(
        names=list(query.names),
        date_of_birth=query.date_of_birth,
        postcode=query.postcode,
        identifiers=list(query.identifiers),
    )


def record_out(record: Disclosed) -> RecordOut:
    access = AccessOut(reason=record.reason, policy_ids=list(record.policy_ids), fields=sorted(record.fields))
    return RecordOut(id=record.id, access=access, **record.fields)
