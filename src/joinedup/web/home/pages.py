"""The signed-in user's start page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from joinedup.caseload import FIRST_LOOK, my_people
from joinedup.permissions import (
    FRONTLINE_ROLES,
    GOVERNANCE_ROLES,
    HOME_VIEW,
    INGEST_REPORT_VIEW,
    PROCESSING_ROLES,
)
from joinedup.sharing.break_glass import break_glass_queue
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    """For a practitioner or MASH officer, a search box, their people and the flags changed
    on them since they last looked; then, for everyone, who the user is, what their roles
    let them do, and the break-glass accesses that wait for their review."""
    waiting = 0
    mine = None
    if user.has_role(*GOVERNANCE_ROLES):
        with app.transaction() as session:
            waiting = len(break_glass_queue(session, visit.actor("web")))
    if user.has_role(*HOME_VIEW.roles):
        with app.transaction() as session:
            mine = my_people(session, visit.actor("web"))
    return render(
        request,
        "home.html",
        {"may_view_ingest": user.has_role(*INGEST_REPORT_VIEW.roles), "current": "home",
         "reads_persons": user.has_role(*FRONTLINE_ROLES, *PROCESSING_ROLES), "reviews_waiting": waiting,
         "mine": mine, "first_look_days": FIRST_LOOK.days},
    )
