"""A person's chronology and their family's, as pages and as CSV and PDF downloads.

Each route is parse → one domain call (:func:`joinedup.chronology.chronology_of`, and
:func:`~joinedup.chronology.export_chronology` for a download) → shape. The purpose is
the one the user stated for the person on their page, as the person page reads it. Only
practitioners and MASH officers read chronologies (``require(CHRONOLOGY_*)``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from joinedup.audit import Actor
from joinedup.chronology import Chronology, chronology_of, export_chronology
from joinedup.disclosure import access_action
from joinedup.people import PERSON_ID
from joinedup.permissions import CHRONOLOGY_EXPORT, CHRONOLOGY_VIEW
from joinedup.web.access.views import is_yes, stated_purpose
from joinedup.web.chronology.views import filters_of, options_of, strip_of
from joinedup.web.context import CurrentVisit, WebApp, render
from joinedup.web.gates import require
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)

Many = Annotated[list[Text] | None, Query()]
MEDIA = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _read(session, visit, actor: Actor, person_id: str, family: bool, agency, category,
          significant: str) -> Chronology:
    if not PERSON_ID.fullmatch(person_id.upper()):
        raise HTTPException(404)
    found = chronology_of(session, actor, person_id, action=access_action(actor),
                          purpose=stated_purpose(visit, person_id), family=family,
                          filters=filters_of(agency, category, is_yes(significant)))
    if found is None:
        raise HTTPException(404)
    return found


def _page(request: Request, app, visit, actor: Actor, person_id: str, family: bool, agency, category,
          significant: str) -> Response:
    with app.transaction() as session:
        found = _read(session, visit, actor, person_id, family, agency, category, significant)
    asked = [("agency", name) for name in found.filters.agencies] + [
        ("category", code) for code in found.filters.categories] + (
        [("significant", "yes")] if found.filters.significant_only else [])
    if not found.allowed:
        return render(request, "chronology/refused.html", {"current": "persons", "chronology": found},
                      status_code=403)
    base = f"/persons/{found.person_id}/chronology"
    return render(request, "chronology/chronology.html", {
        "current": "persons", "chronology": found, "strip": strip_of(found), "options": options_of(found),
        "form_action": base + ("/family" if found.family else ""),
        "download": {kind: f"{base}.{kind}?" + urlencode(asked + ([("family", "yes")] if found.family else []))
                     for kind in ("csv", "pdf")},
    })


@router.get("/persons/{person_id}/chronology")
def person_chronology(request: Request, app: WebApp, visit: CurrentVisit,
                      actor: Annotated[Actor, require(CHRONOLOGY_VIEW)], person_id: Text, agency: Many = None,
                      category: Many = None, significant: Text = "") -> Response:
    return _page(request, app, visit, actor, person_id, False, agency, category, significant)


@router.get("/persons/{person_id}/chronology/family")
def family_chronology(request: Request, app: WebApp, visit: CurrentVisit,
                      actor: Annotated[Actor, require(CHRONOLOGY_VIEW)], person_id: Text, agency: Many = None,
                      category: Many = None, significant: Text = "") -> Response:
    return _page(request, app, visit, actor, person_id, True, agency, category, significant)


def _download(app, visit, actor: Actor, person_id: str, kind: str, family: str, agency, category,
              significant: str) -> Response:
    with app.transaction() as session:
        found = _read(session, visit, actor, person_id, is_yes(family), agency, category, significant)
        content = export_chronology(session, actor, found, kind) if found.allowed else b""
    if not found.allowed:
        raise HTTPException(403, found.reason)
    name = f"{'family-' if found.family else ''}chronology-{found.person_id}.{kind}"
    return Response(content, media_type=MEDIA[kind], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/persons/{person_id}/chronology.csv")
def chronology_csv(app: WebApp, visit: CurrentVisit, actor: Annotated[Actor, require(CHRONOLOGY_EXPORT)],
                   person_id: Text, family: Text = "", agency: Many = None, category: Many = None,
                   significant: Text = "") -> Response:
    return _download(app, visit, actor, person_id, "csv", family, agency, category, significant)


@router.get("/persons/{person_id}/chronology.pdf")
def chronology_pdf(app: WebApp, visit: CurrentVisit, actor: Annotated[Actor, require(CHRONOLOGY_EXPORT)],
                   person_id: Text, family: Text = "", agency: Many = None, category: Many = None,
                   significant: Text = "") -> Response:
    return _download(app, visit, actor, person_id, "pdf", family, agency, category, significant)
