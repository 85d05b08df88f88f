"""What a chronology is made of: dated events, each naming whose it is, where it came
from, what kind it is and whether it is significant; and the registry of the sources
that make them.

An **event source** is a function ``(session, actor, whose) -> events`` registered under
a name with :func:`event_source`. It reads only what the actor may see of one person
(``whose``: their disclosed records, and a person view the disclosure layer allowed), so
every event has passed the sharing decision and was audited on the way. The records'
dated facts (:mod:`joinedup.chronology.facts`), the involvement index
(:mod:`joinedup.chronology.involvements`) and flags (:mod:`joinedup.chronology.flags`) are
sources (docs/chronology.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure import Disclosed, PersonView

#: The kinds of event, in the order the filter offers them: code → words.
CATEGORIES: dict[str, str] = {}


@dataclass(frozen=True)
class Whose:
    """One person whose events are read, as the actor may see them: ``view`` (allowed by
    the disclosure layer), their records the sharing decision disclosed, and what they are
    to the chronology's person (empty for the person themself)."""

    view: PersonView
    name: str
    records: tuple[Disclosed, ...]
    relation: str = ""

    @property
    def person_id(self) -> str:
        return self.view.person_id


@dataclass(frozen=True)
class Event:
    """One dated event, in words. ``agency`` is the organisation that recorded it;
    ``record_id`` the source record it came from, when it came from one."""

    on: date
    what: str
    detail: str
    category: str
    agency: str
    significant: bool
    source: str
    person_id: str
    person_name: str
    record_id: int | None = None
    relation: str = ""

    @property
    def category_name(self) -> str:
        return CATEGORIES.get(self.category, self.category)


EventSource = Callable[[Session, Actor, Whose], Iterable[Event]]
#: The registered sources: name → function.
SOURCES: dict[str, EventSource] = {}


def event_source(name: str, categories: dict[str, str]) -> Callable[[EventSource], EventSource]:
    """Register a source of events under ``name``, with the event categories it makes."""

    def register(source: EventSource) -> EventSource:
        if name in SOURCES:
            raise ValueError(f"the event source {name} is registered twice")
        SOURCES[name] = source
        for code, words in categories.items():
            CATEGORIES.setdefault(code, words)
        return source

    return register


def events_of(session: Session, actor: Actor, whose: Whose) -> list[Event]:
    """Every registered source's events for ``whose``."""
    return [event for source in SOURCES.values() for event in source(session, actor, whose)]
