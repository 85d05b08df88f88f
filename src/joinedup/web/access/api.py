"""The JSON API for what a practitioner does about a person, beside reading them:
the purposes they may state, consent, break-glass, and deciding not to share.

The same rules as the pages (:mod:`joinedup.web.access`):

- ``GET /api/v1/me/purposes``: the purposes your organisation may state, for any
  signed-in user;
- the rest are for practitioners and MASH officers (audited either way, 403 for anyone
  else). Consent and decisions not to share also need you to see at least one of the
  person's records, for the purpose you state in the query as on ``GET
  /api/v1/persons/{person_id}``; every record's decision is audited. Break-glass is for
  when you cannot: it needs only a reason in words and a time limit, and goes to your
  IG lead's review queue.

Consent, refusal or withdrawal applies to the very next request. Writes send the
session's CSRF token in the ``X-CSRF-Token`` header, as every write of the API does.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.people import person_by_id
from joinedup.permissions import (
    SHARING_BREAK_GLASS_START,
    SHARING_CONSENT_HISTORY,
    SHARING_CONSENT_RECORD,
    SHARING_DECLINE,
)
from joinedup.sharing.break_glass import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    BreakGlassError,
    start_break_glass,
)
from joinedup.sharing.consent import ConsentError, consent_history, record_consent
from joinedup.sharing.log import DeclineError, record_declined
from joinedup.sharing.models import BreakGlass, ConsentRecord
from joinedup.sharing.purposes import purposes_open_to
from joinedup.web.access.views import FRONTLINE_DENIED, TEXT_MAX, seen_person
from joinedup.web.api import (
    CSRF_HEADER,
    UNAUTHENTICATED,
    CheckedWrite,
    Problem,
    offer_csrf,
)
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.gates import require
from joinedup.web.params import FieldRefused, PersonId, Text
from joinedup.web.persons.records_api import PurposeAsked, PurposeQuery

#: A person's public id in a path.

# --------------------------------------------------------------------------- schemas


class PurposeOptionOut(BaseModel):
    code: str
    name: str
    description: str
    safeguarding: bool = Field(description="A safeguarding purpose: a risk of serious harm may be stated with it.")
    relationship_required: bool = Field(description="State your relationship with the person with this purpose.")


class ConsentIn(BaseModel):
    decision: Literal["given", "refused", "withdrawn"]
    form: Literal["verbal", "written"]
    purposes: list[Text] = Field(default_factory=list, max_length=50,
                                description="Purpose codes it covers. Consent given names at least one; a refusal "
                                "or withdrawal naming none covers every purpose.")
    organisations: list[Text] = Field(default_factory=list, max_length=100,
                                     description="Recipient organisation codes it covers. Consent given names at "
                                     "least one; a refusal or withdrawal naming none covers every recipient.")
    categories: list[Text] = Field(default_factory=list, max_length=50,
                                  description="Data category codes consent given covers (at least one). A sensitive "
                                  "service is opened only when its category is named. A refusal or withdrawal names "
                                  "none: it covers every category.")
    given_by: Literal["person", "young_person", "parent_carer"] = Field(
        default="person", description="Who decided: the person (an adult), or for a child the young person or a "
        "parent or carer with parental responsibility.")
    given_by_name: Text = Field(default="", max_length=200, description="The parent's or carer's name.")
    competence_note: Text = Field(default="", max_length=TEXT_MAX,
                                 description="Why the young person is competent to decide (needed for young_person).")
    parental_responsibility: bool = Field(default=False, description="The parent or carer has parental "
                                          "responsibility (needed for parent_carer).")
    evidence: Text = Field(default="", max_length=TEXT_MAX, description="Where it is written down, or what was said.")
    informed: bool = Field(description="The person was told what will be shared and why (golden rule 2).")
    not_informed_reason: Text = Field(default="", max_length=TEXT_MAX,
                                      description="Why the person was not told; needed when `informed` is false.")
    expires_on: date | None = Field(default=None, description="When it stops applying; today or later.")


class ConsentOut(BaseModel):
    id: int
    decision: str
    form: str
    purposes: list[str]
    organisations: list[str]
    categories: list[str]
    given_by: str
    given_by_name: str
    competence_note: str
    evidence: str
    informed: bool
    not_informed_reason: str
    expires_on: date | None
    recorded_by: str
    recorded_at: datetime


class BreakGlassIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=TEXT_MAX, description="What the emergency is, in a sentence.")
    minutes: int = Field(default=DEFAULT_MINUTES, ge=1, le=MAX_MINUTES, description="How long the access lasts.")


class BreakGlassStartedOut(BaseModel):
    id: int
    person_id: str
    reason: str
    started_at: datetime
    expires_at: datetime
    review_status: str = Field(description="pending until your information governance lead reviews it.")


class DeclineIn(BaseModel):
    purpose: Text = Field(min_length=1, max_length=40, description="The purpose you were asked to share for.")
    recipient: Text = Field(default="", max_length=40, description="The code of the organisation that asked, if any.")
    reason: Text = Field(min_length=1, max_length=TEXT_MAX, description="Why you decided not to share.")


class DeclinedOut(BaseModel):
    id: int
    at: datetime
    person_id: str
    purpose: str
    outcome: Literal["declined"]
    basis: str = Field(description="Not shared, and with whom when an organisation asked.")
    reason: str


# --------------------------------------------------------------------------- routes

router = APIRouter(tags=["practitioners"], responses=UNAUTHENTICATED | {422: {"model": Problem}},
                   dependencies=[Depends(offer_csrf)])
FRONTLINE = {403: {"model": Problem, "description": f"{FRONTLINE_DENIED} Or you may see none of the person's "
                                                    f"records, or the {CSRF_HEADER} header is missing."},
             404: {"model": Problem, "description": "There is no person with this id."}}
REFUSED = {400: {"model": Problem, "description": "The record cannot be kept as sent; the detail says why."}}
NO_PERSON = "There is no person with this id."


def consent_out(consent: ConsentRecord) -> ConsentOut:
    return ConsentOut(
        id=consent.id, decision=consent.decision, form=consent.form, purposes=list(consent.purposes or []),
        organisations=list(consent.organisations or []), categories=list(consent.categories or []),
        given_by=consent.given_by, given_by_name=consent.given_by_name or "",
        competence_note=consent.competence_note or "", evidence=consent.evidence or "", informed=consent.informed, not_informed_reason=consent.not_informed_reason
        or "", expires_on=consent.expires_on, recorded_by=consent.recorded_by, recorded_at=consent.recorded_at,
    )


def _seen(session, user, actor, person_id: str, asked: PurposeAsked):
    """The person, when they exist and the user may see some of their records for the
    purpose stated in the query; 404 or 403 otherwise."""
    person = person_by_id(session, person_id)
    if person is None:
        raise HTTPException(404, NO_PERSON)
    seen_person(session, actor, person.person_id, asked.stated(session, actor))
    return person


@router.get("/api/v1/me/purposes", response_model=list[PurposeOptionOut], summary="The purposes you may state")
def purposes(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[PurposeOptionOut]:
    """The purposes your role may state (frontline purposes are for frontline roles) that
    your organisation may use: direct care, and every purpose of an active agreement under
    which it receives information. None for a role that does not read persons' records."""
    with app.transaction() as session:
        options = purposes_open_to(session, visit.actor("api"))
    return [PurposeOptionOut(code=option.code, name=option.name, description=option.description,
                             safeguarding=option.safeguarding, relationship_required=option.relationship_required)
            for option in options]


@router.get("/api/v1/persons/{person_id}/consent", response_model=list[ConsentOut],
            summary="A person's consent, refusals and withdrawals", responses=FRONTLINE)
def consents(app: WebApp, user: ApiUser, visit: CurrentVisit, actor: Annotated[Actor, require(SHARING_CONSENT_HISTORY)], person_id: PersonId,
             asked: PurposeQuery) -> list[ConsentOut]:
    """Newest first. The latest record covering a request decides it."""
    with app.transaction() as session:
        person = _seen(session, user, actor, person_id, asked)
        return [consent_out(consent) for consent in consent_history(session, person)]


@router.post("/api/v1/persons/{person_id}/consent", response_model=ConsentOut, status_code=201,
             summary="Record consent, a refusal or a withdrawal", responses=FRONTLINE | REFUSED)
def give_consent(app: WebApp, user: ApiUser, visit: CheckedWrite, actor: Annotated[Actor, require(SHARING_CONSENT_RECORD)], person_id: PersonId, body: ConsentIn,
                 asked: PurposeQuery) -> ConsentOut:
    """It applies to the very next request. Audited as `sharing.consent.record`."""
    refused: ConsentError | None = None
    with app.transaction() as session:  # the reads above are logged even when the record is refused
        person = _seen(session, user, actor, person_id, asked)
        try:
            with session.begin_nested():
                recorded = consent_out(record_consent(session, actor, person, **body.model_dump()))
        except ConsentError as exc:
            refused = exc
    if refused is not None:
        raise FieldRefused.of(400, refused.problems)
    return recorded


@router.post("/api/v1/persons/{person_id}/break-glass", response_model=BreakGlassStartedOut, status_code=201,
             summary="Start an emergency (break-glass) access", responses=FRONTLINE | REFUSED)
def break_glass(app: WebApp, user: ApiUser, visit: CheckedWrite, actor: Annotated[Actor, require(SHARING_BREAK_GLASS_START)], person_id: PersonId,
                body: BreakGlassIn) -> BreakGlassStartedOut:
    """For a limited time you see the person's non-sensitive information from every
    organisation. Your information governance lead reviews it. Audited as
    `sharing.break_glass.start`, and every read under it names the access."""
    with app.transaction() as session:
        person = person_by_id(session, person_id)
        if person is None:
            raise HTTPException(404, NO_PERSON)
        try:
            with session.begin_nested():
                access: BreakGlass = start_break_glass(session, actor, person, reason=body.reason,
                                                       minutes=body.minutes,
                                                       review_days=app.settings.break_glass_review_days)
        except BreakGlassError as exc:
            if exc.forbidden:
                raise HTTPException(403, exc.message) from exc
            raise FieldRefused.of(400, exc.problems) from exc
        return BreakGlassStartedOut(id=access.id, person_id=person.person_id, reason=access.reason,
                                    started_at=access.started_at, expires_at=access.expires_at,
                                    review_status=access.review_status)


@router.post("/api/v1/persons/{person_id}/decline", response_model=DeclinedOut, status_code=201,
             summary="Record your decision not to share", responses=FRONTLINE | REFUSED)
def decline(app: WebApp, user: ApiUser, visit: CheckedWrite, actor: Annotated[Actor, require(SHARING_DECLINE)], person_id: PersonId, body: DeclineIn,
            asked: PurposeQuery) -> DeclinedOut:
    """Your own decision not to share, and why, goes to the decision log like every other
    (golden rule 7). Audited as `sharing.decline`."""
    refused: DeclineError | None = None
    with app.transaction() as session:  # the reads above are logged even when the decision is refused
        person = _seen(session, user, actor, person_id, asked)
        try:
            with session.begin_nested():
                decision = record_declined(session, actor, person, purpose=body.purpose, recipient=body.recipient,
                                           reason=body.reason)
                declined = DeclinedOut(id=decision.id, at=decision.at, person_id=person.person_id,
                                       purpose=decision.purpose, outcome="declined", basis=decision.basis,
                                       reason=decision.reason)
        except DeclineError as exc:
            refused = exc
    if refused is not None:
        raise FieldRefused.of(400, refused.problems)
    return declined
