"""What every part of the JSON API under ``/api/v1`` shares: the shape of a refusal, and
the CSRF check of every write.

The API authenticates with the web session cookie for now; a request without a live
session gets 401 and no data. Every write (POST, PUT, PATCH, DELETE) sends the session's
CSRF token in the ``X-CSRF-Token`` header, which every response of a session carries.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from joinedup.web.context import ApiUser, CurrentVisit, Visit, csrf_matches

UNAUTHENTICATED = {401: {"description": "No signed-in session: no data is returned."}}
CSRF_HEADER = "X-CSRF-Token"


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="Where: body, query or path, then the field (and item) refused.")
    msg: str
    type: str


class Problem(BaseModel):
    """Why the request was refused. A refusal of one field (every 400 and 422, and a 409
    about one field) names it in `field`, and `detail` starts with it: `"q: ..."`."""

    detail: str
    field: str | None = Field(default=None, description="The field refused; absent when the refusal is not "
                                                        "about one field.")
    errors: list[FieldProblem] | None = Field(default=None, description="422 only: every problem found, "
                                                                        "with FastAPI's `loc`.")


def offer_csrf(response: Response, visit: CurrentVisit) -> None:
    """Every response of a signed-in session carries its CSRF token, for writes."""
    if visit.user is not None and visit.session.csrf_token:
        response.headers[CSRF_HEADER] = visit.session.csrf_token


def api_csrf_checked(request: Request, user: ApiUser, visit: CurrentVisit) -> Visit:
    """For writes: a signed-in session (else 401) that sent its own CSRF token (else 403)."""
    if not csrf_matches(request, visit, request.headers.get(CSRF_HEADER, "")):
        raise HTTPException(403, f"Send this session's CSRF token in the {CSRF_HEADER} header.")
    return visit


CheckedWrite = Annotated[Visit, Depends(api_csrf_checked)]
