"""The signed-in user, through the API: ``GET /api/v1/me``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from joinedup.accounts import ROLE_NAMES, SignedInUser
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.context import ApiUser

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=UNAUTHENTICATED | {422: {"model": Problem}})


class OrganisationOut(BaseModel):
    code: str
    name: str


class MeOut(BaseModel):
    """The signed-in user."""

    username: str
    display_name: str
    organisation: OrganisationOut
    team: str
    job_title: str
    roles: list[str] = Field(description=f"Any of: {', '.join(ROLE_NAMES)}")
    email: str | None
    phone: str | None


@router.get("/me", response_model=MeOut, summary="The signed-in user")
def me(user: ApiUser) -> MeOut:
    return _me(user)


def _me(user: SignedInUser) -> MeOut:
    return MeOut(
        username=user.username,
        display_name=user.display_name,
        organisation=OrganisationOut(code=user.organisation_code, name=user.organisation_name),
        team=user.team,
        job_title=user.job_title,
        roles=list(user.roles),
        email=user.email,
        phone=user.phone,
    )
