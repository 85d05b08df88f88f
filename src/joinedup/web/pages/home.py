"""The signed-in user's start page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from joinedup.accounts import INGEST_REPORT_ROLES
from joinedup.web.context import PageUser, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, user: PageUser) -> Response:
    return render(
        request,
        "home.html",
        {"may_view_ingest": user.has_role(*INGEST_REPORT_ROLES), "current": "home"},
    )
