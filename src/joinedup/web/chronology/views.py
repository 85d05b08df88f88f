"""What the chronology's pages and API share: reading the filters asked for, and the
picture of events by agency over time."""

from __future__ import annotations

from joinedup.chronology import Chronology, Filters
from joinedup.web.charts import EventStrip, event_strip

#: How many agencies, categories a filter takes (more than any chronology has).
FILTER_MAX = 30


def filters_of(agency: list[str] | None, category: list[str] | None, significant: bool) -> Filters:
    """The filters as asked (unknown names simply match nothing)."""
    return Filters(tuple(dict.fromkeys(name[:200] for name in (agency or [])[:FILTER_MAX] if name)),
                   tuple(dict.fromkeys(code[:40] for code in (category or [])[:FILTER_MAX] if code)),
                   significant)


def strip_of(chronology: Chronology) -> EventStrip | None:
    """The chronology's events in a lane per agency."""
    lanes: dict[str, list] = {}
    for event in chronology.events:
        lanes.setdefault(event.agency or "Agency not shown", []).append(
            (event.on, event.significant, f"{event.on:%d/%m/%Y}: {event.what}"))
    return event_strip(sorted(lanes.items()))


def options_of(chronology: Chronology) -> dict[str, list[tuple[str, str, str]]]:
    """The filter's choices: the agencies and categories of the events the user may see."""
    return {"agencies": [(name, name, "") for name in chronology.agencies],
            "categories": [(code, words, "") for code, words in chronology.categories]}
