"""The sharing rules through the API: purposes, data categories, and agreements with their
versions (author, sign, activate, suspend, end, and the Cedar each version compiles to).
Every rule is the domain's (:mod:`joinedup.sharing.rules`), the same the pages call."""

from __future__ import annotations

from typing import Any

from joinedup.permissions import FRONTLINE_ROLES
from joinedup.sharing.agreements import agreement_rows, categories, purposes
from joinedup.sharing.flows import version_policies
from joinedup.sharing.models import AgreementVersion, DataCategory, Purpose
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
from joinedup.web.api import CheckedWrite
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.params import Id
from joinedup.web.sharing.answers import NOT_FOUND, WRITE, Code, refused, sharing_router
from joinedup.web.sharing.schemas import (
    AgreementNew,
    AgreementOut,
    AgreementSummaryOut,
    CategoryIn,
    CategoryNew,
    CategoryOut,
    LawfulBasisIO,
    PartyIO,
    PolicyOut,
    PurposeIn,
    PurposeNew,
    PurposeOut,
    ServiceIO,
    SignatoryOut,
    SignIn,
    StatusIn,
    TermsIn,
    VersionOut,
)
from joinedup.web.sharing.views import (
    agreement_or_404,
    category_or_404,
    gate,
    purpose_or_404,
    version_or_404,
)

router = sharing_router()

NO_PURPOSE = "There is no purpose with this code."
NO_CATEGORY = "There is no data category with this code."
NO_AGREEMENT = "There is no agreement with this code."
NO_VERSION = "There is no such agreement version."


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


# --------------------------------------------------------------------------- purposes and categories


@router.get("/purposes", response_model=list[PurposeOut], summary="Purposes")
def list_purposes(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[PurposeOut]:
    """Why someone may look: the purposes agreements name and practitioners state."""
    gate(app, visit.actor("api"), action="sharing.purposes.view")
    with app.transaction() as session:
        return [_purpose(item) for item in sorted(purposes(session), key=lambda item: item.code)]


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
        raise refused(exc, PurposeNew) from exc


@router.put("/purposes/{code}", response_model=PurposeOut, summary="Change a purpose", responses=WRITE | NOT_FOUND)
def change_purpose(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, body: PurposeIn) -> PurposeOut:
    """A change applies from the very next request. Audited as `sharing.purpose.save`."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.purpose.save", subject_id=code[:40])
    with app.transaction() as session:
        purpose_or_404(session, code, NO_PURPOSE)
        try:
            with session.begin_nested():
                return _purpose(save_purpose(session, actor, code, name=body.name, description=body.description,
                                             safeguarding=body.safeguarding,
                                             roles=body.roles if "roles" in body.model_fields_set else None))
        except RuleError as exc:
            raise refused(exc, PurposeIn) from exc


@router.get("/categories", response_model=list[CategoryOut], summary="Data categories")
def list_categories(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[CategoryOut]:
    """The record fields and facts each category discloses; a sensitive one names the records
    of its sensitive service."""
    gate(app, visit.actor("api"), action="sharing.categories.view")
    with app.transaction() as session:
        return [_category(item) for item in sorted(categories(session), key=lambda item: item.code)]


def _save_category(app, actor, code: str, body: CategoryIn, *, new: bool) -> CategoryOut:
    try:
        with app.transaction() as session:
            if not new:
                category_or_404(session, code, NO_CATEGORY)
            return _category(save_category(
                session, actor, code, name=body.name, description=body.description, fields=body.fields,
                facts=body.facts, sensitive=body.sensitive,
                services=[service.model_dump(exclude_none=True) for service in body.services] if body.sensitive else [],
                new=new,
            ))
    except RuleError as exc:
        raise refused(exc, type(body)) from exc


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
            return _version(session, create_agreement(session, actor, body.code, body.title, **_terms(body)))
    except RuleError as exc:
        raise refused(exc, AgreementNew) from exc


@router.get("/agreements/{code}", response_model=AgreementOut, summary="An agreement and every version",
            responses=NOT_FOUND)
def get_agreement(app: WebApp, user: ApiUser, visit: CurrentVisit, code: Code) -> AgreementOut:
    gate(app, visit.actor("api"), action="sharing.agreements.view", subject_id=code[:40])
    with app.transaction() as session:
        agreement = agreement_or_404(session, code, NO_AGREEMENT)
        return AgreementOut(code=agreement.code, title=agreement.title,
                            versions=[_version(session, version) for version in reversed(agreement.versions)])


@router.get("/agreements/{code}/versions/{version}", response_model=VersionOut,
            summary="An agreement version, with its Cedar policies", responses=NOT_FOUND)
def get_version(app: WebApp, user: ApiUser, visit: CurrentVisit, code: Code, version: Id) -> VersionOut:
    """Its terms, signatories, and the Cedar policies it compiles to."""
    gate(app, visit.actor("api"), action="sharing.agreements.view", subject_id=f"{code[:40]} v{version}")
    with app.transaction() as session:
        return _version(session, version_or_404(session, code, version, NO_VERSION), policies=True)


@router.patch("/agreements/{code}/versions/{version}", response_model=VersionOut, summary="Change a draft",
              responses=WRITE | NOT_FOUND)
def change_draft(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, version: Id,
                 body: TermsIn) -> VersionOut:
    """Only a draft changes (409 otherwise); only the terms sent change."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.update", subject_id=f"{code[:40]} v{version}")
    try:
        with app.transaction() as session:
            found = version_or_404(session, code, version, NO_VERSION)
            return _version(session, update_draft(session, actor, found, **_terms(body)))
    except RuleError as exc:
        raise refused(exc, TermsIn) from exc


@router.post("/agreements/{code}/versions", response_model=VersionOut, status_code=201,
             summary="Make a new version", responses=WRITE | NOT_FOUND)
def add_version(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code) -> VersionOut:
    """A new draft with the latest version's terms and no signatures (409 while a draft exists)."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.version", subject_id=code[:40])
    try:
        with app.transaction() as session:
            return _version(session, new_version(session, actor, agreement_or_404(session, code, NO_AGREEMENT)))
    except RuleError as exc:
        raise refused(exc) from exc


@router.post("/agreements/{code}/versions/{version}/signatures", response_model=VersionOut,
             summary="Record a party's signature", responses=WRITE | NOT_FOUND)
def add_signature(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, version: Id,
                  body: SignIn) -> VersionOut:
    """Only a draft is signed, on a day that has come (422 for a date still to come)."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.sign", subject_id=f"{code[:40]} v{version}")
    try:
        with app.transaction() as session:
            found = version_or_404(session, code, version, NO_VERSION)
            return _version(session, sign(session, actor, found, organisation=body.organisation, name=body.name,
                                          role=body.role, signed_on=body.signed_on))
    except RuleError as exc:
        raise refused(exc, SignIn) from exc


@router.post("/agreements/{code}/versions/{version}/status", response_model=VersionOut,
             summary="Activate, suspend or end a version", responses=WRITE | NOT_FOUND)
def change_status(app: WebApp, user: ApiUser, visit: CheckedWrite, code: Code, version: Id,
                  body: StatusIn) -> VersionOut:
    """Takes effect on the very next request. Activating needs every party's signature and ends
    the version it replaces; suspending or ending needs a reason (422 without). Audited as
    `sharing.agreement.status`, with the reason."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.agreement.status", subject_id=f"{code[:40]} v{version}",
         details={"status": body.status})
    try:
        with app.transaction() as session:
            found = version_or_404(session, code, version, NO_VERSION)
            return _version(session, set_status(session, actor, found, body.status, reason=body.reason.strip()))
    except RuleError as exc:
        raise refused(exc, StatusIn) from exc
