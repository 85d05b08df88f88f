"""Flags set and ended, as the actor may see them (:func:`joinedup.flags.flags_on_page`
with ``every``: each flag decided through the disclosure layer under its sharing category,
and audited; a sensitive service's flag never appears). Several episodes of one flag
type from one organisation show as one: set at the first start, ended at the last end."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.chronology.events import Event, Whose, event_source
from joinedup.flags.shown import flags_on_page


@event_source("flags", {"flag": "Flags"})
def flags_source(session: Session, actor: Actor, whose: Whose) -> Iterable[Event]:
    events = []
    for flag in flags_on_page(session, actor, whose.view, every=True):
        name = flag.name + (f" ({flag.legal_status})" if flag.legal_status else "")
        episodes = f"{flag.episodes} episodes" if flag.episodes > 1 else ""
        if flag.starts_on:
            events.append(Event(flag.starts_on, f"Flag set: {name}", episodes, "flag", flag.organisation, True,
                                "flags", whose.person_id, whose.name, None, whose.relation))
        if flag.ends_on and not flag.current:
            events.append(Event(flag.ends_on, f"Flag ended: {name}", episodes, "flag", flag.organisation, True,
                                "flags", whose.person_id, whose.name, None, whose.relation))
    return events
