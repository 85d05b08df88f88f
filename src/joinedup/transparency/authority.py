"""Who may use transparency: the information governance lead, checked in the domain as
well as at the route, so every entry point refuses alike."""

from __future__ import annotations

from joinedup.audit import Actor
from joinedup.errors import Forbidden
from joinedup.permissions import TRANSPARENCY_ROLES


def check_ig_lead(actor: Actor, refusal: str, field: str = "person_id") -> None:
    if not set(TRANSPARENCY_ROLES) & set(actor.roles):
        raise Forbidden(refusal, field)
