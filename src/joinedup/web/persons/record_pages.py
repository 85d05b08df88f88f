"""Opening one source record; every record shown passed the sharing decision.

Searching finds persons now (:mod:`joinedup.web.persons.pages`): ``/records`` sends an
old bookmark or link there with its search. A record of a person is read for the purpose
the user stated for that person (:mod:`joinedup.web.access`), and shows their
break-glass access while it lasts.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.disclosure import fetch_record
from joinedup.people import PERSON_ID, person_of
from joinedup.sharing.decision import DENIED
from joinedup.sharing.policy import SENSITIVE_SHIELD
from joinedup.web.access.views import break_glass_shown, ig_contact, stated_purpose
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render
from joinedup.web.params import Id, Text
from joinedup.web.persons.pages import MAX_QUERY_LENGTH

router = APIRouter(include_in_schema=False)


@router.get("/records")
def search(user: PageUser, q: Text | None = None) -> Response:
    """The search finds persons: go there, with the search asked for."""
    return RedirectResponse("/persons" + ("" if q is None else f"?{urlencode({'q': q})}"), status_code=303)


@router.get("/records/{record_id:int}")
def record(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CurrentVisit,
    record_id: Id,
    q: Text = "",
    person: Text = "",
) -> Response:
    actor = visit.actor("web")
    with app.transaction() as session:
        holder = person_of(session, record_id)
        stated = stated_purpose(visit, holder.person_id) if holder is not None else None
        disclosed = fetch_record(session, actor, record_id, purpose=stated)
        owner = holder if disclosed is not None and disclosed.allowed else None
        person_id = owner.person_id if owner is not None and owner.retired_at is None else None
        glass = break_glass_shown(session, actor, owner)
        contact = ig_contact(session, user.organisation_id) if glass else None
    if disclosed is None:
        raise HTTPException(404)
    if not disclosed.allowed:
        # A shielded record is refused like any other: which record is of a sensitive
        # service is said nowhere, not even to someone who guessed its id.
        raise HTTPException(403, DENIED if SENSITIVE_SHIELD in disclosed.policy_ids else disclosed.reason)
    query = f"?{urlencode({'q': q[:MAX_QUERY_LENGTH]})}" if q else ""
    if PERSON_ID.fullmatch(person.upper()):
        back, back_label = f"/persons/{person}{query}", "Back to person"
    else:
        back, back_label = f"/persons{query}", "Back to search"
    return render(
        request,
        "records/record.html",
        {
            "current": "persons",
            "record": disclosed,
            "person_id": person_id,
            "back": back,
            "back_label": back_label,
            "glass": glass,
            "ig_contact": contact,
            "governs": user.has_role("ig_lead", "admin"),
        },
    )
