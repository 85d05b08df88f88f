"""What each role is called on screen, and which roles unlock which pages."""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.accounts.models import ROLES
from joinedup.audit import Actor, record_event

ROLE_NAMES = {
    "practitioner": "Practitioner",
    "mash_officer": "MASH officer",
    "ig_lead": "Information governance lead",
    "data_team": "Data team",
    "programme_manager": "Programme manager",
    "admin": "Administrator",
}
assert set(ROLE_NAMES) == set(ROLES)

#: Ingest reports say what each agency sent and what was wrong with it: for the people
#: who load the data and run the service.
INGEST_REPORT_ROLES = ("data_team", "admin")


def may_view_ingest_reports(session: Session, actor: Actor, *, subject_id: int | str = "") -> bool:
    """Whether ``actor`` holds a role that sees ingest reports; audited either way."""
    allowed = bool(set(actor.roles) & set(INGEST_REPORT_ROLES))
    record_event(
        session,
        actor,
        action="ingest_report.view",
        outcome="allowed" if allowed else "denied",
        subject_type="ingest_load" if subject_id else "ingest_loads",
        subject_id=subject_id,
        reason=(
            "Your role lets you see ingest reports."
            if allowed
            else "Ingest reports are for the data team and administrators."
        ),
    )
    return allowed
