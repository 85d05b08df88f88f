"""The administrators' API: unlocking an account whose sign-in attempts must wait, and
changing a user's roles.

``POST /api/v1/admin/users/{username}/unlock`` and ``PUT
/api/v1/admin/users/{username}/roles`` are for administrators; anyone else gets 403, and
the refusal is audited. As every write of the API, it needs the session's CSRF
token in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, Field

from joinedup.accounts import UnlockRefused, change_roles, unlock_account
from joinedup.accounts.users import REASON_MAX
from joinedup.errors import Forbidden
from joinedup.permissions import ACCOUNT_ROLES, ACCOUNT_UNLOCK, ROLES
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.context import ApiUser, WebApp
from joinedup.web.linkage.api import CSRF_HEADER, CheckedWrite, offer_csrf
from joinedup.web.params import Text


class UnlockedOut(BaseModel):
    username: str
    unlocked_at: datetime = Field(description="Failed sign-ins before this no longer make the account wait.")


class RolesIn(BaseModel):
    roles: list[Text] = Field(max_length=len(ROLES), description="Every role the user holds from now: any of "
                                                                + ", ".join(ROLES) + ".")
    reason: Text = Field(max_length=REASON_MAX, description="Why the roles change (kept in the audit trail).")


class RolesOut(BaseModel):
    username: str
    roles: list[str]


router = APIRouter(
    prefix="/api/v1/admin",
    tags=["administration"],
    responses=UNAUTHENTICATED | {422: {"model": Problem}},
    dependencies=[Depends(offer_csrf)],
)

Username = Annotated[Text, Path(min_length=1, max_length=120, description="The account's username, in any case.")]


@router.post(
    "/users/{username}/unlock",
    response_model=UnlockedOut,
    responses={403: {"model": Problem, "description": f"{ACCOUNT_UNLOCK.refusal} Or the {CSRF_HEADER} header is missing."},
               404: {"model": Problem, "description": "No account has this username."}},
)
def unlock(app: WebApp, user: ApiUser, visit: CheckedWrite, username: Username) -> UnlockedOut:
    """Lift every sign-in wait on the account, at every address, so that its user can
    sign in now. An address over its ceiling of failures still waits. Audited."""
    with app.transaction() as session:
        try:
            unlocked = unlock_account(session, visit.actor("api"), username)
        except UnlockRefused as exc:
            raise HTTPException(403, str(exc)) from exc
        answer = None if unlocked is None else UnlockedOut(username=unlocked.username,
                                                           unlocked_at=unlocked.unlocked_at)
    if answer is None:
        raise HTTPException(404, "No account has this username.")
    return answer


@router.put(
    "/users/{username}/roles",
    response_model=RolesOut,
    responses={400: {"model": Problem},
               403: {"model": Problem, "description": f"{ACCOUNT_ROLES.refusal} Or the {CSRF_HEADER} header is missing."},
               404: {"model": Problem, "description": "No account has this username."}},
)
def roles(app: WebApp, user: ApiUser, visit: CheckedWrite, username: Username, body: RolesIn) -> RolesOut:
    """Give the user the roles named, saying why; audited as `account.roles` with the
    roles before and after, so that each earlier access keeps the role held then."""
    with app.transaction() as session:
        try:
            changed = change_roles(session, visit.actor("api"), username, body.roles, body.reason)
        except Forbidden as exc:
            raise HTTPException(403, exc.message) from exc  # inside the transaction: its audit is kept
        return RolesOut(username=changed.username, roles=list(changed.roles))
