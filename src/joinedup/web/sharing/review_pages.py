"""The break-glass review queue: the emergency accesses an IG lead reviews, what was seen
under each, and the review. Who reviews which access is the domain's answer
(:func:`joinedup.sharing.break_glass.may_review`); the accesses are read through
:mod:`joinedup.disclosure.governance`."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure.governance import glass_to_review, glass_views, reviewed_by
from joinedup.sharing.break_glass import (
    BreakGlassError,
    break_glass_queue,
    review_break_glass,
)
from joinedup.sharing.models import BreakGlass
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.params import Id, Text
from joinedup.web.sharing.views import (
    REVIEW_LABELS,
    TEXT_MAX,
    FormFields,
    base,
    gate,
    one,
    sentence,
)

router = APIRouter(include_in_schema=False)


def glass_or_404(session: Session, actor: Actor, access_id: int) -> BreakGlass:
    access = glass_to_review(session, actor, access_id)
    if access is None:
        raise HTTPException(404)
    return access


@router.get("/sharing/break-glass")
def glass_queue(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, show: Text = "pending",
                reviewed: Text = "") -> Response:
    actor = visit.actor("web")
    pending_only = show != "all"
    gate(app, actor, action="sharing.break_glass.view", details={"show": "pending" if pending_only else "all"})
    with app.transaction() as session:
        views = glass_views(session, break_glass_queue(session, actor, pending_only=pending_only))
        done = reviewed_by(session, actor, int(reviewed)) if reviewed.isdigit() and len(reviewed) < 12 else None
        banner = (f"Your review of {done.username}'s break-glass access is recorded: "
                  f"{REVIEW_LABELS[done.review_status].lower()}.") if done is not None else None
    return render(request, "sharing/break_glass.html", {**base("break-glass"), "views": views,
                                                        "pending_only": pending_only, "banner": banner,
                                                        "review_days": app.settings.break_glass_review_days})


@router.get("/sharing/break-glass/{access_id:int}")
def glass_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, access_id: Id) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.break_glass.view", subject_id=access_id)
    with app.transaction() as session:
        (view,) = glass_views(session, [glass_or_404(session, actor, access_id)])
    return render(request, "sharing/break_glass_review.html", {**base("break-glass"), "view": view, "errors": [],
                                                               "form": {}})


@router.post("/sharing/break-glass/{access_id:int}")
def glass_review(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields,
                 access_id: Id) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.break_glass.review", subject_id=access_id)
    form = {"decision": one(fields, "decision", 20), "note": one(fields, "note")}
    errors = []
    if form["decision"] not in ("appropriate", "inappropriate"):
        errors.append(("decision", "Select whether the access was appropriate"))
    if not form["note"]:
        errors.append(("note", "Enter the reasons for your decision"))
    elif len(form["note"]) > TEXT_MAX:
        errors.append(("note", f"The reasons must be {TEXT_MAX:,} characters or fewer"))
    if not errors:
        try:
            with app.transaction() as session:
                review_break_glass(session, actor, glass_or_404(session, actor, access_id),
                                   decision=form["decision"], note=form["note"])
            return RedirectResponse(f"/sharing/break-glass?reviewed={access_id}", status_code=303)
        except BreakGlassError as exc:
            errors.append(("decision", sentence(exc.message)))
    with app.transaction() as session:
        (view,) = glass_views(session, [glass_or_404(session, actor, access_id)])
    return render(request, "sharing/break_glass_review.html", {**base("break-glass"), "view": view,
                                                               "errors": errors, "form": form}, status_code=400)
