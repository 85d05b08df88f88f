"""The IG lead's monitoring pages: the review tasks with filters, one task with its
evidence and the outcome form, the summary per organisation, and a run on demand. Each
route is parse → one domain call (:mod:`joinedup.monitoring`) → shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor
from joinedup.monitoring import (
    OutcomeRefused,
    RulesRefused,
    decide_task,
    open_task,
    run_configured,
    summary,
    task_list,
)
from joinedup.permissions import MONITORING_DECIDE, MONITORING_RUN, MONITORING_VIEW
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.monitoring.views import PAGE_SIZE, labels
from joinedup.web.pagination import page_links
from joinedup.web.params import Id, Offset, Text

router = APIRouter(include_in_schema=False)


def _count(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 10 else None


@router.get("/monitoring")
def tasks_page(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(MONITORING_VIEW)],
               status: Text = "open", rule: Text = "", offset: Offset = 0, read: Text = "", raised: Text = "",
               decided: Text = "", refused: Text = "") -> Response:
    with app.transaction() as session:
        listed = task_list(session, actor, status=status, rule=rule, limit=PAGE_SIZE, offset=offset)
    params = {"status": status, "rule": rule}
    ran = (_count(read), _count(raised)) if _count(read) is not None and _count(raised) is not None else None
    return render(request, "monitoring/tasks.html", {
        **labels(), "tasks": listed.tasks, "total": listed.total, "organisations": listed.organisations,
        "status": status, "rule": rule, "ran": ran,
        "decided": _count(decided), "refused": refused == "rules",
        "pagination": page_links("/monitoring", params, offset=offset, limit=PAGE_SIZE, total=listed.total)})


@router.post("/monitoring/run")
def run_now(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
            actor: Annotated[Actor, require(MONITORING_RUN)]) -> Response:
    """Run monitoring now, under the configured rules, and say what it did."""
    try:
        report = run_configured(app.engine, actor, app.settings.home)
    except RulesRefused:
        return RedirectResponse("/monitoring?refused=rules", status_code=303)
    return RedirectResponse(f"/monitoring?read={report.read}&raised={report.total}", status_code=303)


@router.get("/monitoring/summary")
def summary_page(request: Request, app: WebApp, user: PageUser,
                 actor: Annotated[Actor, require(MONITORING_VIEW)]) -> Response:
    with app.transaction() as session:
        organisations = summary(session, actor)
    return render(request, "monitoring/summary.html", {**labels(), "organisations": organisations})


@router.get("/monitoring/tasks/{task_id:int}")
def task_page(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(MONITORING_VIEW)],
              task_id: Id) -> Response:
    with app.transaction() as session:
        shown = open_task(session, actor, task_id)
    return render(request, "monitoring/task.html", {**labels(), "page": shown, "errors": [], "form": {}})


@router.post("/monitoring/tasks/{task_id:int}")
def record_outcome_page(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                        actor: Annotated[Actor, require(MONITORING_DECIDE)], task_id: Id,
                        outcome: Annotated[Text, Form()] = "", note: Annotated[Text, Form()] = "") -> Response:
    """Record the outcome of a task; a refusal is shown beside the field it names."""
    try:
        with app.transaction() as session:
            decide_task(session, actor, task_id, outcome=outcome, note=note)
        return RedirectResponse(f"/monitoring?decided={task_id}", status_code=303)
    except OutcomeRefused as exc:
        errors = exc.problems
    with app.transaction() as session:
        shown = open_task(session, actor, task_id)
    return render(request, "monitoring/task.html", {**labels(), "page": shown, "errors": errors,
                                                    "form": {"outcome": outcome, "note": note}}, status_code=400)
