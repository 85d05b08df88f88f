"""Who is involved with a person, as an actor may see it: through the policy point.

The involvement index (:mod:`joinedup.involvements`, above this layer) loads a person's
involvements and hands each one here as an
:class:`~joinedup.sharing.involvements.InvolvementSubject` with the values it would show.
:func:`disclose_involvements` puts them to the policy point
(:func:`joinedup.sharing.involvements.decide_involvement_access`, which audits and logs
each decision) and keeps only the fields allowed. The actor counts as seeing the person
only when ``view`` (their person page or API answer, itself audited) allowed them to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure.persons import PersonView
from joinedup.sharing.involvements import InvolvementSubject, decide_involvement_access


@dataclass(frozen=True)
class DisclosedInvolvement:
    """One involvement as the actor may see it: only the allowed fields. A shielded one
    (a sensitive service) holds no field at all: the page says a service is involved."""

    id: int
    allowed: bool
    shielded: bool
    fields: dict[str, Any]
    reason: str


def disclose_involvements(session: Session, actor: Actor, view: PersonView,
                          involvements: Sequence[tuple[InvolvementSubject, dict[str, Any]]]
                          ) -> list[DisclosedInvolvement]:
    """Each (subject, values) as ``actor`` may see it, in order, every decision audited.
    ``values`` is keyed by the involvement fields (organisation, team, role, worker,
    contact, dates)."""
    seen = view.allowed and view.retired_at is None and view.action != "person.review"
    decisions = decide_involvement_access(session, actor, [subject for subject, _values in involvements],
                                          person_seen=seen)
    return [
        DisclosedInvolvement(subject.id, decision.allowed, decision.shielded,
                             {name: value for name, value in values.items() if name in decision.fields},
                             decision.reason)
        for (subject, values), decision in zip(involvements, decisions, strict=True)
    ]
