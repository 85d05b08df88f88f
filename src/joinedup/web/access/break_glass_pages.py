"""Break-glass: an emergency access to one person, with a reason in words, for a limited
time, shown on every page about the person while it lasts, and reviewed
(:mod:`joinedup.sharing.break_glass`). For practitioners and MASH officers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.audit import Actor
from joinedup.permissions import SHARING_BREAK_GLASS_FORM, SHARING_BREAK_GLASS_START
from joinedup.sharing.break_glass import (
    DEFAULT_MINUTES,
    BreakGlassError,
    start_break_glass,
)
from joinedup.web.access.views import (
    MAX_QUERY_LENGTH,
    TEXT_MAX,
    access_context,
    back_to,
    person_or_404,
    stated_purpose,
)
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)

#: How long a break-glass access may last, in minutes, as offered on the form.
BREAK_GLASS_MINUTES = (15, 30, 60, 120, 240)

@router.get("/persons/{person_id}/break-glass")
def break_glass_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, actor: Annotated[Actor, require(SHARING_BREAK_GLASS_FORM)], person_id: Text,
                     q: Text = "") -> Response:
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        context = access_context(session, user, actor, person, stated_purpose(visit, person_id))
    return render(request, "access/break_glass.html", {
        "current": "persons", "person_id": person.person_id, "q": q[:MAX_QUERY_LENGTH], "errors": [], "reason": "",
        "minutes": DEFAULT_MINUTES, "durations": BREAK_GLASS_MINUTES, "text_max": TEXT_MAX, **context})


@router.post("/persons/{person_id}/break-glass")
def break_glass(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm, actor: Annotated[Actor, require(SHARING_BREAK_GLASS_START)],
    person_id: Text,
    reason: Annotated[Text, Form()] = "",
    minutes: Annotated[Text, Form()] = "",
    q: Annotated[Text, Form()] = "",
) -> Response:
    """Start an emergency access: a reason in words, for a limited time, reviewed by the IG lead."""
    errors: list[tuple[str, str]] = []
    reason = (reason or "").strip()
    chosen = int(minutes) if minutes.isdigit() and int(minutes) in BREAK_GLASS_MINUTES else None
    if chosen is None:
        errors.append(("minutes", "Select how long you need emergency access for"))
    if len(reason) > TEXT_MAX:
        errors.append(("reason", f"Your reason must be {TEXT_MAX:,} characters or fewer"))
    if not errors:
        try:
            with app.transaction() as session:
                person = person_or_404(session, person_id)
                start_break_glass(session, actor, person, reason=reason, minutes=chosen,
                                  review_days=app.settings.break_glass_review_days)
        except BreakGlassError as exc:
            errors.extend((field, message.rstrip(".")) for field, message in exc.problems)
    if not errors:
        return RedirectResponse(back_to(person_id, q, done="break-glass"), status_code=303)
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        context = access_context(session, user, actor, person, stated_purpose(visit, person_id))
    return render(request, "access/break_glass.html", {
        "current": "persons", "person_id": person.person_id, "q": q[:MAX_QUERY_LENGTH], "errors": errors,
        "reason": reason, "minutes": chosen or minutes, "durations": BREAK_GLASS_MINUTES, "text_max": TEXT_MAX,
        **context}, status_code=400)
