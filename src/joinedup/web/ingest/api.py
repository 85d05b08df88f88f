"""Ingest reports through the API: ``GET /api/v1/ingest/loads`` and one load's report,
for the data team and administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.ingest import field_completeness, get_load, issue_summary, list_loads
from joinedup.permissions import INGEST_REPORT_VIEW
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.context import ApiUser, WebApp
from joinedup.web.gates import require
from joinedup.web.ingest.reports import ISSUES_SHOWN
from joinedup.web.params import Id, Text

router = APIRouter(prefix="/api/v1", tags=["ingest"], responses=UNAUTHENTICATED | {422: {"model": Problem}})


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


@router.get(
    "/ingest/loads",
    response_model=list[LoadOut],
    summary="Recent ingest loads",
    responses={403: {"model": Problem}},
)
def loads(
    app: WebApp,
    user: ApiUser,
    actor: Annotated[Actor, require(INGEST_REPORT_VIEW)],
    source: Annotated[Text | None, Query(description="Only this source system's loads (its code).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[LoadOut]:
    """Newest first. For the data team and administrators."""
    with app.transaction() as session:
        return [_load(load) for load in list_loads(session, source_code=source, limit=limit)]


@router.get(
    "/ingest/loads/{load_id}",
    response_model=LoadReportOut,
    summary="One ingest load's report",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
def load(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(INGEST_REPORT_VIEW)], load_id: Id) -> LoadReportOut:
    """Counts, rejected and flagged values by kind, field completeness and the first issues."""
    with app.transaction() as session:
        found = get_load(session, load_id)
        report = None if found is None else _report(found)
    if report is None:
        raise HTTPException(404, "There is no load with this id.")
    return report


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
            for row in field_completeness(load)
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
