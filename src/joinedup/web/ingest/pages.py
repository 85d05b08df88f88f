"""Ingest reports: for the data team, how each agency extract loaded and what was wrong."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from joinedup.audit import Actor
from joinedup.ingest import field_completeness, get_load, issue_summary, list_loads
from joinedup.permissions import INGEST_REPORT_VIEW
from joinedup.web.context import PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.ingest.reports import ISSUE_GROUPS, ISSUES_SHOWN
from joinedup.web.params import Id

router = APIRouter(include_in_schema=False)


@router.get("/ingest")
def loads(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(INGEST_REPORT_VIEW)]) -> Response:
    with app.transaction() as session:
        found = list_loads(session, limit=100)
    return render(request, "ingest/loads.html", {"current": "ingest", "loads": found})


@router.get("/ingest/{load_id:int}")
def load(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(INGEST_REPORT_VIEW)],
         load_id: Id) -> Response:
    with app.transaction() as session:
        found = get_load(session, load_id)
        summary = issue_summary(found) if found is not None else []
        issues = list(found.issues[:ISSUES_SHOWN]) if found is not None else []
        issue_count = len(found.issues) if found is not None else 0
    if found is None:
        raise HTTPException(404)
    return render(
        request,
        "ingest/load.html",
        {
            "current": "ingest",
            "load": found,
            "groups": [
                (caption, empty, [row for row in summary if row[0] == severity])
                for severity, caption, _outcome, empty in ISSUE_GROUPS
            ],
            "outcomes": {severity: outcome for severity, _caption, outcome, _empty in ISSUE_GROUPS},
            "completeness": field_completeness(found),
            "issues": issues,
            "issue_count": issue_count,
        },
    )
