from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from joinedup.audit.models import AuditEvent
from joinedup.db import utcnow
from joinedup.permissions import ACTIONS, Action


@dataclass(frozen=True)
class Actor:
    """Who did something and from where: a signed-in user, the CLI, or an anonymous client."""

    user_id: int | None = None
    username: str = ""
    organisation_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    channel: str = ""
    client_address: str = ""

    @classmethod
    def system(cls, channel: str = "cli", username: str = "system") -> Actor:
        return cls(username=username, channel=channel)


#: The length of each bounded text column. What a request sent (its client address above
#: all: a proxy's header can make it any length) is cut to fit rather than lose the event,
#: and a NUL in it (which PostgreSQL's text cannot hold) is written as ``\\x00``.
_LIMITS = {
    column.name: column.type.length
    for column in AuditEvent.__table__.columns
    if isinstance(getattr(column.type, "length", None), int)
}


def _fitted(row: dict[str, Any]) -> dict[str, Any]:
    return {name: _text(value, _LIMITS.get(name)) if isinstance(value, str) else value
            for name, value in row.items()}


def _text(value: str, limit: int | None) -> str:
    return value.replace("\x00", "\\x00")[:limit]


class UnknownAction(ValueError):
    """An audit event named by an act that the catalogue (:mod:`joinedup.permissions`) does not have."""


def _row(
    actor: Actor,
    *,
    action: str | Action,
    outcome: str,
    subject_type: str = "",
    subject_id: str | int = "",
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    action = action.name if isinstance(action, Action) else action
    if action not in ACTIONS:
        raise UnknownAction(f"{action!r} is not in the catalogue of actions (joinedup.permissions)")
    return _fitted({
        "at": utcnow(),
        "user_id": actor.user_id,
        "actor": actor.username,
        "organisation_id": actor.organisation_id,
        "action": action,
        "outcome": outcome,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "channel": actor.channel,
        "client_address": actor.client_address,
        "reason": reason,
        "details": dict(details or {}),
    })


#: Events are appended through the table, not the ORM's bulk path: every row is complete,
#: nothing is read back, and the policy point appends one per record it decides.
_EVENTS = AuditEvent.__table__


def record_event(session: Session, actor: Actor, **event: Any) -> None:
    """Append one audit event (keywords: action, outcome, subject_type, subject_id, reason,
    details). The action is an :class:`~joinedup.permissions.Action` or its name: one of the
    catalogue's, so that every act has one name."""
    session.execute(insert(_EVENTS), [_row(actor, **event)])


def record_events(session: Session, actor: Actor, events: Iterable[Mapping[str, Any]]) -> None:
    """Append many events by the same actor in one statement."""
    rows = [_row(actor, **event) for event in events]
    if rows:
        session.execute(insert(_EVENTS), rows)
