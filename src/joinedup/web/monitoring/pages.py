"""The IG lead's monitoring pages: the review tasks with filters, one task with its
evidence and the outcome form, the summary per organisation, a run on demand, and the
staff declarations of the organisations reviewed; and every user's own declaration. Each
route is parse → one domain call (:mod:`joinedup.monitoring`) → shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor
from joinedup.monitoring import (
    DeclarationRefused,
    OutcomeRefused,
    RulesRefused,
    decide_task,
    declare_own,
    open_task,
    own_declaration,
    reviewed_declarations,
    run_configured,
    summary,
    task_list,
    withdraw_own,
    written_postcode,
)
from joinedup.permissions import (
    MONITORING_DECIDE,
    MONITORING_DECLARATION_SAVE,
    MONITORING_DECLARATION_VIEW,
    MONITORING_DECLARATION_WITHDRAW,
    MONITORING_DECLARATIONS_VIEW,
    MONITORING_RUN,
    MONITORING_VIEW,
)
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.monitoring.views import PAGE_SIZE, labels, task_chart
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
    return render(request, "monitoring/summary.html", {
        **labels(), "organisations": [(found, task_chart(found)) for found in organisations]})


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


@router.get("/monitoring/declarations")
def declarations_page(request: Request, app: WebApp, user: PageUser,
                      actor: Annotated[Actor, require(MONITORING_DECLARATIONS_VIEW)]) -> Response:
    """The staff declarations of the organisations the IG lead reviews, and those withdrawn."""
    with app.transaction() as session:
        staff = reviewed_declarations(session, actor)
    return render(request, "monitoring/declarations.html", {**labels(), "staff": staff})


@router.get("/monitoring/declaration")
def declaration_page(request: Request, app: WebApp, user: PageUser,
                     actor: Annotated[Actor, require(MONITORING_DECLARATION_VIEW)], saved: Text = "",
                     withdrawn: Text = "") -> Response:
    """The user's own declaration, and the form to make or replace it."""
    with app.transaction() as session:
        found = own_declaration(session, actor)
    return _declaration(request, found, [], {}, saved=saved == "1", withdrawn=withdrawn == "1")


@router.post("/monitoring/declaration")
def declare_page(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                 actor: Annotated[Actor, require(MONITORING_DECLARATION_SAVE)],
                 surname: Annotated[Text, Form()] = "", postcode: Annotated[Text, Form()] = "") -> Response:
    """Keep the user's own surname and postcode; a refusal is shown beside the field it names."""
    try:
        with app.transaction() as session:
            declare_own(session, actor, surname=surname, postcode=postcode)
        return RedirectResponse("/monitoring/declaration?saved=1", status_code=303)
    except DeclarationRefused as exc:
        errors = exc.problems
    with app.transaction() as session:
        found = own_declaration(session, actor)
    return _declaration(request, found, errors, {"surname": surname, "postcode": postcode}, status_code=400)


@router.post("/monitoring/declaration/withdraw")
def withdraw_page(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                  actor: Annotated[Actor, require(MONITORING_DECLARATION_WITHDRAW)]) -> Response:
    with app.transaction() as session:
        withdraw_own(session, actor)
    return RedirectResponse("/monitoring/declaration?withdrawn=1", status_code=303)


def _declaration(request: Request, found, errors: list, form: dict, *, saved: bool = False, withdrawn: bool = False,
                 status_code: int = 200) -> Response:
    return render(request, "monitoring/declaration.html", {
        "declaration": found, "postcode": written_postcode(found.postcode) if found else "", "errors": errors,
        "form": form, "saved": saved and found is not None,
        "withdrawn": withdrawn and found is None}, status_code=status_code)
