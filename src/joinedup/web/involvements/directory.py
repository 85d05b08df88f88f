"""The organisation's directory, kept by its administrator: the page listing its teams
and workers, loading it from a CSV file, and the forms to add, correct and retire one
team or worker at a time.

Each route is parse → one domain call (:mod:`joinedup.involvements.keeping`,
:func:`joinedup.involvements.load_directory`) → shape, for administrators only
(``require(DIRECTORY_*)``); that the team or worker is their own organisation's is the
domain's check. Bad input shows beside its field, named as the file's column is.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor
from joinedup.errors import Refusal
from joinedup.involvements import DIRECTORY_COLUMNS, load_directory
from joinedup.involvements.keeping import (
    TeamTerms,
    WorkerTerms,
    add_team,
    add_worker,
    correct_team,
    correct_worker,
    kept_directory,
    kept_team,
    kept_worker,
    retire_team,
    retire_worker,
    sensitive_categories,
)
from joinedup.partners.roles import INVOLVEMENT_ROLES
from joinedup.permissions import (
    DIRECTORY_FORM,
    DIRECTORY_LOAD,
    DIRECTORY_TEAM_ADD,
    DIRECTORY_TEAM_CORRECT,
    DIRECTORY_TEAM_RETIRE,
    DIRECTORY_WORKER_ADD,
    DIRECTORY_WORKER_CORRECT,
    DIRECTORY_WORKER_RETIRE,
)
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.involvements.team import refusals_logged
from joinedup.web.params import Id, Text

router = APIRouter(include_in_schema=False)

#: The largest directory file taken, in bytes.
DIRECTORY_MAX = 5_000_000
DONE = {"team-added": "Team added", "team-corrected": "Team corrected", "team-retired": "Team retired",
        "worker-added": "Worker added", "worker-corrected": "Worker corrected", "worker-retired": "Worker retired"}
TEAM_FIELDS = ("team", "team_duty_phone", "team_secure_email", "sensitive_category")
WORKER_FIELDS = ("team", "worker", "role", "phone", "secure_email")


def _listing(request: Request, app, actor: Actor, *, errors=(), report=None, done: str = "",
             status_code: int = 200) -> Response:
    with app.transaction() as session:
        teams = kept_directory(session, actor) if actor.organisation_id is not None else []
    return render(request, "involvements/directory.html", {
        "current": "directory", "teams": teams, "errors": list(errors), "columns": DIRECTORY_COLUMNS,
        "report": report, "done": DONE.get(done, ""), "roles": INVOLVEMENT_ROLES}, status_code=status_code)


@router.get("/directory")
def directory_page(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(DIRECTORY_LOAD)],
                   done: Text = "") -> Response:
    return _listing(request, app, actor, done=done)


@router.post("/directory")
def directory_load(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                   actor: Annotated[Actor, require(DIRECTORY_LOAD)],
                   file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Load the administrator's organisation's directory from a CSV file."""
    errors: list[tuple[str, str]] = []
    report = None
    content = file.file.read(DIRECTORY_MAX + 1) if file is not None else b""
    if not content:
        errors.append(("file", "Select a CSV file of your organisation's directory"))
    elif len(content) > DIRECTORY_MAX:
        errors.append(("file", f"The file must be smaller than {DIRECTORY_MAX // 1_000_000} MB"))
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.append(("file", "The file must be saved as UTF-8 CSV"))
        else:
            try:
                with app.transaction() as session:
                    report = load_directory(session, actor, user.organisation_code, text)
            except Refusal as exc:
                if exc.status != 400:
                    raise
                errors = [("file", exc.message)]
    return _listing(request, app, actor, errors=errors, report=report, status_code=400 if errors else 200)


# --------------------------------------------------------------------------- teams


def _team_page(request: Request, app, actor: Actor, team_id: int | None, *, values: dict | None = None,
               errors=(), status_code: int = 200) -> Response:
    with refusals_logged(app, actor, DIRECTORY_FORM, team_id or "", subject_type="directory_team"), \
            app.transaction() as session:
        team = kept_team(session, actor, team_id) if team_id is not None else None
        categories = sensitive_categories(session)
        if values is None:
            values = {"team": team.name, "team_duty_phone": team.duty_phone or "",
                      "team_secure_email": team.secure_email or "",
                      "sensitive_category": team.sensitive_category or ""} if team else {}
        context = {"current": "directory", "team": team, "values": values, "errors": list(errors),
                   "categories": categories}
    return render(request, "involvements/directory_team.html", context, status_code=status_code)


def _team_terms(team: str, team_duty_phone: str, team_secure_email: str, sensitive_category: str) -> TeamTerms:
    return TeamTerms(team, team_duty_phone, team_secure_email, sensitive_category)


@router.get("/directory/teams/new")
def new_team(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(DIRECTORY_FORM)]
             ) -> Response:
    return _team_page(request, app, actor, None)


@router.post("/directory/teams")
def team_added(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
               actor: Annotated[Actor, require(DIRECTORY_TEAM_ADD)], team: Annotated[Text, Form()] = "",
               team_duty_phone: Annotated[Text, Form()] = "", team_secure_email: Annotated[Text, Form()] = "",
               sensitive_category: Annotated[Text, Form()] = "") -> Response:
    """Add a team to the organisation's directory."""
    values = dict(zip(TEAM_FIELDS, (team, team_duty_phone, team_secure_email, sensitive_category), strict=True))
    try:
        with app.transaction() as session:
            add_team(session, actor, _team_terms(*values.values()))
    except Refusal as exc:
        if exc.status not in (400, 409):
            raise
        return _team_page(request, app, actor, None, values=values, errors=exc.problems, status_code=exc.status)
    return RedirectResponse("/directory?done=team-added", status_code=303)


@router.get("/directory/teams/{team_id}")
def change_team(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(DIRECTORY_FORM)],
                team_id: Id) -> Response:
    return _team_page(request, app, actor, team_id)


@router.post("/directory/teams/{team_id}")
def team_corrected(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                   actor: Annotated[Actor, require(DIRECTORY_TEAM_CORRECT)], team_id: Id,
                   team: Annotated[Text, Form()] = "", team_duty_phone: Annotated[Text, Form()] = "",
                   team_secure_email: Annotated[Text, Form()] = "",
                   sensitive_category: Annotated[Text, Form()] = "") -> Response:
    """Correct a team; the audit names each change."""
    values = dict(zip(TEAM_FIELDS, (team, team_duty_phone, team_secure_email, sensitive_category), strict=True))
    try:
        with refusals_logged(app, actor, DIRECTORY_TEAM_CORRECT, team_id, subject_type="directory_team"), \
                app.transaction() as session:
            correct_team(session, actor, team_id, _team_terms(*values.values()))
    except Refusal as exc:
        if exc.status not in (400, 409):
            raise
        return _team_page(request, app, actor, team_id, values=values, errors=exc.problems, status_code=exc.status)
    return RedirectResponse("/directory?done=team-corrected", status_code=303)


@router.post("/directory/teams/{team_id}/retire")
def team_retired(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                 actor: Annotated[Actor, require(DIRECTORY_TEAM_RETIRE)], team_id: Id) -> Response:
    """Retire a team with no active worker: kept for what names it, no longer offered."""
    try:
        with refusals_logged(app, actor, DIRECTORY_TEAM_RETIRE, team_id, subject_type="directory_team"), \
                app.transaction() as session:
            retire_team(session, actor, team_id)
    except Refusal as exc:
        if exc.status not in (400, 409):
            raise
        return _team_page(request, app, actor, team_id, errors=[("retire", exc.message)], status_code=exc.status)
    return RedirectResponse("/directory?done=team-retired", status_code=303)


# --------------------------------------------------------------------------- workers


def _worker_page(request: Request, app, actor: Actor, worker_id: int | None, *, values: dict | None = None,
                 errors=(), status_code: int = 200) -> Response:
    with refusals_logged(app, actor, DIRECTORY_FORM, worker_id or "", subject_type="directory_worker"), \
            app.transaction() as session:
        worker = kept_worker(session, actor, worker_id) if worker_id is not None else None
        teams = [(str(kept.team.id), kept.team.name) for kept in kept_directory(session, actor)
                 if kept.team.active or (worker is not None and kept.team.id == worker.team_id)]
        if values is None:
            values = {"team": str(worker.team_id), "worker": worker.name, "role": worker.role,
                      "phone": worker.phone or "", "secure_email": worker.secure_email} if worker else {}
        context = {"current": "directory", "worker": worker, "teams": teams, "values": values,
                   "errors": list(errors), "roles": INVOLVEMENT_ROLES}
    return render(request, "involvements/directory_worker.html", context, status_code=status_code)


def _worker_terms(team: str, worker: str, role: str, phone: str, secure_email: str) -> WorkerTerms:
    return WorkerTerms(int(team) if team.isdigit() and len(team) < 10 else None, worker, role, phone, secure_email)


@router.get("/directory/workers/new")
def new_worker(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(DIRECTORY_FORM)],
               team: Text = "") -> Response:
    return _worker_page(request, app, actor, None, values={"team": team})


@router.post("/directory/workers")
def worker_added(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                 actor: Annotated[Actor, require(DIRECTORY_WORKER_ADD)], team: Annotated[Text, Form()] = "",
                 worker: Annotated[Text, Form()] = "", role: Annotated[Text, Form()] = "",
                 phone: Annotated[Text, Form()] = "", secure_email: Annotated[Text, Form()] = "") -> Response:
    """Add a worker to the organisation's directory."""
    values = dict(zip(WORKER_FIELDS, (team, worker, role, phone, secure_email), strict=True))
    try:
        with app.transaction() as session:
            add_worker(session, actor, _worker_terms(*values.values()))
    except Refusal as exc:
        if exc.status not in (400, 409):
            raise
        return _worker_page(request, app, actor, None, values=values, errors=exc.problems, status_code=exc.status)
    return RedirectResponse("/directory?done=worker-added", status_code=303)


@router.get("/directory/workers/{worker_id}")
def change_worker(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(DIRECTORY_FORM)],
                  worker_id: Id) -> Response:
    return _worker_page(request, app, actor, worker_id)


@router.post("/directory/workers/{worker_id}")
def worker_corrected(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                     actor: Annotated[Actor, require(DIRECTORY_WORKER_CORRECT)], worker_id: Id,
                     team: Annotated[Text, Form()] = "", worker: Annotated[Text, Form()] = "",
                     role: Annotated[Text, Form()] = "", phone: Annotated[Text, Form()] = "",
                     secure_email: Annotated[Text, Form()] = "") -> Response:
    """Correct a worker; the audit names each change."""
    values = dict(zip(WORKER_FIELDS, (team, worker, role, phone, secure_email), strict=True))
    try:
        with refusals_logged(app, actor, DIRECTORY_WORKER_CORRECT, worker_id, subject_type="directory_worker"), \
                app.transaction() as session:
            correct_worker(session, actor, worker_id, _worker_terms(*values.values()))
    except Refusal as exc:
        if exc.status not in (400, 409):
            raise
        return _worker_page(request, app, actor, worker_id, values=values, errors=exc.problems,
                            status_code=exc.status)
    return RedirectResponse("/directory?done=worker-corrected", status_code=303)


@router.post("/directory/workers/{worker_id}/retire")
def worker_retired(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                   actor: Annotated[Actor, require(DIRECTORY_WORKER_RETIRE)], worker_id: Id) -> Response:
    """Retire a worker: kept for the involvements that name them, no longer offered."""
    try:
        with refusals_logged(app, actor, DIRECTORY_WORKER_RETIRE, worker_id, subject_type="directory_worker"), \
                app.transaction() as session:
            retire_worker(session, actor, worker_id)
    except Refusal as exc:
        if exc.status not in (400, 409):
            raise
        return _worker_page(request, app, actor, worker_id, errors=[("retire", exc.message)],
                            status_code=exc.status)
    return RedirectResponse("/directory?done=worker-retired", status_code=303)
