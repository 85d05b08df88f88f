"""The linkage model: its versions, the adopted one's parameters, and the thresholds."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.people import adopt_model, link_thresholds, set_link_thresholds
from joinedup.people.explanation import comparisons, prior
from joinedup.people.runs import (
    last_full_runs,
    model_version,
    threshold_settings,
    trained_models,
)
from joinedup.permissions import (
    LINKAGE_MODEL_ADOPT,
    LINKAGE_MODEL_VIEW,
    LINKAGE_THRESHOLDS_CHANGE,
)
from joinedup.web.charts import show_probability
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.linkage import subjects
from joinedup.web.linkage.views import base, weight_charts
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)


@router.get("/linkage/model")
def model_page(request: Request, app: WebApp, user: PageUser, actor: Annotated[Actor, require(LINKAGE_MODEL_VIEW)],
               saved: Text = "", adopted: Text = "") -> Response:
    with app.transaction() as session:
        context = _model_context(session)
        banner = None
        if saved == "thresholds":
            row = context["settings_row"]
            if row is not None and row.updated_by == actor.username[:120]:
                banner = (f"Thresholds saved: pairs at or above {show_probability(row.threshold)} link, and from "
                          f"{show_probability(row.review_from)} go to the review queue, from the next link run.")
        elif adopted.isdigit() and len(adopted) < 10:
            chosen = model_version(session, int(adopted))
            if chosen is not None and chosen.adopted:
                banner = f"Model version {chosen.version} is adopted: every later link run uses it."
    return render(request, "linkage/model.html", {**base("model"), **context, "banner": banner, "errors": [],
                                                  "form": {}})


def _model_context(session: Session) -> dict[str, Any]:
    found = trained_models(session)
    adopted = next((item for item in found if item.adopted), None)
    threshold, review_from = link_thresholds(session)
    parameters = comparisons(adopted.settings) if adopted is not None else []
    return {
        "models": found, "adopted": adopted, "runs": last_full_runs(session), "threshold": threshold,
        "review_from": review_from, "settings_row": threshold_settings(session),
        "prior": prior(adopted.settings) if adopted is not None else (None, None),
        "comparisons": parameters, "charts": weight_charts(parameters),
    }


def parse_probability(text: str) -> float | None:
    """A probability as typed (0.99, .8, 1): None unless it is a plain decimal number."""
    text = (text or "").strip()
    if len(text) > 12 or not re.fullmatch(r"\d*\.?\d+", text):
        return None
    return float(text)


@router.post("/linkage/model/thresholds")
def thresholds(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    actor: Annotated[Actor, require(LINKAGE_THRESHOLDS_CHANGE, subject=subjects.settings)],
    threshold: Annotated[Text, Form()] = "",
    review_from: Annotated[Text, Form()] = "",
) -> Response:
    errors: list[tuple[str, str]] = []
    link_at, review_at = parse_probability(threshold), parse_probability(review_from)
    if link_at is None:
        errors.append(("threshold", "Enter the link threshold as a number between 0.5 and 1, like 0.99"))
    if review_at is None:
        errors.append(("review_from", "Enter the review threshold as a number between 0 and 1, like 0.8"))
    if not errors:
        try:
            with app.transaction() as session:
                set_link_thresholds(session, actor, link_at, review_at)
        except ValueError as exc:
            message = str(exc).rstrip(".")
            errors.append(("threshold" if message.startswith("The link") else "review_from", message))
    if errors:
        with app.transaction() as session:
            context = _model_context(session)
        return render(request, "linkage/model.html", {
            **base("model"), **context, "banner": None, "errors": errors,
            "form": {"threshold": threshold, "review_from": review_from},
        }, status_code=400)
    return RedirectResponse("/linkage/model?saved=thresholds", status_code=303)


@router.post("/linkage/model/adopt")
def adopt(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    actor: Annotated[Actor, require(LINKAGE_MODEL_ADOPT, subject=subjects.version_form)],
    version: Annotated[Text, Form()] = "",
) -> Response:
    if not version.isdigit() or len(version) > 9:
        raise HTTPException(404)
    try:
        adopt_model(app.engine, int(version), actor=actor)
    except LookupError as exc:
        raise HTTPException(404) from exc
    return RedirectResponse(f"/linkage/model?{urlencode({'adopted': version})}", status_code=303)
