"""What each role is called on screen, and the one gate for the acts only some roles may do.

The acts and who may do them are the registry's (:mod:`joinedup.permissions`): a gate
never lists roles of its own. :func:`gate` is the only check, for pages, API, CLI alike,
and it is audited either way under the act's own name.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.permissions import ROLES, Action

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

ALLOWED = "Your role lets you do this."


def gate(session: Session, actor: Actor, action: Action, *, subject_id: int | str = "",
         details: dict | None = None) -> bool:
    """Whether ``actor``'s roles let them do ``action``, audited either way (``allowed`` or
    ``denied``, with the act's refusal as the reason). It discloses nothing by itself."""
    allowed = action.permits(actor.roles)
    record_event(session, actor, action=action, outcome="allowed" if allowed else "denied",
                 subject_type=action.subject_type, subject_id=subject_id,
                 reason=ALLOWED if allowed else action.refusal, details=details or {})
    return allowed
