"""The chronology: one timeline of a person's dated events across agencies (incidents,
exclusions, plans started and ended, tenancy events, registrations, involvements started
and ended), or of their family's, as the actor may see it (docs/chronology.md).

It sits above the involvement index and reads only through the disclosure layer. Events
come from registered sources (:func:`event_source`): the records' dated facts
(:mod:`joinedup.chronology.facts`), the involvement index
(:mod:`joinedup.chronology.involvements`) and flags (:mod:`joinedup.chronology.flags`),
imported here so that they register.
"""

from joinedup.chronology import facts, flags, involvements
from joinedup.chronology.events import (
    CATEGORIES,
    SOURCES,
    Event,
    EventSource,
    Whose,
    event_source,
    events_of,
)
from joinedup.chronology.exports import CSV_COLUMNS, FORMATS, export_chronology
from joinedup.chronology.facts import DATED_FACTS, DatedFact
from joinedup.chronology.timeline import (
    RETIRED,
    Chronology,
    Filters,
    chronology_of,
)

__all__ = [
    "CATEGORIES",
    "CSV_COLUMNS",
    "DATED_FACTS",
    "FORMATS",
    "RETIRED",
    "SOURCES",
    "Chronology",
    "DatedFact",
    "Event",
    "EventSource",
    "Filters",
    "Whose",
    "chronology_of",
    "event_source",
    "events_of",
    "export_chronology",
    "facts",
    "flags",
    "involvements",
]
