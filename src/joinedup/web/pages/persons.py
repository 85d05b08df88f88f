"""Finding a person and seeing one: every value shown passed the sharing decision.

The search finds persons in the person index, not source records
(:func:`joinedup.people.search_persons`); the person page shows the golden record, the
contributing records, the family view and the history (:func:`joinedup.people.view_person`).
Both read for the purpose the user's role gives (:func:`joinedup.people.access_action`):
a practitioner under their organisation's rule, the data team as person-index processing
(identifying fields, never facts).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from joinedup.people import access_action, search_persons, view_person
from joinedup.records import parse_search
from joinedup.sharing import LINKAGE_ROLES, OWN_ORGANISATION
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render

router = APIRouter(include_in_schema=False)

MAX_QUERY_LENGTH = 200
EMPTY_SEARCH = "Enter a name, date of birth, postcode or identifier"
#: A person's public id: P and ten base-32 characters (anything longer or odder is not one).
PERSON_ID = re.compile(r"[A-Za-z0-9]{1,20}")


@router.get("/persons")
def search(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, q: str | None = None) -> Response:
    context = {"current": "persons", "q": q or "", "result": None, "error": None}
    if q is None:
        return render(request, "persons/search.html", context)
    query = parse_search(q[:MAX_QUERY_LENGTH])
    if len(q) > MAX_QUERY_LENGTH:
        context["error"] = f"Search must be {MAX_QUERY_LENGTH} characters or fewer"
    elif query.problems:
        context["error"] = query.problems[0]
    elif query.is_empty:
        context["error"] = EMPTY_SEARCH
    if context["error"]:
        return render(request, "persons/search.html", context, status_code=400)
    actor = visit.actor("web")
    with app.transaction() as session:
        context["result"] = search_persons(session, actor, query, action=access_action(actor, searching=True))
    context["back_query"] = urlencode({"q": q})
    return render(request, "persons/search.html", context)


@router.get("/persons/{person_id}")
def person(
    request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: str, q: str = ""
) -> Response:
    if not PERSON_ID.fullmatch(person_id):
        raise HTTPException(404)
    actor = visit.actor("web")
    with app.transaction() as session:
        found = view_person(session, actor, person_id, action=access_action(actor))
    if found is None:
        raise HTTPException(404)
    if not found.allowed:
        raise HTTPException(403, found.reason)
    q = q[:MAX_QUERY_LENGTH]
    return render(
        request,
        "persons/person.html",
        {
            "current": "persons",
            "person": found,
            "q": q,
            "back": "/persons" + (f"?{urlencode({'q': q})}" if q else ""),
            "record_query": urlencode({"person": found.person_id, **({"q": q} if q else {})}),
            "data_team": user.has_role(*LINKAGE_ROLES),
            # The record page reads for the record.view purpose: a record shown here under
            # the data team's person-index rule opens there only if it is their own.
            "openable": {
                record.id
                for record in found.records
                if found.action != "person.review" or OWN_ORGANISATION in record.policy_ids
            },
        },
    )
