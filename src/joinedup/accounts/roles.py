"""What each role is called on screen, and which roles unlock which pages."""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.accounts.models import GOVERNANCE_ROLES, PROCESSING_ROLES, ROLES
from joinedup.audit import Actor, record_event

ROLE_NAMES = {
    "practitioner": "Practitioner",
    "mash_officer": "MASH officer",
    "ig_lead": "Information governance lead",
    "data_team": "Data team",
    "programme_manager": "Programme manager",
    "trainer": "Trainer",
    "admin": "Administrator",
}
assert set(ROLE_NAMES) == set(ROLES)

#: Ingest reports say what each agency sent and what was wrong with it: for the people
#: who load the data and run the service.
INGEST_REPORT_ROLES = ("data_team", "admin")


#: Lifting an account's sign-in waits overrides a protection against guessing: for the
#: people who run the service.
UNLOCK_ROLES = ("admin",)
UNLOCK_DENIED = "Unlocking accounts is for administrators."


def may_view_ingest_reports(session: Session, actor: Actor, *, subject_id: int | str = "") -> bool:
    """Whether ``actor`` holds a role that sees ingest reports; audited either way."""
    return role_gate(
        session, actor, INGEST_REPORT_ROLES, action="ingest_report.view",
        subject_type="ingest_load" if subject_id else "ingest_loads", subject_id=subject_id,
        allowed_reason="Your role lets you see ingest reports.",
        denied_reason="Ingest reports are for the data team and administrators.",
    )


def role_gate(
    session: Session,
    actor: Actor,
    roles: tuple[str, ...],
    *,
    action: str,
    subject_type: str,
    subject_id: int | str = "",
    allowed_reason: str,
    denied_reason: str,
    details: dict | None = None,
) -> bool:
    """Whether ``actor`` holds one of ``roles``: the gate of a page or API for certain
    roles, audited either way under ``action``. It discloses nothing by itself."""
    allowed = bool(set(actor.roles) & set(roles))
    record_event(
        session,
        actor,
        action=action,
        outcome="allowed" if allowed else "denied",
        subject_type=subject_type,
        subject_id=subject_id,
        reason=allowed_reason if allowed else denied_reason,
        details=details or {},
    )
    return allowed


#: Address review and the address data-quality report show agencies' addresses as they
#: were sent, across every source: for the people who load and match the data. The
#: same roles as the sharing decision's address data-quality rule, which decides (and
#: audits) each record those pages show; this is only the pages' gate.
ADDRESS_REVIEW_ROLES = tuple(sorted(PROCESSING_ROLES))

ADDRESS_REVIEW_DENIED = (
    "Address review and the address data-quality report are for the data team and administrators."
)
#: When the page's gate lets someone in but the sharing decision refuses the record.
RECORD_DENIED = "No rule allows you to see this record's address."


def may_review_addresses(
    session: Session,
    actor: Actor,
    *,
    action: str = "address_review.view",
    subject_type: str = "address_matches",
    subject_id: int | str = "",
    details: dict | None = None,
) -> bool:
    """Whether ``actor`` holds a role that reviews addresses and reads the address
    data-quality report; audited either way, under ``action``.

    This is the gate of the data team's pages and API, so that anyone else gets a clear
    refusal. It discloses nothing by itself: every record those pages show still passes
    :func:`joinedup.sharing.decide_record_access` (an ``address.*`` action), which
    decides and audits each one.
    """
    return role_gate(session, actor, ADDRESS_REVIEW_ROLES, action=action, subject_type=subject_type,
                     subject_id=subject_id, allowed_reason="Your role lets you review addresses.",
                     denied_reason=ADDRESS_REVIEW_DENIED, details=details)


#: Link runs, the clerical review queue, pair explanations, merge and split, and the
#: linkage model are for the people who run the person index. The same roles as the
#: sharing decision's person-index rule, which decides (and audits) each record those
#: pages show; this is only the pages' gate.
LINK_REVIEW_ROLES = tuple(sorted(PROCESSING_ROLES))

LINK_REVIEW_DENIED = (
    "Link runs, the review queue and the linkage model are for the data team and administrators."
)
#: When the pages' gate lets someone in but the sharing decision refuses a record.
LINK_RECORD_DENIED = "No rule allows you to see these records' identifying fields."


def may_review_links(
    session: Session,
    actor: Actor,
    *,
    action: str = "linkage.view",
    subject_type: str = "linkage",
    subject_id: int | str = "",
    details: dict | None = None,
) -> bool:
    """Whether ``actor`` holds a role that reviews the person index (link runs, the
    review queue, pairs, merge and split, the model); audited either way, under ``action``.

    This is the gate of the data team's linkage pages and API, so that anyone else gets a
    clear refusal. It discloses nothing by itself: every record those pages show still
    passes :func:`joinedup.sharing.decide_record_access` (action ``person.review``),
    which decides and audits each one.
    """
    return role_gate(session, actor, LINK_REVIEW_ROLES, action=action, subject_type=subject_type,
                     subject_id=subject_id, allowed_reason="Your role lets you review the person index.",
                     denied_reason=LINK_REVIEW_DENIED, details=details)


#: Purposes and data categories, sharing agreements, the decision log, the break-glass
#: review queue, the "view as" preview and the data-flow map are for the people who
#: govern sharing.
SHARING_GOVERNANCE_ROLES = GOVERNANCE_ROLES

SHARING_DENIED = (
    "Sharing agreements, the decision log and break-glass review are for information governance leads "
    "and administrators."
)


def may_govern_sharing(
    session: Session,
    actor: Actor,
    *,
    action: str = "sharing.view",
    subject_type: str = "sharing",
    subject_id: int | str = "",
    details: dict | None = None,
) -> bool:
    """Whether ``actor`` holds a role that governs sharing (an information governance lead
    or an administrator); audited either way, under ``action``.

    This is the gate of the IG lead's pages and API. It discloses nothing by itself: the
    "view as" preview still passes every record through
    :func:`joinedup.sharing.decide_record_access`, as the user it pretends to be.
    """
    return role_gate(session, actor, SHARING_GOVERNANCE_ROLES, action=action, subject_type=subject_type,
                     subject_id=subject_id, allowed_reason="Your role lets you govern sharing.",
                     denied_reason=SHARING_DENIED, details=details)


#: The "view as" preview is also for trainers, who show practitioners what each partner
#: sees; they preview only the persons an IG lead set aside as training samples
#: (:func:`joinedup.sharing.preview.view_as`).
PREVIEW_ROLES = (*SHARING_GOVERNANCE_ROLES, "trainer")

PREVIEW_DENIED = "Seeing a person as a partner would is for information governance leads and trainers."


def may_preview_sharing(
    session: Session,
    actor: Actor,
    *,
    action: str = "sharing.preview.view",
    subject_type: str = "sharing",
    subject_id: int | str = "",
    details: dict | None = None,
) -> bool:
    """Whether ``actor`` may use the "view as" preview; audited either way, under ``action``."""
    return role_gate(session, actor, PREVIEW_ROLES, action=action, subject_type=subject_type,
                     subject_id=subject_id, allowed_reason="Your role lets you preview what partners see.",
                     denied_reason=PREVIEW_DENIED, details=details)
