"""Purpose at the point of access (Connecting Care's "reasons for accessing"): before a
person's shared information is shown, the user states why they are looking, checked by
:func:`joinedup.sharing.purposes.state_purpose`. It is kept in the server-side web session,
per person, and every read of that person's records passes it to the policy point. The
working context a search starts (:mod:`joinedup.sharing.context`) is ended here too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.accounts.sessions import remember_purpose
from joinedup.audit import record_event
from joinedup.sharing.context import carry_stated_purpose, end_context, leave_context
from joinedup.sharing.purposes import (
    RELATIONSHIP_MAX,
    PurposeRefused,
    relationship_text,
    state_purpose,
)
from joinedup.web.access.views import (
    MAX_QUERY_LENGTH,
    access_context,
    back_to,
    is_yes,
    person_or_404,
    stated_purpose,
    working_context,
)
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)


@router.get("/persons/{person_id}/purpose")
def purpose_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text, q: Text = "",
                 purpose: Text = "", relationship: Text = "", safeguarding_risk: Text = "") -> Response:
    """The 'State why you are looking' form on its own (the person page carries it too)."""
    actor = visit.actor("web")
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        prefill = {"purpose": purpose[:40], "relationship_choice": "other" if relationship else "",
                   "relationship_other": relationship[:RELATIONSHIP_MAX], "safeguarding_risk": is_yes(safeguarding_risk)}
        context = access_context(session, user, actor, person, stated_purpose(visit, person_id), prefill=prefill)
    return render(request, "access/purpose.html", {"current": "persons", "person_id": person.person_id,
                                                   "q": q[:MAX_QUERY_LENGTH], "errors": [], **context})


@router.post("/persons/{person_id}/purpose")
def state(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    person_id: Text,
    purpose: Annotated[Text, Form()] = "",
    relationship_choice: Annotated[Text, Form()] = "",
    relationship_other: Annotated[Text, Form()] = "",
    safeguarding_risk: Annotated[Text, Form()] = "",
    action: Annotated[Text, Form()] = "state",
    q: Annotated[Text, Form()] = "",
) -> Response:
    """State (or stop using) a purpose for this person: it applies from the next page."""
    actor = visit.actor("web")
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        if action == "clear":
            remember_purpose(session, visit.session.token, person.person_id, None)
            leave_context(session, visit.session.token, working_context(visit), person.person_id)
            record_event(session, actor, action="sharing.purpose.clear", outcome="success", subject_type="person",
                         subject_id=person.person_id)
            return RedirectResponse(back_to(person.person_id, q), status_code=303)
        relationship = relationship_text(relationship_choice, relationship_other)
        field = "relationship_other" if relationship_choice == "other" else "relationship_choice"
        stated, errors = None, []
        try:
            stated = state_purpose(session, actor, purpose, relationship=relationship,
                                   safeguarding_risk=is_yes(safeguarding_risk), relationship_field=field)
        except PurposeRefused as exc:
            errors = exc.problems
            if exc.forbidden:
                record_event(session, actor, action="sharing.purpose.state", outcome="denied", subject_type="person",
                             subject_id=person.person_id, reason=exc.message, details={"purpose": purpose[:40]})
        if stated is not None:
            remember_purpose(session, visit.session.token, person.person_id,
                             {"code": stated.code, "safeguarding_risk": stated.safeguarding_risk,
                              "relationship": stated.relationship})
            record_event(session, actor, action="sharing.purpose.state", outcome="success", subject_type="person",
                         subject_id=person.person_id, reason=stated.relationship,
                         details={"purpose": stated.code, "safeguarding_risk": stated.safeguarding_risk,
                                  "relationship": stated.relationship})
            carry_stated_purpose(session, visit.session.token, actor, stated, person.person_id,
                                 working_context(visit))
            return RedirectResponse(back_to(person.person_id, q), status_code=303)
        submitted = {"purpose": purpose[:40], "relationship_choice": relationship_choice[:40],
                     "relationship_other": relationship_other[:RELATIONSHIP_MAX],
                     "safeguarding_risk": is_yes(safeguarding_risk)}
        context = access_context(session, user, actor, person, stated_purpose(visit, person_id), submitted=submitted)
    return render(request, "access/purpose.html", {"current": "persons", "person_id": person.person_id,
                                                   "q": q[:MAX_QUERY_LENGTH], "errors": errors, **context},
                  status_code=400)


@router.post("/working-context/end")
def end_working_context(app: WebApp, user: PageUser, visit: CheckedForm) -> Response:
    """End the user's working context (audited): from the next page on, they state why they
    are looking for each person again. Back to the search, which says so."""
    with app.transaction() as session:
        ended = end_context(session, visit.session.token, visit.actor("web"), working_context(visit))
    return RedirectResponse("/persons?ended=context" if ended else "/persons", status_code=303)
