"""The organisation's directory in the JSON API, under ``/api/v1/directory``: listed to
its administrators, practitioners and MASH officers (who name its teams and workers when
they record an involvement or a flag), and kept row by row by its administrators.

Each route is one domain call of :mod:`joinedup.involvements.keeping`, as the pages'. A
field refused is named as the directory file's column is (``team``, ``team_duty_phone``,
``worker``, ``role``, ...), and the body's fields carry those names. Loading a whole file
stays on the page and the command line (``joinedup directory load``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.involvements import (
    KeptTeam,
    TeamTerms,
    WorkerTerms,
    add_team,
    add_worker,
    correct_team,
    correct_worker,
    kept_directory,
    retire_team,
    retire_worker,
)
from joinedup.involvements.models import Team, Worker
from joinedup.partners.roles import INVOLVEMENT_ROLES
from joinedup.permissions import (
    DIRECTORY_TEAM_ADD,
    DIRECTORY_TEAM_CORRECT,
    DIRECTORY_TEAM_RETIRE,
    DIRECTORY_VIEW,
    DIRECTORY_WORKER_ADD,
    DIRECTORY_WORKER_CORRECT,
    DIRECTORY_WORKER_RETIRE,
)
from joinedup.web.api import UNAUTHENTICATED, CheckedWrite, Problem
from joinedup.web.context import WebApp
from joinedup.web.gates import require
from joinedup.web.involvements.team import refusals_logged
from joinedup.web.params import Id, Text

router = APIRouter(prefix="/api/v1/directory", tags=["directory"],
                   responses=UNAUTHENTICATED | {422: {"model": Problem}})
REFUSALS = {400: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}}


class WorkerOut(BaseModel):
    id: int
    team_id: int
    name: str
    role: str
    phone: str | None
    secure_email: str = Field(description="By which the worker is known.")
    active: bool = Field(description="False: retired, kept for what names them, no longer offered.")


class TeamOut(BaseModel):
    id: int
    name: str
    duty_phone: str | None
    secure_email: str | None
    sensitive_category: str | None = Field(description="For a sensitive service: the sensitive data category it "
                                                       "belongs to (its involvements are shielded).")
    active: bool = Field(description="False: retired, kept for what names it, no longer offered.")
    involvements: int = Field(description="How many current involvements name it.")
    workers: list[WorkerOut]


class DirectoryOut(BaseModel):
    teams: list[TeamOut] = Field(description="Active teams first, by name; each with its workers, active first.")


class TeamIn(BaseModel):
    """A team as the directory file states it."""

    team: Text = Field(max_length=200, description="The team's name, unique in your directory.")
    team_duty_phone: Text = Field("", max_length=40)
    team_secure_email: Text = Field("", max_length=254)
    sensitive_category: Text = Field("", max_length=40, description="A sensitive data category, for a sensitive "
                                                                    "service; empty otherwise.")

    def terms(self) -> TeamTerms:
        return TeamTerms(self.team, self.team_duty_phone, self.team_secure_email, self.sensitive_category)


class WorkerIn(BaseModel):
    """A worker as the directory file states them; their team by its id."""

    team: int = Field(ge=1, le=2_147_483_647, description="The id of one of your directory's active teams.")
    worker: Text = Field(max_length=200, description="The worker's name.")
    role: Text = Field(max_length=40, description="One of: " + ", ".join(INVOLVEMENT_ROLES) + ".")
    phone: Text = Field("", max_length=40)
    secure_email: Text = Field(max_length=254, description="Unique in your directory: the worker is known by it.")

    def terms(self) -> WorkerTerms:
        return WorkerTerms(self.team, self.worker, self.role, self.phone, self.secure_email)


def _worker(worker: Worker) -> WorkerOut:
    return WorkerOut(id=worker.id, team_id=worker.team_id, name=worker.name, role=worker.role, phone=worker.phone,
                     secure_email=worker.secure_email, active=worker.active)


def _team(team: Team, workers: tuple[Worker, ...] = (), involvements: int = 0) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, duty_phone=team.duty_phone, secure_email=team.secure_email,
                   sensitive_category=team.sensitive_category, active=team.active, involvements=involvements,
                   workers=[_worker(worker) for worker in workers])


def _kept(kept: KeptTeam) -> TeamOut:
    return _team(kept.team, kept.workers, kept.involvements)


@router.get("", response_model=DirectoryOut, summary="Your organisation's directory",
            responses={403: {"model": Problem}})
def directory(app: WebApp, actor: Annotated[Actor, require(DIRECTORY_VIEW)]) -> DirectoryOut:
    """Every team and worker of your organisation's directory, retired ones marked; audited
    as `directory.view`. Another organisation's directory is not listed: their workers
    show where they are involved."""
    with refusals_logged(app, actor, DIRECTORY_VIEW, "", subject_type="organisation"), \
            app.transaction() as session:
        return DirectoryOut(teams=[_kept(kept) for kept in kept_directory(session, actor, DIRECTORY_VIEW)])


@router.post("/teams", response_model=TeamOut, status_code=201, summary="Add a team", responses=REFUSALS)
def team_added(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(DIRECTORY_TEAM_ADD)],
               body: TeamIn) -> TeamOut:
    """Add a team (a retired team of the same name comes back, as stated); 409 for an active
    team of that name. Audited as `directory.team.add`."""
    with refusals_logged(app, actor, DIRECTORY_TEAM_ADD, "", subject_type="directory_team"), \
            app.transaction() as session:
        return _team(add_team(session, actor, body.terms()))


@router.post("/teams/{team_id}/correct", response_model=TeamOut, summary="Correct a team", responses=REFUSALS)
def team_corrected(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(DIRECTORY_TEAM_CORRECT)],
                   team_id: Id, body: TeamIn) -> TeamOut:
    """The team as it should be (every field); audited as `directory.team.correct` with each
    change."""
    with refusals_logged(app, actor, DIRECTORY_TEAM_CORRECT, team_id, subject_type="directory_team"), \
            app.transaction() as session:
        return _team(correct_team(session, actor, team_id, body.terms()))


@router.post("/teams/{team_id}/retire", response_model=TeamOut, summary="Retire a team", responses=REFUSALS)
def team_retired(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(DIRECTORY_TEAM_RETIRE)],
                 team_id: Id) -> TeamOut:
    """A team with no active worker (400 while it has one): kept for what names it, no
    longer offered (409 once retired). Audited as `directory.team.retire`."""
    with refusals_logged(app, actor, DIRECTORY_TEAM_RETIRE, team_id, subject_type="directory_team"), \
            app.transaction() as session:
        return _team(retire_team(session, actor, team_id))


@router.post("/workers", response_model=WorkerOut, status_code=201, summary="Add a worker", responses=REFUSALS)
def worker_added(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(DIRECTORY_WORKER_ADD)],
                 body: WorkerIn) -> WorkerOut:
    """Add a worker to one of your active teams (a retired worker of the same secure e-mail
    comes back, as stated). Audited as `directory.worker.add`."""
    with refusals_logged(app, actor, DIRECTORY_WORKER_ADD, "", subject_type="directory_worker"), \
            app.transaction() as session:
        return _worker(add_worker(session, actor, body.terms()))


@router.post("/workers/{worker_id}/correct", response_model=WorkerOut, summary="Correct a worker",
             responses=REFUSALS)
def worker_corrected(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(DIRECTORY_WORKER_CORRECT)],
                     worker_id: Id, body: WorkerIn) -> WorkerOut:
    """The worker as they should be (every field; a new secure e-mail keeps the same
    worker). Audited as `directory.worker.correct` with each change."""
    with refusals_logged(app, actor, DIRECTORY_WORKER_CORRECT, worker_id, subject_type="directory_worker"), \
            app.transaction() as session:
        return _worker(correct_worker(session, actor, worker_id, body.terms()))


@router.post("/workers/{worker_id}/retire", response_model=WorkerOut, summary="Retire a worker",
             responses=REFUSALS)
def worker_retired(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(DIRECTORY_WORKER_RETIRE)],
                   worker_id: Id) -> WorkerOut:
    """Kept for the involvements and teams that name them, no longer offered (409 once
    retired). Audited as `directory.worker.retire`."""
    with refusals_logged(app, actor, DIRECTORY_WORKER_RETIRE, worker_id, subject_type="directory_worker"), \
            app.transaction() as session:
        return _worker(retire_worker(session, actor, worker_id))
