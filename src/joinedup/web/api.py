"""The JSON API under ``/api/v1``: the same data as the pages, through the same seams.

It authenticates with the web session cookie for now; a request without a live session
gets 401 and no data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from joinedup.accounts import ROLE_NAMES, SignedInUser, gate
from joinedup.permissions import INGEST_REPORT_VIEW
from joinedup.audit import Actor
from joinedup.ingest import get_load, issue_summary, list_loads
from joinedup.disclosure import Disclosed, RecordQuery, fetch_record, parse_search, search_records
from joinedup.sharing import StatedPurpose
from joinedup.sharing.decision import DENIED as RECORD_DENIED
from joinedup.sharing.policy import SENSITIVE_SHIELD
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.pages.access import PURPOSE_DESCRIPTION, RELATIONSHIP_DESCRIPTION, RISK_DESCRIPTION, api_purpose
from joinedup.web.params import FieldRefused, Id, Text
from joinedup.web.reports import DENIED, ISSUES_SHOWN, completeness_rows

UNAUTHENTICATED = {401: {"description": "No signed-in session: no data is returned."}}


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="Where: body, query or path, then the field (and item) refused.")
    msg: str
    type: str


class Problem(BaseModel):
    """Why the request was refused. A refusal of one field (every 400 and 422, and a 409
    about one field) names it in `field`, and `detail` starts with it: `"q: ..."`."""

    detail: str
    field: str | None = Field(default=None, description="The field refused; absent when the refusal is not "
                                                        "about one field.")
    errors: list[FieldProblem] | None = Field(default=None, description="422 only: every problem found, "
                                                                        "with FastAPI's `loc`.")


class OrganisationOut(BaseModel):
    code: str
    name: str


class MeOut(BaseModel):
    """The signed-in user."""

    username: str
    display_name: str
    organisation: OrganisationOut
    team: str
    job_title: str
    roles: list[str] = Field(description=f"Any of: {', '.join(ROLE_NAMES)}")
    email: str | None
    phone: str | None


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


class SourceOut(BaseModel):
    code: str
    name: str


class LoadOut(BaseModel):
    id: int
    source: SourceOut
    file_name: str
    file_sha256: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    rows_read: int
    rows_loaded: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    rows_flagged: int
    loaded_by: str


class IssueKindOut(BaseModel):
    severity: str
    field: str
    message: str
    count: int


class IssueOut(BaseModel):
    row_number: int | None
    field: str
    severity: str
    message: str


class CompletenessOut(BaseModel):
    field: str
    percent: float = Field(description="Share of stored rows with a value in this field.")
    valid_percent: float | None = Field(description="Share of stored rows whose value passed its checks.")


class LoadReportOut(LoadOut):
    error: str
    completeness: list[CompletenessOut]
    issue_kinds: list[IssueKindOut]
    issue_count: int
    issues: list[IssueOut] = Field(description=f"The first {ISSUES_SHOWN} issues, in row order.")


router = APIRouter(prefix="/api/v1", responses=UNAUTHENTICATED | {422: {"model": Problem}})


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


@router.get("/me", response_model=MeOut, summary="The signed-in user")
def me(user: ApiUser) -> MeOut:
    return _me(user)


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
        records=[_record(record) for record in result.records],
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
    return _record(disclosed)


@router.get(
    "/ingest/loads",
    response_model=list[LoadOut],
    summary="Recent ingest loads",
    responses={403: {"model": Problem}},
)
def loads(
    app: WebApp,
    user: ApiUser,
    visit: CurrentVisit,
    source: Annotated[Text | None, Query(description="Only this source system's loads (its code).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[LoadOut]:
    """Newest first. For the data team and administrators."""
    with app.transaction() as session:
        allowed = gate(session, visit.actor("api"), INGEST_REPORT_VIEW)
        found = (
            [_load(load) for load in list_loads(session, source_code=source, limit=limit)] if allowed else []
        )
    if not allowed:
        raise HTTPException(403, DENIED)
    return found


@router.get(
    "/ingest/loads/{load_id}",
    response_model=LoadReportOut,
    summary="One ingest load's report",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
def load(app: WebApp, user: ApiUser, visit: CurrentVisit, load_id: Id) -> LoadReportOut:
    """Counts, rejected and flagged values by kind, field completeness and the first issues."""
    with app.transaction() as session:
        allowed = gate(session, visit.actor("api"), INGEST_REPORT_VIEW, subject_id=load_id)
        found = get_load(session, load_id) if allowed else None
        report = None if found is None else _report(found)
    if not allowed:
        raise HTTPException(403, DENIED)
    if report is None:
        raise HTTPException(404, "There is no load with this id.")
    return report


def _me(user: SignedInUser) -> MeOut:
    return MeOut(
        username=user.username,
        display_name=user.display_name,
        organisation=OrganisationOut(code=user.organisation_code, name=user.organisation_name),
        team=user.team,
        job_title=user.job_title,
        roles=list(user.roles),
        email=user.email,
        phone=user.phone,
    )


def _query(query: RecordQuery) -> QueryOut:
    return QueryOut(
        names=list(query.names),
        date_of_birth=query.date_of_birth,
        postcode=query.postcode,
        identifiers=list(query.identifiers),
    )


def _record(record: Disclosed) -> RecordOut:
    access = AccessOut(reason=record.reason, policy_ids=list(record.policy_ids), fields=sorted(record.fields))
    return RecordOut(id=record.id, access=access, **record.fields)


def _load(load) -> LoadOut:
    return LoadOut(
        id=load.id,
        source=SourceOut(code=load.source_system.code, name=load.source_system.name),
        file_name=load.file_name,
        file_sha256=load.file_sha256,
        started_at=load.started_at,
        finished_at=load.finished_at,
        status=load.status,
        rows_read=load.rows_read,
        rows_loaded=load.rows_loaded,
        rows_updated=load.rows_updated,
        rows_unchanged=load.rows_unchanged,
        rows_rejected=load.rows_rejected,
        rows_flagged=load.rows_flagged,
        loaded_by=load.loaded_by,
    )


def _report(load) -> LoadReportOut:
    return LoadReportOut(
        **_load(load).model_dump(),
        error=load.error,
        completeness=[
            CompletenessOut(field=row.field, percent=row.percent, valid_percent=row.valid_percent)
            for row in completeness_rows(load.completeness)
        ],
        issue_kinds=[
            IssueKindOut(severity=severity, field=field, message=message, count=count)
            for severity, field, message, count in issue_summary(load)
        ],
        issue_count=len(load.issues),
        issues=[
            IssueOut(
                row_number=issue.row_number, field=issue.field, severity=issue.severity, message=issue.message
            )
            for issue in load.issues[:ISSUES_SHOWN]
        ],
    )
