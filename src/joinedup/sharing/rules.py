"""Editing the rules: purposes, data categories, agreements and their versions.

Every change is audited and bumps the rules version (:func:`~joinedup.sharing.policy.bump_rules`),
so the policy point compiles the rules again on the very next request. Agreements are
versioned: only a draft is edited; :func:`new_version` copies the latest terms into a
new draft; :func:`set_status` activates, suspends or ends a version (activating one ends
the version it replaces). Decisions keep pointing at the version that allowed them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.accounts.models import User
from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.errors import Refusal
from joinedup.partners.models import Organisation
from joinedup.permissions import NON_READING_ROLES, ROLES
from joinedup.sharing.models import (
    AGREEMENT_STATUSES,
    AgreementVersion,
    DataCategory,
    Purpose,
    SharingAgreement,
)
from joinedup.sharing.policy import INVOLVEMENT_FIELDS, RECORD_FIELDS, bump_rules

#: The terms of a version that a draft may change.
TERMS = ("summary", "parties", "datasets", "lawful_basis", "consent_required", "safeguarding_overrides",
         "retention", "starts_on", "ends_on", "review_on", "ig_leads")
#: Why a role is never given a purpose, in the words of the promise it keeps.
NEVER_A_PURPOSE = {
    "data_team": "the data team processes records for the index and addresses, and never sees a fact",
    "admin": "administrators run the service and read records for processing only",
    "ig_lead": "IG leads govern sharing and see persons only through 'view as'",
    "trainer": "trainers see training samples only, through 'view as'",
}
assert set(NEVER_A_PURPOSE) == set(NON_READING_ROLES)


class RuleError(Refusal):
    """A change the rules do not allow, with a message for the person making it and the
    field it is about."""

    status = 409


class TermRefused(RuleError):
    """A value no agreement may hold, whatever its state (a signed date still to come, a
    suspension without its reason): a refusal of what was sent, answered 422."""

    status = 422


def _audit(session: Session, actor: Actor, action: str, subject_type: str, subject_id: Any, details: dict) -> None:
    record_event(session, actor, action=action, outcome="success", subject_type=subject_type,
                 subject_id=subject_id, details=details)


# --------------------------------------------------------------------------- purposes and categories


def save_purpose(session: Session, actor: Actor, code: str, *, name: str, description: str = "",
                 safeguarding: bool = False, roles: list[str] | None = None, new: bool = False) -> Purpose:
    """Add (``new``: the code must be unused) or change a purpose, with the roles whose
    users may state it (``None`` keeps a purpose's roles as they are). Frontline purposes
    are for frontline roles: a role the documents promise never reads persons' records is
    refused."""
    code = _code(code)
    purpose = session.scalar(select(Purpose).where(Purpose.code == code))
    if purpose is not None and new:
        raise RuleError(f"There is already a purpose {code}: change that one.", "code")
    purpose = purpose or Purpose(code=code)
    if roles is not None:
        purpose.roles = check_purpose_roles(roles)
    elif purpose.roles is None:
        purpose.roles = []
    purpose.name, purpose.description, purpose.safeguarding = name.strip() or code, description, safeguarding
    session.add(purpose)
    bump_rules(session)
    _audit(session, actor, "sharing.purpose.save", "purpose", code,
           {"name": purpose.name, "safeguarding": safeguarding, "roles": list(purpose.roles or [])})
    return purpose


def check_purpose_roles(roles: list[str]) -> list[str]:
    """The roles that may state a purpose, checked: known roles, none of them a role that
    never reads persons' records."""
    wanted = sorted(set(roles))
    unknown = [role for role in wanted if role not in ROLES]
    if unknown:
        raise RuleError(f"There is no role {', '.join(unknown)}.", "roles")
    barred = [role for role in wanted if role in NEVER_A_PURPOSE]
    if barred:
        raise RuleError("A purpose is never stated by " + "; ".join(
            f"{role.replace('_', ' ')}: {NEVER_A_PURPOSE[role]}" for role in barred) + ".", "roles")
    return wanted


def save_category(session: Session, actor: Actor, code: str, *, name: str, fields: list[str], facts: list[str],
                  description: str = "", sensitive: bool = False, services: list[dict] | None = None,
                  new: bool = False) -> DataCategory:
    """Add (``new``: the code must be unused) or change a data category."""
    code = _code(code)
    if new and session.scalar(select(DataCategory.id).where(DataCategory.code == code)) is not None:
        raise RuleError(f"There is already a data category {code}: change that one.", "code")
    unknown = sorted(set(fields) - RECORD_FIELDS - INVOLVEMENT_FIELDS)
    if unknown:
        raise RuleError(f"Not a record field: {', '.join(unknown)}.", "fields")
    category = session.scalar(select(DataCategory).where(DataCategory.code == code)) or DataCategory(code=code)
    category.name, category.description = name.strip() or code, description
    category.fields, category.facts = sorted(set(fields)), sorted({fact.strip() for fact in facts if fact.strip()})
    category.sensitive, category.services = sensitive, list(services or [])
    session.add(category)
    bump_rules(session)
    _audit(session, actor, "sharing.category.save", "data_category", code,
           {"fields": category.fields, "facts": category.facts, "sensitive": sensitive})
    return category


def _code(code: str) -> str:
    cleaned = code.strip().lower().replace(" ", "_").replace("-", "_")
    if not cleaned or not cleaned.replace("_", "").isalnum() or len(cleaned) > 40:
        raise RuleError("A code is up to 40 letters, digits and underscores.", "code")
    return cleaned


# --------------------------------------------------------------------------- agreements


def create_agreement(session: Session, actor: Actor, code: str, title: str, **terms: Any) -> AgreementVersion:
    """A new agreement with its first version, a draft."""
    code = code.strip().upper()
    if not code or len(code) > 40:
        raise RuleError("An agreement code is 1 to 40 characters.", "code")
    if session.scalar(select(SharingAgreement).where(SharingAgreement.code == code)):
        raise RuleError(f"There is already an agreement {code}.", "code")
    agreement = SharingAgreement(code=code, title=title.strip() or code)
    session.add(agreement)
    session.flush()
    version = AgreementVersion(agreement_id=agreement.id, version=1, status="draft", created_by=actor.username[:120])
    session.add(version)
    _apply(session, version, terms)
    session.flush()
    _audit(session, actor, "sharing.agreement.create", "agreement_version", version.id, {"code": code, "version": 1})
    return version


def update_draft(session: Session, actor: Actor, version: AgreementVersion, **terms: Any) -> AgreementVersion:
    """Change a draft's terms. An active, suspended or ended version is never changed."""
    if version.status != "draft":
        raise RuleError("Only a draft can be changed: make a new version.", "status")
    _apply(session, version, terms)
    version.changed_at = utcnow()
    session.flush()
    _audit(session, actor, "sharing.agreement.update", "agreement_version", version.id,
           {"code": version.agreement.code, "version": version.version, "changed": sorted(terms)})
    return version


def new_version(session: Session, actor: Actor, agreement: SharingAgreement) -> AgreementVersion:
    """A new draft version with the latest version's terms (no signatures)."""
    latest = session.scalar(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id)
                            .order_by(AgreementVersion.version.desc()).limit(1))
    if latest is not None and latest.status == "draft":
        raise RuleError(f"Version {latest.version} is still a draft: change that one.", "version")
    number = (session.scalar(select(func.max(AgreementVersion.version))
                             .where(AgreementVersion.agreement_id == agreement.id)) or 0) + 1
    version = AgreementVersion(agreement_id=agreement.id, version=number, status="draft",
                               created_by=actor.username[:120])
    if latest is not None:
        for name in TERMS:
            setattr(version, name, getattr(latest, name))
    session.add(version)
    session.flush()
    _audit(session, actor, "sharing.agreement.version", "agreement_version", version.id,
           {"code": agreement.code, "version": number})
    return version


def sign(session: Session, actor: Actor, version: AgreementVersion, *, organisation: str, name: str, role: str = "",
         signed_on: date | None = None) -> AgreementVersion:
    """Record a party's signatory. Only a draft is signed, on a day that has come; only
    parties sign, and each once per version."""
    if signed_on is not None and signed_on > date.today():
        raise TermRefused("The date signed must be today or in the past.", "signed_on")
    if version.status != "draft":
        raise RuleError("Only a draft is signed: make a new version.", "status")
    parties = {party["organisation"] for party in version.parties or []}
    if organisation not in parties:
        raise RuleError(f"{organisation} is not a party to this agreement.", "organisation")
    if any(signature["organisation"] == organisation for signature in version.signatories or []):
        raise RuleError(f"{organisation} has already signed this version.", "organisation")
    if not name.strip():
        raise RuleError("Give the signatory's name.", "name")
    version.signatories = [*(version.signatories or []), {
        "organisation": organisation, "name": name.strip(), "role": role.strip(),
        "signed_on": (signed_on or date.today()).isoformat(),
    }]
    session.flush()
    _audit(session, actor, "sharing.agreement.sign", "agreement_version", version.id,
           {"code": version.agreement.code, "version": version.version, "organisation": organisation})
    return version


def set_status(session: Session, actor: Actor, version: AgreementVersion, status: str, *, reason: str = "") -> AgreementVersion:
    """Activate, suspend or end a version. Suspending or ending needs a reason; activation
    needs every party to have signed, and ends the agreement's other active or suspended
    version. Takes effect at once."""
    if status not in AGREEMENT_STATUSES or status == "draft":
        raise RuleError("A version can be made active, suspended or ended.", "status")
    if status in ("suspended", "ended") and not (reason or "").strip():
        raise TermRefused("Enter the reason: it is recorded with your name.", "reason")
    if status == "active":
        if version.status not in ("draft", "suspended"):
            raise RuleError("Only a draft or a suspended version can be made active.", "status")
        _check_complete(session, version)
        for other in session.scalars(select(AgreementVersion).where(
                AgreementVersion.agreement_id == version.agreement_id, AgreementVersion.id != version.id,
                AgreementVersion.status.in_(("active", "suspended")))):
            other.status = "ended"
            other.changed_at = utcnow()
    elif status == "suspended" and version.status != "active":
        raise RuleError("Only an active version can be suspended.", "status")
    elif status == "ended" and version.status == "ended":
        raise RuleError("This version has already ended.", "status")
    before = version.status
    version.status = status
    version.changed_at = utcnow()
    bump_rules(session)
    record_event(session, actor, action="sharing.agreement.status", outcome="success",
                 subject_type="agreement_version", subject_id=version.id, reason=reason,
                 details={"code": version.agreement.code, "version": version.version, "before": before,
                          "status": status})
    return version


def _check_complete(session: Session, version: AgreementVersion) -> None:
    parties = {party["organisation"] for party in version.parties or []}
    if len(parties) < 2:
        raise RuleError("An agreement needs at least two parties.", "parties")
    if not version.datasets:
        raise RuleError("Name at least one purpose and its data categories.", "datasets")
    basis = version.lawful_basis or {}
    if not basis.get("article6"):
        raise RuleError("Record the UK GDPR Article 6 lawful basis.", "lawful_basis")
    signed = {signature["organisation"] for signature in version.signatories or []}
    missing = sorted(parties - signed)
    if missing:
        raise RuleError(f"Every party must sign first; not yet: {', '.join(missing)}.", "signatories")


def _ig_leads(session: Session, usernames: list[str]) -> list[str]:
    """The IG leads named for a partnership: active users who hold the IG lead's role."""
    wanted = sorted({name.strip().lower() for name in usernames if name.strip()})
    leads = {user.username.lower() for user in session.scalars(select(User))
             if user.active and "ig_lead" in (user.roles or [])}
    missing = [name for name in wanted if name not in leads]
    if missing:
        raise RuleError(f"Not an IG lead in JoinedUp: {', '.join(missing)}.", "ig_leads")
    return wanted


def _apply(session: Session, version: AgreementVersion, terms: dict[str, Any]) -> None:
    unknown = set(terms) - set(TERMS)
    if unknown:
        raise RuleError(f"Not a term of an agreement: {', '.join(sorted(unknown))}.", "terms")
    if "parties" in terms:
        codes = set(session.scalars(select(Organisation.code)))
        for party in terms["parties"]:
            if party.get("organisation") not in codes:
                raise RuleError(f"There is no organisation {party.get('organisation')}.", "parties")
    if "datasets" in terms:
        purposes = set(session.scalars(select(Purpose.code)))
        categories = set(session.scalars(select(DataCategory.code)))
        for purpose, wanted in terms["datasets"].items():
            if purpose not in purposes:
                raise RuleError(f"There is no purpose {purpose}.", "datasets")
            missing = sorted(set(wanted) - categories)
            if missing:
                raise RuleError(f"There is no data category {', '.join(missing)}.", "datasets")
    if "ig_leads" in terms:
        terms = {**terms, "ig_leads": _ig_leads(session, terms["ig_leads"] or [])}
    for name, value in terms.items():
        setattr(version, name, value)
    if version.starts_on and version.ends_on and version.ends_on < version.starts_on:
        raise RuleError("An agreement cannot end before it starts.", "ends_on")
