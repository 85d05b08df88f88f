"""How the sharing API answers: its routers' common responses, the path and query types it
shares, and what it says when the domain refuses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from joinedup.errors import Refusal
from joinedup.permissions import SHARING_VIEW
from joinedup.sharing.rules import TermRefused
from joinedup.web.api import CSRF_HEADER, UNAUTHENTICATED, Problem, offer_csrf
from joinedup.web.params import FieldRefused, Text

WRITE = {403: {"model": Problem, "description": f"{SHARING_VIEW.refusal} Or the {CSRF_HEADER} header is missing."},
         409: {"model": Problem, "description": "The rules do not allow this change; the detail says why."}}
NOT_FOUND = {404: {"model": Problem}}
Limit = Annotated[int, Query(ge=1, le=500)]
#: A purpose's, category's or agreement's code in a path.
Code = Annotated[Text, Path(max_length=40, description="The code.")]


def sharing_router() -> APIRouter:
    """A router under ``/api/v1/sharing``, offering the session's CSRF token on every answer."""
    return APIRouter(
        prefix="/api/v1/sharing",
        tags=["sharing"],
        responses=UNAUTHENTICATED | {403: {"model": Problem, "description": SHARING_VIEW.refusal},
                                     422: {"model": Problem}},
        dependencies=[Depends(offer_csrf)],
    )


def refused(exc: Refusal, sent: type | None = None) -> HTTPException:
    """What the rules refuse. A value no request may hold (:class:`TermRefused`) is 422; any
    other refusal is a conflict with the rules as things stand, 409. The answer names the
    field when it is one the request ``sent`` (a body's model); a refusal of authority is 403."""
    if exc.forbidden:
        return HTTPException(403, exc.message)
    status = exc.status if isinstance(exc, TermRefused) else 409
    if sent is not None and exc.field in sent.model_fields:
        return FieldRefused(status, exc.field, exc.message)
    return HTTPException(status, exc.message)


def query_refused(exc: Refusal) -> FieldRefused:
    """A search the domain cannot run as asked: 422, naming the first field refused."""
    return FieldRefused(422, exc.field, exc.message)
