"""The data team's address review: the list of addresses to decide, one address, a decision.

It shows agencies' addresses as they were sent, across every source, so it is for the data
team and administrators only: the act's roles are the gate (audited either way, a clear
403 without). Every record shown passes the sharing decision in one batch per page
(:mod:`joinedup.disclosure.addresses`, action ``address.review``), which audits each
record and discloses its address fields only; the page shows nothing else of it.
Decisions go through the gazetteer (:func:`joinedup.gazetteer.decide_address`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure.addresses import (
    ADDRESS_RECORD_DENIED,
    disclose_matches,
    match_for_review,
)
from joinedup.gazetteer import (
    DECISION_ACTIONS,
    DecisionError,
    decide_address,
    get_match,
    review_queue,
    search_gazetteer,
)
from joinedup.partners import source_systems
from joinedup.permissions import ADDRESS_DECIDE, ADDRESS_REVIEW_VIEW
from joinedup.web.addresses.views import (
    METHOD_LABELS,
    SEARCH_LIMIT,
    UPRN,
    distinct_uprns,
    review_item,
    search_problem,
)
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.pagination import page_count, page_links, page_number
from joinedup.web.params import Id, Text

router = APIRouter(include_in_schema=False)

#: How many addresses one page of the review list shows.
PAGE_SIZE = 25
REASON_MAX = 500
SEARCH_FIRST = "Search the gazetteer, then select an address from the results"

#: The decisions a reviewer can make, in the order the form offers them.
ACTIONS = DECISION_ACTIONS

#: What the banner says once a decision is saved, by the match's status afterwards.
DECIDED = {
    "matched": "is now matched to UPRN {uprn}",
    "out_of_area": "is marked as out of area",
    "unmatchable": "is marked as not matchable",
}


@router.get("/addresses/review")
def review_list(
    request: Request,
    app: WebApp,
    user: PageUser,
    actor: Annotated[Actor, require(ADDRESS_REVIEW_VIEW, subject="source")],
    source: Text = "",
    page: Text = "1",
    decided: Text = "",
) -> Response:
    number = page_number(page)
    offset = (number - 1) * PAGE_SIZE
    with app.transaction() as session:
        sources = source_systems(session)
        source_code = source if source in {code for code, _name in sources} else ""
        matches, total = review_queue(session, source_code=source_code or None, limit=PAGE_SIZE, offset=offset)
        rows = [review_item(match, fields) for match, fields, _decision in disclose_matches(session, actor, matches)]
        banner = _decided_banner(session, actor, decided)
    if number > page_count(total, PAGE_SIZE) and total:
        raise HTTPException(404)
    return render(
        request,
        "addresses/review_list.html",
        {
            "current": "addresses",
            "sources": sources,
            "source": source_code,
            "rows": rows,
            "total": total,
            "first": offset + 1,
            "pagination": page_links("/addresses/review", {"source": source_code} if source_code else {},
                                     offset=offset, limit=PAGE_SIZE, total=total),
            "banner": banner,
        },
    )


def _decided_banner(session: Session, actor: Actor, decided: str) -> dict | None:
    """What the banner says about the decided match: its address only if the sharing
    decision discloses it (the id is in the URL, so anyone can put any id there)."""
    if not decided.isdigit() or len(decided) > 18:
        return None
    match = get_match(session, int(decided))
    if match is None or match.decision_id is None or match.status not in DECIDED:
        return None
    shown = disclose_matches(session, actor, [match])
    if not shown:
        return None
    return {
        "address": shown[0][1].get("address_text") or "The address",
        "outcome": DECIDED[match.status].format(uprn=match.uprn),
        "uprn": match.uprn if match.status == "matched" else None,
    }


@router.get("/addresses/review/{match_id:int}")
def review_page(
    request: Request,
    app: WebApp,
    user: PageUser,
    actor: Annotated[Actor, require(ADDRESS_REVIEW_VIEW)],
    match_id: Id,
    q: Text | None = None,
    source: Text = "",
) -> Response:
    return _item_page(request, app, actor, match_id, q=q, source=source)


@router.post("/addresses/review/{match_id:int}")
def decide(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    actor: Annotated[Actor, require(ADDRESS_DECIDE)],
    match_id: Id,
    action: Annotated[Text, Form()] = "",
    uprn: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
    q: Annotated[Text, Form()] = "",
    source: Annotated[Text, Form()] = "",
) -> Response:
    errors: list[tuple[str, str]] = []
    reason = reason.strip()
    with app.transaction() as session:
        match = get_match(session, match_id)
        if match is not None:
            errors = _decision_errors(action, uprn, reason, has_candidate=match.uprn is not None)
            if not errors:
                try:
                    decide_address(session, actor, match_id, action=action,
                                   uprn=uprn if action == "choose" else None, reason=reason)
                except DecisionError as exc:
                    message = str(exc)
                    errors = [("uprn" if action == "choose" else "action", message[:1].upper() + message[1:])]
    if match is None:
        raise HTTPException(404)
    if errors:
        return _item_page(request, app, actor, match_id, q=q or None, source=source, errors=errors,
                          form={"action": action, "uprn": uprn, "reason": reason}, status_code=400)
    params = {"decided": str(match_id)} | ({"source": source} if source else {})
    return RedirectResponse(f"/addresses/review?{urlencode(params)}", status_code=303)


def _decision_errors(action: str, uprn: str, reason: str, *, has_candidate: bool) -> list[tuple[str, str]]:
    errors = []
    if action not in ACTIONS:
        errors.append(("action", "Select what should happen to this address"))
    elif action == "accept" and not has_candidate:
        errors.append(("action", "There is no candidate to accept: choose another address or mark it"))
    elif action == "choose" and (not uprn or not UPRN.fullmatch(uprn)):
        errors.append(("uprn", "Select an address from the gazetteer search results"))
    if len(reason) > REASON_MAX:
        errors.append(("reason", f"Reason must be {REASON_MAX} characters or fewer"))
    return errors


def _item_page(
    request: Request,
    app: WebApp,
    actor: Actor,
    match_id: int,
    *,
    q: str | None,
    source: str,
    errors: list[tuple[str, str]] | None = None,
    form: dict | None = None,
    status_code: int = 200,
) -> Response:
    errors = list(errors or [])
    search_error = None
    if q is not None:
        q = q.strip()
        search_error = search_problem(q)
    item = results = None
    with app.transaction() as session:
        shown = match_for_review(session, actor, match_id)
        if shown is not None and shown.allowed:
            item = review_item(shown.match, shown.fields)
            if q and not search_error:
                results = distinct_uprns(search_gazetteer(session, q, limit=SEARCH_LIMIT))
    if shown is not None and not shown.allowed:
        raise HTTPException(403, ADDRESS_RECORD_DENIED)
    if item is None:
        raise HTTPException(404)
    if search_error:
        errors.insert(0, ("q", search_error))
        status_code = 400
    if not results:
        # Without search results there is no address to select: point at the search box.
        errors = [(field, message) if field != "uprn" else ("q", SEARCH_FIRST) for field, message in errors]
    form = form or {}
    chosen = form.get("action") or ("choose" if results else "")
    back = "/addresses/review" + (f"?{urlencode({'source': source})}" if source else "")
    return render(
        request,
        "addresses/review_item.html",
        {
            "current": "addresses",
            "item": item,
            "q": q or "",
            "results": results,
            "errors": errors,
            "search_error": next((message for field, message in errors if field == "q"), None),
            "chosen": chosen,
            "chosen_uprn": form.get("uprn", ""),
            "reason": form.get("reason", ""),
            "source": source,
            "back": back,
            "reason_max": REASON_MAX,
            "method_labels": METHOD_LABELS,
        },
        status_code=status_code,
    )
