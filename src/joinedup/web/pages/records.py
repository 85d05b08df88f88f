"""Searching for and opening source records; every record shown passed the sharing decision."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from joinedup.records import fetch_record, parse_search, search_records
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render

router = APIRouter(include_in_schema=False)

MAX_QUERY_LENGTH = 200
EMPTY_SEARCH = "Enter a name, date of birth, postcode or identifier"


@router.get("/records")
def search(
    request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, q: str | None = None
) -> Response:
    context = {"current": "records", "q": q or "", "result": None, "error": None}
    if q is None:
        return render(request, "records/search.html", context)
    query = parse_search(q[:MAX_QUERY_LENGTH])
    if len(q) > MAX_QUERY_LENGTH:
        context["error"] = f"Search must be {MAX_QUERY_LENGTH} characters or fewer"
    elif query.problems:
        context["error"] = query.problems[0]
    elif query.is_empty:
        context["error"] = EMPTY_SEARCH
    if context["error"]:
        return render(request, "records/search.html", context, status_code=400)
    with app.transaction() as session:
        context["result"] = search_records(session, visit.actor("web"), query)
    context["back_query"] = urlencode({"q": q})
    return render(request, "records/search.html", context)


@router.get("/records/{record_id:int}")
def record(
    request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, record_id: int, q: str = ""
) -> Response:
    with app.transaction() as session:
        disclosed = fetch_record(session, visit.actor("web"), record_id)
    if disclosed is None:
        raise HTTPException(404)
    if not disclosed.allowed:
        raise HTTPException(403, disclosed.reason)
    back = "/records" + (f"?{urlencode({'q': q[:MAX_QUERY_LENGTH]})}" if q else "")
    return render(request, "records/record.html", {"current": "records", "record": disclosed, "back": back})
