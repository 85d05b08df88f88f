"""Involvements starting and ending, from the involvement index, as the actor may see them
(:func:`joinedup.involvements.involvements_seen`: each one decided by the policy point and
audited; a shielded service's never appears, nor does its existence)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.chronology.events import Event, Whose, event_source
from joinedup.involvements import involvements_seen


@event_source("involvements", {"involvement": "Involvements"})
def involvements_source(session: Session, actor: Actor, whose: Whose) -> Iterable[Event]:
    shown, _shielded = involvements_seen(session, actor, whose.view)
    events = []
    for involvement in shown:
        agency = involvement.organisation or ""
        who = ", ".join(part for part in (involvement.worker, involvement.team) if part)
        role = involvement.role or "Someone"
        if involvement.starts_on:
            events.append(Event(involvement.starts_on, f"{role} started working with them", who, "involvement",
                                agency, False, "involvements", whose.person_id, whose.name, None, whose.relation))
        if involvement.ends_on:
            events.append(Event(involvement.ends_on, f"{role} stopped working with them", who, "involvement",
                                agency, False, "involvements", whose.person_id, whose.name, None, whose.relation))
    return events
