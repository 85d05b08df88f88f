"""The JSON API for governing sharing under ``/api/v1/sharing``: purposes and data
categories, agreements and their versions (author, sign, activate, suspend, end, and
the Cedar each version compiles to), the decision log and its CSV export, the consent
register, the break-glass review queue, "view as" and the data flows.

The same rules as the pages (:mod:`joinedup.web.sharing.pages`): for information
governance leads and administrators only (:func:`joinedup.accounts.roles.may_govern_sharing`,
audited either way, 403 for anyone else), except the consent script, which any
signed-in user may read. "View as" decides every record as the user it pretends to be
and returns only the fields that decision disclosed; it is audited.

Writes (POST, PUT, PATCH) use the signed-in session like every call, and must also send
the session's CSRF token in the ``X-CSRF-Token`` header: every response here carries it
in that header, and it is the ``csrf_token`` of any page's form.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from joinedup.errors import Refusal
from joinedup.people import person_by_id
from joinedup.permissions import FRONTLINE_ROLES, ROLES, SHARING_VIEW
from joinedup.sharing.break_glass import (
    BreakGlassError,
    break_glass_queue,
    review_break_glass,
)
from joinedup.sharing.consent import CONSENT_SCRIPT
from joinedup.sharing.flows import data_flows, version_policies
from joinedup.sharing.log import search_decisions
from joinedup.sharing.models import (
    AgreementVersion,
    DataCategory,
    Purpose,
    SharingAgreement,
)
from joinedup.sharing.rules import (
    RuleError,
    create_agreement,
    new_version,
    save_category,
    save_purpose,
    set_status,
    sign,
    update_draft,
)
from joinedup.sharing.training import set_training_sample, training_samples
from joinedup.web.access.api import ConsentOut, consent_out
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.linkage.api import CSRF_HEADER, CheckedWrite, offer_csrf
from joinedup.web.params import FieldRefused, Id, Offset, PersonId, Text
from joinedup.web.sharing.pages import (
    PURPOSE_CODE,
    SCRIPT_PLACEHOLDERS,
    ConsentQuery,
    LogQuery,
    ViewAsQuery,
    agreement_or_404,
    agreement_rows,
    consent_rows,
    csv_response,
    gate,
    glass_or_404,
    glass_views,
    log_rows,
    preview,
    preview_gate,
    version_or_404,
)

# --------------------------------------------------------------------------- schemas


class PurposeIn(BaseModel):
    name: Text = Field(min_length=1, max_length=200)
    description: Text = Field(default="", max_length=2000)
    safeguarding: bool = Field(default=False, description="Where an agreement says so, a stated safeguarding risk "
                                                          "overrides a refusal of consent for this purpose.")
    roles: list[Text] = Field(default_factory=list, max_length=10, description="The roles whose users may state "
                              "it (frontline purposes are for frontline roles; the data team, administrators, IG "
                              "leads and trainers are refused). Omitted: unchanged, or the frontline roles for a "
                              "new purpose.")


class PurposeNew(PurposeIn):
    code: Text = Field(min_length=1, max_length=40, description="Lower-case letters, digits and underscores.")


class PurposeOut(BaseModel):
    code: str
    name: str
    description: str
    safeguarding: bool
    roles: list[str] = Field(description="The roles whose users may state this purpose.")


class ServiceIO(BaseModel):
    """Which records are of a sensitive service: every record of ``source``, or those whose
    fact ``fact`` is one of ``values``."""

    source: Text = Field(min_length=1, max_length=40)
    fact: Text | None = Field(default=None, max_length=60)
    values: list[Text] = Field(default_factory=list)


class CategoryIn(BaseModel):
    name: Text = Field(min_length=1, max_length=200)
    description: Text = Field(default="", max_length=2000)
    fields: list[Text] = Field(default_factory=list, description="Source record fields it discloses.")
    facts: list[Text] = Field(default_factory=list, description="Fact keys it discloses.")
    sensitive: bool = False
    services: list[ServiceIO] = Field(default_factory=list, description="For a sensitive category.")


class CategoryNew(CategoryIn):
    code: Text = Field(min_length=1, max_length=40)


class CategoryOut(CategoryIn):
    code: str


class PartyIO(BaseModel):
    organisation: Text = Field(description="An organisation's code.")
    provides: bool
    receives: bool


class LawfulBasisIO(BaseModel):
    """The lawful basis, held apart from consent."""

    article6: list[Text] = Field(default_factory=list, description="UK GDPR Article 6 conditions.")
    article9: list[Text] = Field(default_factory=list, description="UK GDPR Article 9 conditions.")
    gateways: list[Text] = Field(default_factory=list, description="Statutory gateways, like Children Act 2004 s11.")


class TermsIn(BaseModel):
    """A draft's terms: only those sent change. A term that is a list, a map, an object or
    a yes/no cannot be null: send it empty (or false), or leave it out to keep it."""

    summary: Text | None = Field(default=None, max_length=2000)
    parties: list[PartyIO] = Field(default_factory=list)
    datasets: dict[Text, list[Text]] = Field(default_factory=dict,
                                             description="Purpose code → data category codes: the minimum "
                                                         "dataset for each purpose.")
    lawful_basis: LawfulBasisIO = Field(default_factory=LawfulBasisIO)
    consent_required: bool = False
    safeguarding_overrides: bool = False
    retention: Text | None = Field(default=None, max_length=2000)
    starts_on: date | None = None
    ends_on: date | None = None
    review_on: date | None = None
    ig_leads: list[Text] = Field(default_factory=list, max_length=20,
                                 description="Usernames of the IG leads named for this partnership: they review the "
                                 "break-glass accesses of parties that have no IG lead of their own in JoinedUp.")


class AgreementNew(TermsIn):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    title: Text = Field(min_length=1, max_length=300)


class SignatoryOut(BaseModel):
    organisation: str
    name: str
    role: str
    signed_on: date


class PolicyOut(BaseModel):
    policy_id: str = Field(description="The id decisions under it name, in the decision log.")
    purpose: str
    fields: list[str] = Field(description="What it discloses; a fact as fact:KEY.")
    cedar: str = Field(description="The Cedar policy text.")


class VersionOut(BaseModel):
    agreement: str
    version: int
    status: str = Field(description="draft, active, suspended or ended.")
    summary: str
    parties: list[PartyIO]
    datasets: dict[str, list[str]]
    lawful_basis: LawfulBasisIO
    consent_required: bool
    safeguarding_overrides: bool
    retention: str
    starts_on: date | None
    ends_on: date | None
    review_on: date | None
    ig_leads: list[str]
    signatories: list[SignatoryOut]
    created_by: str
    created_at: datetime
    changed_at: datetime
    policies: list[PolicyOut] | None = Field(
        default=None, description="The Cedar policies it compiles to (in force when active; otherwise what it "
                                  "compiles to when active). Only on a single version.")


class AgreementSummaryOut(BaseModel):
    code: str
    title: str
    latest_version: int | None
    status: str | None = Field(description="The latest version's status.")
    active_version: int | None
    parties: list[str] = Field(description="The active version's parties, or else the latest's.")
    review_on: date | None


class AgreementOut(BaseModel):
    code: str
    title: str
    versions: list[VersionOut] = Field(description="Newest first.")


class SignIn(BaseModel):
    organisation: Text = Field(description="The party that signs.")
    name: Text = Field(min_length=1, max_length=200)
    role: Text = Field(default="", max_length=200)
    signed_on: date | None = Field(default=None, description="Today when not given.")


class StatusIn(BaseModel):
    status: Literal["active", "suspended", "ended"]
    reason: Text = Field(default="", max_length=2000, description="Needed to suspend or end a version.")


class DecisionOut(BaseModel):
    """One decision to share or not."""

    id: int
    at: datetime
    username: str
    organisation: str | None = Field(description="The organisation of the user who asked.")
    person_id: str | None
    record_id: int | None
    source_organisation: str | None = Field(description="The organisation that holds the record.")
    action: str
    purpose: str
    outcome: str = Field(description="shared, withheld or declined.")
    basis: str
    agreement: str | None = Field(description="CODE vN of the agreement version that allowed it.")
    policy_ids: list[str]
    fields: list[str] = Field(description="The fields disclosed (names only).")
    reason: str
    channel: str
    break_glass_id: int | None


class DecisionPageOut(BaseModel):
    total: int
    limit: int
    offset: int
    decisions: list[DecisionOut] = Field(description="Newest first.")


class SeenOut(BaseModel):
    at: datetime
    record_id: int | None
    source_organisation: str
    purpose: str
    action: str
    fields: list[str]


class BreakGlassOut(BaseModel):
    id: int
    username: str
    organisation: str
    person_id: str | None
    reason: str
    started_at: datetime
    expires_at: datetime
    minutes: int
    open: bool = Field(description="Whether the access is still open.")
    review_status: str = Field(description="pending, appropriate or inappropriate.")
    reviewed_by: str
    reviewed_at: datetime | None
    review_note: str
    seen: list[SeenOut] = Field(description="What was seen under it, from the decision log.")


class ReviewIn(BaseModel):
    decision: Literal["appropriate", "inappropriate"]
    note: Text = Field(min_length=1, max_length=2000, description="The reasons, recorded with your name.")


class PreviewRecordOut(BaseModel):
    """A record as the pretend user would get it."""

    record_id: int
    allowed: bool
    shielded: bool = Field(description="A sensitive service: they see only that a service is involved.")
    reason: str
    policy_ids: list[str]
    fields: dict[str, Any] = Field(description="Only the fields the decision disclosed; empty when withheld.")


class ViewAsOut(BaseModel):
    person_id: str
    organisation: str
    role: str
    purpose: str
    safeguarding_risk: bool
    records: list[PreviewRecordOut]


class FlowOut(BaseModel):
    provider: str
    recipient: str
    purpose: str
    categories: list[str]
    agreement: str
    version: int


class ScriptOut(BaseModel):
    script: str = Field(description="The words practitioners read, with {placeholders}.")
    placeholders: dict[str, str] = Field(description="What to say in each placeholder.")


# --------------------------------------------------------------------------- plumbing

router = APIRouter(
    prefix="/api/v1/sharing",
    tags=["sharing"],
    responses=UNAUTHENTICATED | {403: {"model": Problem, "description": SHARING_VIEW.refusal}, 422: {"model": Problem}},
    dependencies=[Depends(offer_csrf)],
)
WRITE = {403: {"model": Problem, "description": f"{SHARING_VIEW.refusal} Or the {CSRF_HEADER} header is missing."},
         409: {"model": Problem, "description": "The rules do not allow this change; the detail says why."}}
NOT_FOUND = {404: {"model": Problem}}
Limit = Annotated[int, Query(ge=1, le=500)]
#: A purpose's, category's or agreement's code in a path.
Code = Annotated[Text, Path(max_length=40, description="The code.")]
#: The pages' names for the fields a query's checks refuse, where the API's names differ.
API_FIELDS = {"person": "person_id"}


def _purpose(purpose: Purpose) -> PurposeOut:
    return PurposeOut(code=purpose.code, name=purpose.name, description=purpose.description or "",
                      safeguarding=purpose.safeguarding, roles=list(purpose.roles or []))


def _category(category: DataCategory) -> CategoryOut:
    return CategoryOut(code=category.code, name=category.name, description=category.description or "",
                       fields=list(category.fields or []), facts=list(category.facts or []),
                       sensitive=category.sensitive,
                       services=[ServiceIO(**service) for service in category.services or []])


def _version(session, version: AgreementVersion, *, policies: bool = False) -> VersionOut:
    basis = version.lawful_basis or {}
    compiled = None
    if policies:
        compiled = [PolicyOut(policy_id=policy.policy_id, purpose=policy.purpose, fields=list(policy.fields),
                              cedar=policy.text) for policy in version_policies(session, version)]
    return VersionOut(
        agreement=version.agreement.code, version=version.version, status=version.status,
        summary=version.summary or "", parties=[PartyIO(**party) for party in version.parties or []],
        datasets={purpose: list(wanted) for purpose, wanted in (version.datasets or {}).items()},
        lawful_basis=LawfulBasisIO(article6=basis.get("article6", []), article9=basis.get("article9", []),
                                   gateways=basis.get("gateways", [])),
        consent_required=version.consent_required, safeguarding_overrides=version.safeguarding_overrides,
        retention=version.retention or "", starts_on=version.starts_on, ends_on=version.ends_on,
        review_on=version.review_on, ig_leads=list(version.ig_leads or []),
        signatories=[SignatoryOut(**signature) for signature in version.signatories or []],
        created_by=version.created_by or "", created_at=version.created_at, changed_at=version.changed_at,
        policies=compiled,
    )


def _terms(body: TermsIn) -> dict[str, Any]:
    terms = body.model_dump(exclude_unset=True, exclude={"code", "title"})
    return {name: ("" if value is None and name in ("summary", "retention") else value)
            for name, value in terms.items()}


def _refused(exc: Refusal, body: BaseModel | None = None) -> HTTPException:
    """A change the rules refuse: 409, naming the field when the refusal is about one
    field the request sent; otherwise about the state of things (a draft already waits,
    a party has not signed), with no field."""
    if exc.forbidden:
        return HTTPException(403, exc.message)
    if body is not None and exc.field in type(body).model_fields:
        return FieldRefused(409, exc.field, exc.message)
    return HTTPException(409, exc.message)


def _query_refused(errors: list[tuple[str, str]]) -> FieldRefused:
    """The first problem a page's query checks found, named as the API names its field."""
    field, message = errors[0]
    return FieldRefused(422, API_FIELDS.get(field, field), message + ".")


# --------------------------------------------------------------------------- purposes and categories


@router.get("/purposes", response_model=list[PurposeOut], summary="Purposes")
def list_purposes(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[PurposeOut]:
    """Why someone may look: the purposes agreements name and practitioners state."""
    gate(app, visit.actor("api"), action="sharing.purposes.view")
    with app.transaction() as session:
        return [_purpose(item) for item in session.scalars(select(Purpose).order_by(Purpose.code))]


@router.post("/purposes", response_model=PurposeOut, status_code=201, summary="Add a purpose", responses=WRITE)
def add_purpose(app: WebApp, user: ApiUser, visit: CheckedWrite, body: PurposeNew) -> PurposeOut:
    actor = visit.actor("api")
    gate(app, actor, action="sharing.purpose.save", subject_id=body.code[:40])
    try:
        with app.transaction() as session:
            roles = body.roles if "roles" in body.model_fields_set else list(FRONTLINE_ROLES)
            return _purpose(save_purpose(session, actor, body.code, name=body.name, description=body.description,
                                         safeguarding=body.safeguarding, roles=roles, new=True))
    except RuleError as exc:
        raise _refused(exc, body) from exc


@router.put("/purposes/{code}", response_model=PurposeOut, summary="Change a purpose", responses=WRITE | NOT_FOUND)
def change_purpose(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, body: PurposeIn) -> PurposeOut:
    """A change applies from the very next request. Audited as `sharing.purpose.save`."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.purpose.save", subject_id=code[:40])
    with app.transaction() as session:
        if not PURPOSE_CODE.fullmatch(code) or not session.scalar(select(Purpose.id).where(Purpose.code == code)):
            raise HTTPException(404, "There is no purpose with this code.")
        try:
            with session.begin_nested():
                return _purpose(save_purpose(session, actor, code, name=body.name, description=body.description,
                                             safeguarding=body.safeguarding,
                                             roles=body.roles if "roles" in body.model_fields_set else None))
        except RuleError as exc:
            raise _refused(exc, body) from exc


@router.get("/categories", response_model=list[CategoryOut], summary="Data categories")
def list_categories(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[CategoryOut]:
    """The record fields and facts each category discloses; a sensitive one names the records
    of its sensitive service."""
    gate(app, visit.actor("api"), action="sharing.categories.view")
    with app.transaction() as session:
        return [_category(item) for item in session.scalars(select(DataCategory).order_by(DataCategory.code))]


def _save_category(app, actor, code: str, body: CategoryIn, *, new: bool) -> CategoryOut:
    try:
        with app.transaction() as session:
            clean = code.strip().lower().replace(" ", "_").replace("-", "_")
            exists = session.scalar(select(DataCategory.id).where(DataCategory.code == clean))
            if new and exists:
                raise FieldRefused(409, "code", f"There is already a data category {clean}.")
            if not new and not exists:
                raise HTTPException(404, "There is no data category with this code.")
            return _category(save_category(
                session, actor, code, name=body.name, description=body.description, fields=body.fields,
                facts=body.facts, sensitive=body.sensitive,
                services=[service.model_dump(exclude_none=True) for service in body.services] if body.sensitive else [],
            ))
    except RuleError as exc:
        raise _refused(exc, body) from exc


@router.post("/categories", response_model=CategoryOut, status_code=201, summary="Add a data category",
             responses=WRITE)
def add_category(app: WebApp, user: ApiUser, visit: CheckedWrite, body: CategoryNew) -> CategoryOut:
    actor = visit.actor("api")
    gate(app, actor, action="sharing.category.save", subject_id=body.code[:40])
    return _save_category(app, actor, body.code, body, new=True)


@router.put("/categories/{code}", response_model=CategoryOut, summary="Change a data category",
            responses=WRITE | NOT_FOUND)
def change_category(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, body: CategoryIn) -> CategoryOut:
    """A change applies from the very next request to every active agreement naming it."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.category.save", subject_id=code[:40])
    if not PURPOSE_CODE.fullmatch(code):
        raise HTTPException(404, "There is no data category with this code.")
    return _save_category(app, actor, code, body, new=False)


# --------------------------------------------------------------------------- agreements


@router.get("/agreements", response_model=list[AgreementSummaryOut], summary="Sharing agreements")
def list_agreements(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[AgreementSummaryOut]:
    """Each agreement with its latest version and status, its active version, parties and review date."""
    gate(app, visit.actor("api"), action="sharing.agreements.view")
    with app.transaction() as session:
        return [
            AgreementSummaryOut(
                code=row.agreement.code, title=row.agreement.title,
                latest_version=row.latest.version if row.latest else None,
                status=row.latest.status if row.latest else None,
                active_version=row.active.version if row.active else None,
                parties=[party["organisation"] for party in (row.shown.parties if row.shown else []) or []],
                review_on=row.shown.review_on if row.shown else None,
            )
            for row in agreement_rows(session)
        ]


@router.post("/agreements", response_model=VersionOut, status_code=201, summary="Author a new agreement",
             responses=WRITE)
def add_agreement(app: WebApp, user: ApiUser, visit: CheckedWrite, body: AgreementNew) -> VersionOut:
    """The agreement and its first version, a draft: it allows nothing until every party has
    signed and it is made active."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.create", subject_id=body.code[:40])
    try:
        with app.transaction() as session:
            version = create_agreement(session, actor, body.code, body.title, **_terms(body))
            return _version(session, version)
    except RuleError as exc:
        raise _refused(exc, body) from exc


@router.get("/agreements/{code}", response_model=AgreementOut, summary="An agreement and every version",
            responses=NOT_FOUND)
def get_agreement(app: WebApp, user: ApiUser, visit: CurrentVisit, code: Code) -> AgreementOut:
    gate(app, visit.actor("api"), action="sharing.agreements.view", subject_id=code[:40])
    with app.transaction() as session:
        agreement = _agreement(session, code)
        return AgreementOut(code=agreement.code, title=agreement.title,
                            versions=[_version(session, version) for version in reversed(agreement.versions)])


def _agreement(session, code: str) -> SharingAgreement:
    try:
        return agreement_or_404(session, code)
    except HTTPException as exc:
        raise HTTPException(404, "There is no agreement with this code.") from exc


def _one_version(session, code: str, number: int) -> AgreementVersion:
    try:
        return version_or_404(session, code, number)
    except HTTPException as exc:
        raise HTTPException(404, "There is no such agreement version.") from exc


@router.get("/agreements/{code}/versions/{version}", response_model=VersionOut,
            summary="An agreement version, with its Cedar policies", responses=NOT_FOUND)
def get_version(app: WebApp, user: ApiUser, visit: CurrentVisit, code: Code, version: Id) -> VersionOut:
    """Its terms, signatories, and the Cedar policies it compiles to."""
    gate(app, visit.actor("api"), action="sharing.agreements.view",
         subject_id=f"{code[:40]} v{version}")
    with app.transaction() as session:
        return _version(session, _one_version(session, code, version), policies=True)


@router.patch("/agreements/{code}/versions/{version}", response_model=VersionOut, summary="Change a draft",
              responses=WRITE | NOT_FOUND)
def change_draft(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, version: Id,
                 body: TermsIn) -> VersionOut:
    """Only a draft changes (409 otherwise); only the terms sent change."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.update",
         subject_id=f"{code[:40]} v{version}")
    try:
        with app.transaction() as session:
            found = _one_version(session, code, version)
            return _version(session, update_draft(session, actor, found, **_terms(body)))
    except RuleError as exc:
        raise _refused(exc, body) from exc


@router.post("/agreements/{code}/versions", response_model=VersionOut, status_code=201,
             summary="Make a new version", responses=WRITE | NOT_FOUND)
def add_version(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code) -> VersionOut:
    """A new draft with the latest version's terms and no signatures (409 while a draft exists)."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.version", subject_id=code[:40])
    try:
        with app.transaction() as session:
            return _version(session, new_version(session, actor, _agreement(session, code)))
    except RuleError as exc:
        raise _refused(exc) from exc


@router.post("/agreements/{code}/versions/{version}/signatures", response_model=VersionOut,
             summary="Record a party's signature", responses=WRITE | NOT_FOUND)
def add_signature(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, version: Id,
                  body: SignIn) -> VersionOut:
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.sign",
         subject_id=f"{code[:40]} v{version}")
    if body.signed_on is not None and body.signed_on > date.today():
        raise FieldRefused(422, "signed_on", "The date signed must be today or in the past.")
    try:
        with app.transaction() as session:
            found = _one_version(session, code, version)
            if found.status != "draft":
                raise RuleError("Only a draft is signed: make a new version.")
            return _version(session, sign(session, actor, found, organisation=body.organisation, name=body.name,
                                          role=body.role, signed_on=body.signed_on))
    except RuleError as exc:
        raise _refused(exc, body) from exc


@router.post("/agreements/{code}/versions/{version}/status", response_model=VersionOut,
             summary="Activate, suspend or end a version", responses=WRITE | NOT_FOUND)
def change_status(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, version: Id,
                  body: StatusIn) -> VersionOut:
    """Takes effect on the very next request. Activating needs every party's signature and ends
    the version it replaces. Audited as `sharing.agreement.<status>`, with the reason."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.status",
         subject_id=f"{code[:40]} v{version}", details={"status": body.status})
    if body.status in ("suspended", "ended") and not body.reason.strip():
        raise FieldRefused(422, "reason", "Give the reason to suspend or end a version.")
    try:
        with app.transaction() as session:
            found = _one_version(session, code, version)
            return _version(session, set_status(session, actor, found, body.status, reason=body.reason.strip()))
    except RuleError as exc:
        raise _refused(exc, body) from exc


# --------------------------------------------------------------------------- the decision log


def _log_query(person_id: str, username: str, organisation: str, agreement: str, outcome: str) -> LogQuery:
    return LogQuery(person_id.strip().upper()[:21], username.strip()[:121], organisation.strip()[:40],
                    agreement.strip().upper()[:41], outcome.strip()[:20])


@router.get("/decisions", response_model=DecisionPageOut, summary="Search the decision log")
def decisions(app: WebApp, user: ApiUser, visit: CurrentVisit, person_id: Text = "", username: Text = "",
              organisation: Annotated[Text, Query(description="The code of the asking user's organisation.")] = "",
              agreement: Annotated[Text, Query(description="An agreement's code.")] = "",
              outcome: Annotated[Text, Query(description="shared, withheld or declined.")] = "",
              limit: Limit = 50, offset: Offset = 0) -> DecisionPageOut:
    """Every decision to share or not, newest first, with its basis and the policies that decided."""
    query = _log_query(person_id, username, organisation, agreement, outcome)
    gate(app, visit.actor("api"), action="sharing.log.view",
         details={"filters": query.params(), "offset": offset})
    with app.transaction() as session:
        filters, errors = query.filters(session)
        if filters is None:
            raise _query_refused(errors)
        found, total = search_decisions(session, filters, limit=limit, offset=offset)
        out = []
        for row in log_rows(session, found):
            decision = row.decision
            out.append(DecisionOut(
                id=decision.id, at=decision.at, username=decision.username,
                organisation=row.organisation_code or None,
                person_id=decision.person_id, record_id=decision.record_id,
                source_organisation=row.source_organisation_code or None,
                action=decision.action, purpose=decision.purpose, outcome=decision.outcome, basis=decision.basis,
                agreement=row.agreement or None, policy_ids=list(decision.policy_ids or []),
                fields=list(decision.fields or []), reason=decision.reason, channel=decision.channel,
                break_glass_id=decision.break_glass_id,
            ))
        return DecisionPageOut(total=total, limit=limit, offset=offset, decisions=out)


@router.get("/decisions/export", summary="Export the decision log as CSV",
            responses={200: {"content": {"text/csv": {}}, "description": "The matching decisions, oldest first."}})
def export(app: WebApp, user: ApiUser, visit: CurrentVisit, person_id: Text = "", username: Text = "",
           organisation: Text = "", agreement: Text = "", outcome: Text = "") -> Response:
    """The same filters as the search. The export is itself audited (`sharing.log.export`)."""
    actor = visit.actor("api")
    query = _log_query(person_id, username, organisation, agreement, outcome)
    gate(app, actor, action="sharing.log.export", details={"filters": query.params()})
    try:
        return csv_response(app, actor, query)
    except FieldRefused as exc:
        raise _query_refused([(exc.field, exc.message)]) from exc


# --------------------------------------------------------------------------- break-glass


def _glass(view) -> BreakGlassOut:
    access = view.access
    return BreakGlassOut(
        id=access.id, username=access.username, organisation=view.organisation, person_id=view.person_id or None,
        reason=access.reason, started_at=access.started_at, expires_at=access.expires_at, minutes=view.minutes,
        open=view.active, review_status=access.review_status, reviewed_by=access.reviewed_by or "",
        reviewed_at=access.reviewed_at, review_note=access.review_note or "",
        seen=[SeenOut(at=item.at, record_id=item.record_id, source_organisation=item.source_organisation,
                      purpose=item.purpose, action=item.action, fields=item.fields) for item in view.seen],
    )


class ConsentEntryOut(ConsentOut):
    person_id: str = Field(description="The person's public id.")
    recorded_by_organisation: str = Field(description="The organisation of the user who recorded it.")


class ConsentPageOut(BaseModel):
    total: int = Field(description="How many records match.")
    consents: list[ConsentEntryOut]


@router.get("/consent", response_model=ConsentPageOut, summary="The consent register")
def consent_register(app: WebApp, user: ApiUser, visit: CurrentVisit,
                     person_id: Annotated[Text, Query(max_length=21, description="Only this person's.")] = "",
                     decision: Annotated[Text, Query(max_length=20, description="given, refused or withdrawn.")] = "",
                     limit: Limit = 50, offset: Offset = 0) -> ConsentPageOut:
    """Every consent, refusal and withdrawal recorded, newest first. Audited as
    `sharing.consent.view`."""
    query = ConsentQuery(person_id.strip().upper(), decision.strip())
    gate(app, visit.actor("api"), action="sharing.consent.view",
         details={"filters": query.params(), "offset": offset})
    if errors := query.errors():
        raise _query_refused(errors)
    with app.transaction() as session:
        rows, total = consent_rows(session, query, limit=limit, offset=offset)
    return ConsentPageOut(total=total, consents=[
        ConsentEntryOut(**consent_out(consent).model_dump(), person_id=person, recorded_by_organisation=organisation)
        for consent, person, organisation in rows])


@router.get("/break-glass", response_model=list[BreakGlassOut], summary="The break-glass review queue")
def glass_queue(app: WebApp, user: ApiUser, visit: CurrentVisit,
                status: Literal["pending", "all"] = "pending") -> list[BreakGlassOut]:
    """Emergency accesses by users of your organisation (every organisation's, for an
    administrator), newest first, with what was seen under each."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.break_glass.view", details={"show": status})
    with app.transaction() as session:
        views = glass_views(session, break_glass_queue(session, actor, pending_only=status == "pending"))
        return [_glass(view) for view in views]


def _one_glass(session, actor, access_id: Id):
    try:
        return glass_or_404(session, actor, access_id)
    except HTTPException as exc:
        raise HTTPException(404, "There is no break-glass access with this id for you to review.") from exc


@router.get("/break-glass/{access_id}", response_model=BreakGlassOut, summary="A break-glass access",
            responses=NOT_FOUND)
def glass(app: WebApp, user: ApiUser, visit: CurrentVisit, access_id: Id) -> BreakGlassOut:
    actor = visit.actor("api")
    gate(app, actor, action="sharing.break_glass.view", subject_id=access_id)
    with app.transaction() as session:
        (view,) = glass_views(session, [_one_glass(session, actor, access_id)])
        return _glass(view)


@router.post("/break-glass/{access_id}/review", response_model=BreakGlassOut, summary="Review a break-glass access",
             responses=WRITE | NOT_FOUND)
def review(app: WebApp, user: ApiUser, visit: CheckedWrite, access_id: Id, body: ReviewIn) -> BreakGlassOut:
    """Appropriate or inappropriate, with your reasons. Audited as `sharing.break_glass.review`."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.break_glass.review", subject_id=access_id)
    try:
        with app.transaction() as session:
            access = review_break_glass(session, actor, _one_glass(session, actor, access_id), decision=body.decision,
                                        note=body.note)
            (view,) = glass_views(session, [access])
            return _glass(view)
    except BreakGlassError as exc:
        raise _refused(exc, body) from exc


# --------------------------------------------------------------------------- view as, flows, the script


@router.get("/view-as", response_model=ViewAsOut, summary="See a person as another organisation and role would")
def view_as(app: WebApp, user: ApiUser, visit: CurrentVisit,
            person_id: Annotated[Text, Query(description="The person's public id.")],
            organisation: Annotated[Text, Query(description="An organisation's code.")],
            role: Annotated[Text, Query(description=f"One of: {', '.join(ROLES)}.")],
            purpose: Annotated[Text, Query(description="The purpose they state; none when empty.")] = "",
            safeguarding_risk: bool = False) -> ViewAsOut:
    """Each of the person's records decided by the policy point as that user, with only the
    fields it disclosed. Logged on the `preview` channel and audited as `sharing.preview`."""
    actor = visit.actor("api")
    query = ViewAsQuery(organisation.strip()[:40], role.strip()[:40], purpose.strip()[:40], safeguarding_risk,
                        person_id.strip().upper()[:21])
    preview_gate(app, actor, subject_id=query.person)
    with app.transaction() as session:
        person, records, errors = preview(session, actor, query)
    if errors:
        message = errors[0][1]
        if message.startswith("There is no person"):
            raise HTTPException(404, message + ".")
        if "set aside for training" in message:
            raise HTTPException(403, message + ".")
        raise _query_refused(errors)
    return ViewAsOut(
        person_id=person.person_id, organisation=query.organisation, role=query.role, purpose=query.purpose,
        safeguarding_risk=query.risk,
        records=[PreviewRecordOut(record_id=record.decision.record_id, allowed=record.decision.allowed,
                                  shielded=record.decision.shielded, reason=record.decision.reason,
                                  policy_ids=list(record.decision.policy_ids), fields=record.fields)
                 for record in records],
    )


class TrainingSampleOut(BaseModel):
    person_id: str
    note: str = Field(description="Why the person suits training, as the IG lead put it.")


class TrainingSampleIn(BaseModel):
    note: Text = Field(default="", max_length=2000)


@router.get("/training-samples", response_model=list[TrainingSampleOut],
            summary="The persons set aside for training")
def samples(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[TrainingSampleOut]:
    """The only persons a trainer may see through `view-as`. For IG leads, administrators and trainers."""
    preview_gate(app, visit.actor("api"))
    with app.transaction() as session:
        return [TrainingSampleOut(person_id=person_id, note=note) for person_id, note in training_samples(session)]


def _sample_person(session, person_id: str):
    person = person_by_id(session, person_id.strip().upper())
    if person is None:
        raise HTTPException(404, "There is no person with this id.")
    return person


@router.put("/training-samples/{person_id}", response_model=TrainingSampleOut, summary="Set a person aside for training",
            responses=WRITE | NOT_FOUND)
def add_sample(app: WebApp, user: ApiUser, visit: CheckedWrite, person_id: PersonId,
               body: TrainingSampleIn) -> TrainingSampleOut:
    """Trainers may then preview the person. Audited as `sharing.training_sample.add`."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.training_sample.save", subject_id=person_id[:21])
    with app.transaction() as session:
        person = _sample_person(session, person_id)
        set_training_sample(session, actor, person, sample=True, note=body.note)
        return TrainingSampleOut(person_id=person.person_id, note=body.note.strip())


@router.delete("/training-samples/{person_id}", status_code=204, summary="Stop using a person for training",
               responses=WRITE | NOT_FOUND)
def remove_sample(app: WebApp, user: ApiUser, visit: CheckedWrite, person_id: PersonId) -> Response:
    """Audited as `sharing.training_sample.remove`."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.training_sample.save", subject_id=person_id[:21])
    with app.transaction() as session:
        set_training_sample(session, actor, _sample_person(session, person_id), sample=False)
    return Response(status_code=204)


@router.get("/flows", response_model=list[FlowOut], summary="The data flows of the live agreements")
def flows(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[FlowOut]:
    """Who gives what to whom, for which purpose, under which active agreement version."""
    gate(app, visit.actor("api"), action="sharing.map.view")
    with app.transaction() as session:
        return [FlowOut(provider=flow.provider, recipient=flow.recipient, purpose=flow.purpose,
                        categories=list(flow.categories), agreement=flow.agreement, version=flow.version)
                for flow in data_flows(session)]


@router.get("/consent-script", response_model=ScriptOut, summary="The consent script")
def consent_script(user: ApiUser) -> ScriptOut:
    """The words practitioners read before asking for consent. For every signed-in user."""
    return ScriptOut(script=CONSENT_SCRIPT, placeholders=dict(SCRIPT_PLACEHOLDERS))

