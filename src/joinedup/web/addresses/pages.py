"""Finding an address and the household at it: for everyone signed in.

The search is of the gazetteer, which holds no personal data. The household view shows a
gazetteer address and only the records there that the sharing decision discloses to the
viewer (:func:`joinedup.disclosure.household_at`). Records it refuses are left out without
a count, because even "two records you cannot see" at an address says that other agencies
are involved with the people who live there.

The data team's review list and report are in :mod:`~joinedup.web.addresses.review_pages`
and :mod:`~joinedup.web.addresses.report_pages`.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from joinedup.disclosure import household_at
from joinedup.gazetteer import find_addresses
from joinedup.permissions import ADDRESS_REVIEW_VIEW
from joinedup.web.addresses.views import (
    SEARCH_LIMIT,
    UPRN,
    search_problem,
)
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render
from joinedup.web.pagination import page_number, pagination
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)


@router.get("/addresses")
def find(request: Request, app: WebApp, user: PageUser, q: Text | None = None, page: Text = "") -> Response:
    """Search the gazetteer (which holds no personal data) and go to an address."""
    context = {
        "current": "addresses",
        "q": q or "",
        "results": None,
        "found": None,
        "error": None,
        "may_review": user.has_role(*ADDRESS_REVIEW_VIEW.roles),
    }
    if q is not None:
        text = q.strip()
        context["error"] = search_problem(text)
        if context["error"]:
            return render(request, "addresses/find.html", context, status_code=400)
        with app.transaction() as session:
            found = find_addresses(session, text, page=page_number(page), per_page=SEARCH_LIMIT)
        context.update(results=found.addresses, found=found,
                       pagination=pagination("/addresses", {"q": q}, found.page, found.pages))
    return render(request, "addresses/find.html", context)


@router.get("/addresses/{uprn}")
def household(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, uprn: Text) -> Response:
    if not UPRN.fullmatch(uprn):
        raise HTTPException(404)
    with app.transaction() as session:
        found = household_at(session, visit.actor("web"), uprn)
    if found.address is None:
        raise HTTPException(404)
    return render(
        request,
        "addresses/household.html",
        {
            "current": "addresses",
            "household": found,
            "alternatives": [
                other
                for index, other in enumerate(found.alternatives)
                if other.single_line != found.address.single_line
                and other.single_line not in {earlier.single_line for earlier in found.alternatives[:index]}
            ],
            "may_review": user.has_role(*ADDRESS_REVIEW_VIEW.roles),
        },
    )
