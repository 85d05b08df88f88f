"""The lead professional and the team around the family in the JSON API, under
``/api/v1/persons/{person_id}``: the same domain calls as the team page
(:mod:`joinedup.involvements.team`, :mod:`joinedup.involvements.lead`), for the purpose
stated in the query as every API read of a person. Practitioners and MASH officers only;
every involvement decided and audited, a shielded service never named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.disclosure import access_action
from joinedup.involvements import (
    TeamAround,
    end_lead,
    invite_member,
    name_lead,
    remove_member,
    team_around,
)
from joinedup.permissions import (
    LEAD_END,
    LEAD_NAME,
    TEAM_INVITE,
    TEAM_REMOVE,
    TEAM_VIEW,
)
from joinedup.web.api import UNAUTHENTICATED, CheckedWrite, Problem
from joinedup.web.context import WebApp
from joinedup.web.gates import require
from joinedup.web.involvements.api import InvolvementOut, involvement_out
from joinedup.web.involvements.team import refusals_logged
from joinedup.web.params import Id, PersonId, Text
from joinedup.web.persons.records_api import PurposeQuery, person_answer

router = APIRouter(prefix="/api/v1/persons", tags=["team around the family"],
                   responses=UNAUTHENTICATED | {422: {"model": Problem}})
REFUSALS = {400: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}}


class TeamRowOut(BaseModel):
    person_id: str
    person_name: str
    relation: str
    involvement: InvolvementOut
    lead_for: list[str] = Field(description="'person', 'family': what this involvement is lead professional for.")


class InvitedOut(BaseModel):
    id: int
    worker: str
    role: str
    organisation: str
    team: str
    contacts: list[list[str]]
    invited_by: str
    invited_at: datetime
    reason: str


class LeadChangeOut(BaseModel):
    scope: str
    involvement: InvolvementOut | None = Field(description="None when you may not see it now.")
    named_by: str
    named_at: datetime
    reason: str
    ended_at: datetime | None
    ended_by: str
    end_reason: str


class TeamOut(BaseModel):
    person_id: str
    name: str
    family: str = Field(description="What the family is known by: uprn:<UPRN> of their home, or person:<id>.")
    rows: list[TeamRowOut]
    shielded: list[str] = Field(description="Family members a service is involved with that cannot be named "
                                            "here: contact through the IG lead.")
    invited: list[InvitedOut]
    invited_shielded: bool
    lead_hidden: list[str] = Field(description="Scopes whose lead professional you may not see.")
    may_change: bool


class LeadOut(BaseModel):
    person_id: str
    person: TeamRowOut | None = Field(description="The lead professional for the person, if named and seen.")
    family: TeamRowOut | None = Field(description="The lead professional for the family, if named and seen.")
    history: list[LeadChangeOut]


class LeadIn(BaseModel):
    scope: Text = Field(description="'person' or 'family'.")
    involvement_id: int = Field(ge=1, le=2_147_483_647, description="One of the current involvements.")
    reason: Text = Field(max_length=2_000)


class LeadEndIn(BaseModel):
    scope: Text = Field(description="'person' or 'family': whose lead professional ends.")
    reason: Text = Field(max_length=2_000)


class InviteIn(BaseModel):
    worker_id: int = Field(ge=1, le=2_147_483_647, description="A worker of any organisation's directory.")
    reason: Text = Field(max_length=2_000)


class RemoveIn(BaseModel):
    reason: Text = Field(max_length=2_000)


def _row(row) -> TeamRowOut:
    return TeamRowOut(person_id=row.person_id, person_name=row.person_name, relation=row.relation,
                      involvement=involvement_out(row.involvement), lead_for=list(row.lead))


def _read(app, actor: Actor, person_id: str, asked) -> TeamAround:
    with app.transaction() as session:
        found = team_around(session, actor, person_id, action=access_action(actor),
                            purpose=asked.stated(session, actor))
    return person_answer(found)


def _lead(found: TeamAround) -> LeadOut:
    history = [LeadChangeOut(scope=change.scope, involvement=involvement_out(change.involvement)
                             if change.involvement else None, named_by=change.named_by, named_at=change.named_at,
                             reason=change.reason, ended_at=change.ended_at, ended_by=change.ended_by,
                             end_reason=change.end_reason) for change in found.history]
    person, family = found.lead("person"), found.lead("family")
    return LeadOut(person_id=found.person_id, person=_row(person) if person else None,
                   family=_row(family) if family else None, history=history)


@router.get("/{person_id}/team", response_model=TeamOut, summary="The team around the person's family",
            responses={403: {"model": Problem}, 404: {"model": Problem}})
def team(app: WebApp, actor: Annotated[Actor, require(TEAM_VIEW)], person_id: PersonId,
         asked: PurposeQuery) -> TeamOut:
    """Every current involvement of the person and their family you may see, the lead
    professionals marked, and the invited members; audited as `team.view`."""
    found = _read(app, actor, person_id, asked)
    return TeamOut(person_id=found.person_id, name=found.name, family=found.family, rows=[_row(row) for row in found.rows],
                   shielded=list(found.shielded),
                   invited=[InvitedOut(id=one.id, worker=one.worker, role=one.role, organisation=one.organisation,
                                       team=one.team, contacts=[list(pair) for pair in one.contacts],
                                       invited_by=one.invited_by, invited_at=one.invited_at, reason=one.reason)
                            for one in found.invited],
                   invited_shielded=found.invited_shielded, lead_hidden=list(found.lead_hidden),
                   may_change=found.may_change)


@router.get("/{person_id}/lead-professional", response_model=LeadOut,
            summary="The lead professional for the person and for their family, with the history",
            responses={403: {"model": Problem}, 404: {"model": Problem}})
def lead(app: WebApp, actor: Annotated[Actor, require(TEAM_VIEW)], person_id: PersonId,
         asked: PurposeQuery) -> LeadOut:
    """The current lead professionals you may see and every naming and ending, with who,
    when and why."""
    return _lead(_read(app, actor, person_id, asked))


@router.put("/{person_id}/lead-professional", response_model=LeadOut, summary="Name the lead professional",
            responses=REFUSALS)
def name(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(LEAD_NAME)], person_id: PersonId,
         body: LeadIn, asked: PurposeQuery) -> LeadOut:
    """Name one of the current involvements lead for the person or the family; the previous
    lead ends. Audited as `lead.name`."""
    with refusals_logged(app, actor, LEAD_NAME, person_id), app.transaction() as session:
        name_lead(session, actor, person_id, body.scope, body.involvement_id, body.reason)
    return _lead(_read(app, actor, person_id, asked))


@router.post("/{person_id}/lead-professional/end", response_model=LeadOut,
             summary="End the lead professional, naming no successor", responses=REFUSALS)
def end(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(LEAD_END)], person_id: PersonId,
        body: LeadEndIn, asked: PurposeQuery) -> LeadOut:
    """End the current lead professional for the person or the family, saying why; until
    another is named there is none. Audited as `lead.end`."""
    with refusals_logged(app, actor, LEAD_END, person_id), app.transaction() as session:
        end_lead(session, actor, person_id, body.scope, body.reason)
    return _lead(_read(app, actor, person_id, asked))


@router.post("/{person_id}/team/members", response_model=InvitedOut, status_code=201,
             summary="Invite a worker into the team around the family", responses=REFUSALS)
def invite(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(TEAM_INVITE)], person_id: PersonId,
           body: InviteIn) -> InvitedOut:
    """Audited as `team.invite`."""
    with refusals_logged(app, actor, TEAM_INVITE, person_id), app.transaction() as session:
        member = invite_member(session, actor, person_id, body.worker_id, body.reason)
        worker = member.worker
        return InvitedOut(id=member.id, worker=worker.name, role=worker.role, organisation=worker.team.organisation.name,
                          team=worker.team.name, contacts=[], invited_by=member.invited_by,
                          invited_at=member.invited_at, reason=member.reason)


@router.delete("/{person_id}/team/members/{member_id}", status_code=204,
               summary="Remove an invited member from the team", responses=REFUSALS)
def remove(app: WebApp, visit: CheckedWrite, actor: Annotated[Actor, require(TEAM_REMOVE)], person_id: PersonId,
           member_id: Id, body: RemoveIn) -> None:
    """Audited as `team.remove`, with why."""
    with refusals_logged(app, actor, TEAM_REMOVE, person_id), app.transaction() as session:
        remove_member(session, actor, person_id, member_id, body.reason)
