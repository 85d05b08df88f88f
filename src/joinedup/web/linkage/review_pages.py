"""The clerical review queue, a pair and why it scored as it did, and the decision on it.

Every source record a page shows passes the sharing decision in one batch (action
``person.review``, :mod:`joinedup.disclosure.linkage`), which audits each record; the
page shows only the identifying fields it disclosed, never an agency's facts. Decisions
go through the domain (:func:`joinedup.people.review_pair`) and apply at once.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure.linkage import (
    COMPARED_FIELDS,
    LINK_RECORD_DENIED,
    pair_for_review,
    queue_for_review,
)
from joinedup.people import (
    ReviewRefused,
    decision_by_id,
    explain_pair,
    link_thresholds,
    pair_decision,
    person_of,
    review_pair,
    review_queue,
    two_records,
)
from joinedup.people.explanation import compare_fields, probability_of, waterfall
from joinedup.permissions import (
    LINKAGE_PAIR_DECIDE,
    LINKAGE_PAIR_VIEW,
    LINKAGE_REVIEW_VIEW,
)
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.linkage import subjects
from joinedup.web.linkage.views import (
    NO_DECISION,
    QUEUE_PAGE,
    base,
    clean_reason,
    waterfall_chart,
)
from joinedup.web.pagination import page_count, page_links, page_number
from joinedup.web.params import Id, Text

router = APIRouter(include_in_schema=False)


@router.get("/linkage/review")
def queue(request: Request, app: WebApp, user: PageUser,
          actor: Annotated[Actor, require(LINKAGE_REVIEW_VIEW, details=subjects.page)], page: Text = "1",
          decided: Text = "") -> Response:
    number = page_number(page)
    offset = (number - 1) * QUEUE_PAGE
    with app.transaction() as session:
        rows, total = queue_for_review(session, actor, limit=QUEUE_PAGE, offset=offset)
        banner = decided_banner(session, actor, decided)
    if number > page_count(total, QUEUE_PAGE) and total:
        raise HTTPException(404)
    return render(request, "linkage/review.html", {
        **base("review"), "rows": rows, "total": total, "first": offset + 1,
        "pagination": page_links("/linkage/review", {}, offset=offset, limit=QUEUE_PAGE, total=total),
        "banner": banner,
    })


def decided_banner(session: Session, actor: Actor, decided: str) -> dict | None:
    """What the banner says about a pair this user just decided (by the decision's id,
    which is in the URL: only the user's own decision shows, and only persons' ids)."""
    if not decided.isdigit() or len(decided) > 18:
        return None
    decision = decision_by_id(session, int(decided))
    if decision is None or decision.decided_by != actor.username[:120]:
        return None
    left, right = person_of(session, decision.record_id_l), person_of(session, decision.record_id_r)
    link = f"/linkage/pairs/{decision.record_id_l}/{decision.record_id_r}"
    if decision.decision == "accept":
        if left is not None and right is not None and left.id == right.id:
            text = f"Accepted: the two records are now one person, {left.person_id}."
        else:
            text = "Accepted: the decision is kept for every later run."
    elif left is not None and right is not None and left.id != right.id:
        text = f"Rejected: the records are in different persons, {left.person_id} and {right.person_id}."
    else:
        text = "Rejected: the decision is kept for every later run."
    return {"text": text, "link": link}


def _pair_context(session: Session, actor: Actor, left: int, right: int) -> dict[str, Any]:
    shown = pair_for_review(session, actor, left, right)
    if shown is None:
        raise HTTPException(404)
    if not shown.shown:
        raise HTTPException(403, LINK_RECORD_DENIED)
    explanation = explain_pair(session, left, right)
    persons = (person_of(session, left), person_of(session, right))
    threshold, review_from = link_thresholds(session)
    steps = waterfall(explanation)
    model_version = explanation.model.version if explanation.model is not None and explanation.pair else None
    return {
        "left": shown.left, "right": shown.right,
        "comparisons": compare_fields(shown.left.fields, shown.right.fields, COMPARED_FIELDS),
        "explanation": explanation, "persons": persons,
        "same_person": persons[0] is not None and persons[1] is not None and persons[0].id == persons[1].id,
        "steps": steps, "chart": waterfall_chart(steps, threshold) if steps else None,
        "threshold": threshold, "review_from": review_from, "model_version": model_version,
        "probability": explanation.probability, "probability_of": probability_of,
    }


@router.get("/linkage/pairs/{left:int}/{right:int}")
def pair(request: Request, app: WebApp, user: PageUser,
         actor: Annotated[Actor, require(LINKAGE_PAIR_VIEW, subject=subjects.pair)], left: Id, right: Id,
         decided: Text = "") -> Response:
    with app.transaction() as session:
        context = _pair_context(session, actor, left, right)
        context["banner"] = decided_banner(session, actor, decided)
    return render(request, "linkage/pair.html", {**base("review"), **context, "errors": [], "form": {}})


@router.post("/linkage/pairs/{left:int}/{right:int}")
def decide(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    actor: Annotated[Actor, require(LINKAGE_PAIR_DECIDE, subject=subjects.pair)],
    left: Id,
    right: Id,
    decision: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
) -> Response:
    reason, errors = clean_reason(reason)
    if decision not in ("accept", "reject"):
        errors.insert(0, ("decision", NO_DECISION))
    decided_id = None
    if not errors:
        try:
            with app.transaction() as session:
                if not two_records(session, left, right):
                    raise HTTPException(404)
                review_pair(session, actor, left, right, decision, reason=reason)
                decided_id = pair_decision(session, left, right).id
                following, _total = review_queue(session, limit=1)
        except ReviewRefused as exc:
            errors = [("decision", str(exc))]
    if errors:
        with app.transaction() as session:
            context = _pair_context(session, actor, left, right)
        return render(request, "linkage/pair.html", {
            **base("review"), **context, "banner": None, "errors": errors,
            "form": {"decision": decision, "reason": reason},
        }, status_code=400)
    if following:
        target = f"/linkage/pairs/{following[0].record_id_l}/{following[0].record_id_r}"
    else:
        target = "/linkage/review"
    return RedirectResponse(f"{target}?{urlencode({'decided': str(decided_id)})}", status_code=303)
