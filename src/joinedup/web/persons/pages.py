"""Finding a person and seeing one: every value shown passed the sharing decision.

The search finds persons in the person index, not source records
(:func:`joinedup.disclosure.search_persons`); the person page shows the person's summary,
read in one domain call (:func:`joinedup.summary.person_summary`): the golden record, the
contributing records, the family view and the history, who is involved, the team around
the family, the flags and the consent history.
Both read for the purpose the user's role gives (:func:`joinedup.disclosure.access_action`):
a practitioner under their organisation's rule, the data team as person-index processing
(identifying fields, never facts).

A practitioner sees partners' records only for a purpose they state
(:mod:`joinedup.web.access`): the search takes one with the query and starts a working
context that carries it to the persons found and their family
(:mod:`joinedup.sharing.context`), and the person page keeps one stated for that person
in the web session. Without one they see
their own organisation's records only, with the "State why you are looking" form. The
person page also shows an active break-glass access, says when a shielded service is
involved (never which), and leads to consent, break-glass and a decision not to share.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from joinedup.disclosure import access_action, parse_search, search_persons
from joinedup.flags import flags_in_search
from joinedup.people import PERSON_ID
from joinedup.sharing import LINKAGE_ROLES
from joinedup.sharing.context import start_context
from joinedup.sharing.purposes import (
    RELATIONSHIP_MAX,
    PurposeRefused,
    purposes_open_to,
    state_purpose,
)
from joinedup.summary import person_summary
from joinedup.web.access.views import (
    access_context,
    context_shown,
    is_yes,
    stated_purpose,
    working_context,
)
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render
from joinedup.web.flags.views import FLAG_DONE
from joinedup.web.pagination import page_number, pagination
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)

MAX_QUERY_LENGTH = 200
#: What the involvement forms say they did, on the person page they return to.
INVOLVEMENT_DONE = {"involvement-recorded": "The involvement is recorded: partners who may see this person see it.",
                    "involvement-corrected": "The involvement is corrected.",
                    "involvement-ended": "The involvement is ended: it shows as recently ended for 90 days."}
EMPTY_SEARCH = "Enter a name, date of birth, postcode or identifier"


@router.get("/persons")
def search(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, q: Text | None = None,
           purpose: Text = "", relationship: Text = "", safeguarding_risk: Text = "", page: Text = "",
           ended: Text = "") -> Response:
    actor = visit.actor("web")
    relationship = relationship[:RELATIONSHIP_MAX + 1]
    form = {"purpose": purpose[:40], "relationship": relationship, "safeguarding_risk": is_yes(safeguarding_risk)}
    context = {"current": "persons", "q": q or "", "result": None, "error": None, "errors": [], "form": form,
               "flags": {},
               "data_team": user.has_role(*LINKAGE_ROLES), "ended": ended == "context"}
    working = working_context(visit)
    with app.transaction() as session:
        context["purpose_options"] = purposes_open_to(session, actor)
        context["working"] = context_shown(session, working)
    if q is None:
        return render(request, "persons/search.html", context)
    query = parse_search(q[:MAX_QUERY_LENGTH])
    if len(q) > MAX_QUERY_LENGTH:
        context["error"] = f"Search must be {MAX_QUERY_LENGTH} characters or fewer"
    elif query.problems:
        context["error"] = query.problems[0]
    elif query.is_empty:
        context["error"] = EMPTY_SEARCH
    errors = [("q", context["error"])] if context["error"] else []
    stated = None
    if purpose:
        with app.transaction() as session:
            try:
                stated = state_purpose(session, actor, purpose, relationship=relationship,
                                       safeguarding_risk=form["safeguarding_risk"],
                                       options=context["purpose_options"])
            except PurposeRefused as exc:
                errors += exc.problems
    context["errors"] = errors
    if errors:
        return render(request, "persons/search.html", context, status_code=400)
    with app.transaction() as session:
        result = search_persons(session, actor, query, action=access_action(actor, searching=True),
                                purpose=stated, page=page_number(page))
        if stated is not None:
            working = start_context(session, visit.session.token, actor, stated,
                                    [card.person_id for card in result.persons], current=working)
            context["working"] = context_shown(session, working)
        context["flags"] = flags_in_search(session, actor, result)
    context["result"] = result
    asked = {"q": q, **({"purpose": purpose[:40], "relationship": relationship[:RELATIONSHIP_MAX]} if stated else {}),
             **({"safeguarding_risk": "yes"} if stated and form["safeguarding_risk"] else {})}
    context["pagination"] = pagination("/persons", asked, result.page, result.pages)
    context["back_query"] = urlencode({"q": q})
    # The working context carries the purpose to the persons found: a result's link
    # carries only the search, to come back to.
    context["person_query"] = urlencode({"q": q})
    context["stated"] = stated
    return render(request, "persons/search.html", context)


@router.get("/persons/{person_id}")
def person(
    request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text, q: Text = "",
    purpose: Text = "", relationship: Text = "", safeguarding_risk: Text = "", done: Text = "",
) -> Response:
    if not PERSON_ID.fullmatch(person_id.upper()):
        raise HTTPException(404)
    actor = visit.actor("web")
    stated = stated_purpose(visit, person_id)
    working = working_context(visit)
    prefill = {"purpose": purpose[:40], "relationship_choice": "other" if relationship else "",
               "relationship_other": relationship[:RELATIONSHIP_MAX], "safeguarding_risk": is_yes(safeguarding_risk)}
    with app.transaction() as session:
        summary = person_summary(session, actor, person_id, purpose=stated, working=working,
                                 session_token=visit.session.token)
        if summary is not None:
            access = access_context(session, user, actor, summary.person, stated, prefill=prefill)
            shown = context_shown(session, summary.working, access["purpose_names"])
    if summary is None:
        raise HTTPException(404)
    found = summary.view
    q = q[:MAX_QUERY_LENGTH]
    context = {
        "current": "persons",
        "person": found,
        "person_id": found.person_id,
        "q": q,
        "back": "/persons" + (f"?{urlencode({'q': q})}" if q else ""),
        "data_team": user.has_role(*LINKAGE_ROLES),
        "asks_purpose": found.action != "person.review",
        "done": done if done in ("break-glass", "declined", *INVOLVEMENT_DONE, *FLAG_DONE) else "",
        "involved": summary.involved,
        "team": summary.team,
        "flags": summary.flags,
        "errors": [],
        "consents": summary.consents,
        "done_message": INVOLVEMENT_DONE.get(done) or FLAG_DONE.get(done, ""),
        "working": shown,
        **access,
    }
    if not found.allowed:
        return render(request, "persons/refused.html", context, status_code=403)
    return render(
        request,
        "persons/person.html",
        {
            **context,
            "record_query": urlencode({"person": found.person_id, **({"q": q} if q else {})}),
            # The record page shows a record's facts: a record shown here under the data
            # team's person-index rule (identifying fields only) does not open there.
            "openable": set() if found.action == "person.review" else {record.id for record in found.records},
        },
    )
