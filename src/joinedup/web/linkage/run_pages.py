"""The link runs: every run of ``joinedup link`` with its figures, and one run's pairs.

Both declare their act (``require``); the run page's gate reads the id in its path typed
(:mod:`joinedup.web.linkage.subjects`), so that an id out of range is refused before
anything is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor
from joinedup.people import link_thresholds, review_queue
from joinedup.people.runs import link_run, link_runs, model_versions, pairs_kept
from joinedup.permissions import LINKAGE_RUNS_VIEW
from joinedup.web.context import PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.linkage import subjects
from joinedup.web.linkage.views import RUNS_PAGE, base
from joinedup.web.pagination import page_count, page_links, page_number
from joinedup.web.params import Id, Text

router = APIRouter(include_in_schema=False)


@router.get("/linkage")
def runs(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(LINKAGE_RUNS_VIEW)],
         page: Text = "1") -> Response:
    offset = (page_number(page) - 1) * RUNS_PAGE
    with app.transaction() as session:
        found, total = link_runs(session, limit=RUNS_PAGE, offset=offset)
        versions = model_versions(session)
        _first, waiting = review_queue(session, limit=1)
        threshold, review_from = link_thresholds(session)
    if page_number(page) > page_count(total, RUNS_PAGE):
        raise HTTPException(404)
    return render(request, "linkage/runs.html", {
        **base("runs"), "runs": found, "total": total, "versions": versions, "waiting": waiting,
        "threshold": threshold, "review_from": review_from,
        "pagination": page_links("/linkage", {}, offset=offset, limit=RUNS_PAGE, total=total),
    })


@router.get("/linkage/runs")
def runs_alias(user: PageUser) -> Response:
    return RedirectResponse("/linkage", status_code=308)


@router.get("/linkage/runs/{run_id:int}")
def run(request: Request, app: WebApp, user: PageUser,
        actor: Annotated[Actor, require(LINKAGE_RUNS_VIEW, subject=subjects.run)], run_id: Id) -> Response:
    with app.transaction() as session:
        found = link_run(session, run_id)
        if found is None:
            raise HTTPException(404)
        version = model_versions(session).get(found.model_id) if found.model_id else None
        kept = pairs_kept(session, run_id)
    return render(request, "linkage/run.html", {**base("runs"), "run": found, "version": version, "kept": kept})
