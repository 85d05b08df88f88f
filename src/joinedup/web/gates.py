"""The gate of every route that only some roles may use: one dependency, ``require(ACTION)``.

A route declares its act from the registry (:mod:`joinedup.permissions`); the gate checks
the user's roles with :func:`joinedup.accounts.gate` in a transaction of its own, so the
audit event of a refusal is kept, and answers 403 with the act's refusal. Without a
session, a page sends the user to sign in and the API answers 401, as everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from joinedup.accounts import gate
from joinedup.audit import Actor
from joinedup.permissions import Action
from joinedup.web.context import (
    Visit,
    Web,
    api_user,
    current_visit,
    signed_in_user,
    web,
)


def check(app: Web, actor: Actor, action: Action, *, subject_id: int | str = "", details: dict | None = None) -> None:
    """The gate, in its own transaction (audited either way); 403 with the act's refusal."""
    with app.transaction() as session:
        allowed = gate(session, actor, action, subject_id=subject_id, details=details)
    if not allowed:
        raise HTTPException(403, action.refusal)


def require(action: Action, *, subject: str | Callable[..., str | int] = "",
            details: Callable[..., dict] | None = None) -> Any:
    """A dependency that yields the signed-in actor once their roles let them do ``action``.

    The event's subject is the route's first path parameter, if it has one, else the query
    parameter named by ``subject`` (cut to 40 characters: it is recorded as given). Where a
    route's subject is more than that (two records, a setting, a form's field), ``subject``
    is a dependency giving it, and ``details`` one giving the event's details: each declares
    the route's parameters it reads, typed, so a value the route refuses (422) is refused
    before anything is audited."""

    def named_in_request(request: Request) -> str:
        return next(iter(request.path_params.values()), "") or (
            request.query_params.get(subject, "")[:40] if isinstance(subject, str) and subject else "")

    # Defaults, not annotations: this module's annotations are strings, read against its
    # globals, and these dependencies are the call's own.
    naming = Depends(subject if callable(subject) else named_in_request)
    detailing = Depends(details or _no_details)

    def gated(request: Request, visit: Annotated[Visit, Depends(current_visit)], named: Any = naming,
              more: Any = detailing) -> Actor:
        api = request.url.path.startswith("/api/")
        if api:
            api_user(visit)
        else:
            signed_in_user(request, visit)
        actor = visit.actor("api" if api else "web")
        check(web(request), actor, action, subject_id=named, details=more or None)
        return actor

    return Depends(gated)


def _no_details() -> dict:
    return {}
