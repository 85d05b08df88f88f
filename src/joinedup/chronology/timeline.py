"""A person's chronology, or their family's: every event the actor may see, in date order,
filtered by agency, category and significance, the read audited.

The person is read through the disclosure layer (:func:`joinedup.disclosure.view_person`:
each record decided by the policy point and audited, the view audited), and so is their
family (the family view lists only the members, and their records, the actor may see).
The events come from the registered sources (:mod:`joinedup.chronology.events`), which
see nothing but what was disclosed. An event from a record the actor may not see never
shows, and nothing says it exists: the filters offer only the agencies and categories of
events shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.chronology.events import CATEGORIES, Event, Whose, events_of
from joinedup.disclosure import Basis, FamilyMemberShown, PersonView, view_person
from joinedup.disclosure.persons import bases_of
from joinedup.errors import Forbidden
from joinedup.permissions import CHRONOLOGY_VIEW
from joinedup.sharing import StatedPurpose

RETIRED = "This person was retired: their records, and their events, now belong to the person who superseded them."


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the chronology to: agencies by name, categories by code,
    significant events only. Empty: everything."""

    agencies: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    significant_only: bool = False

    def keeps(self, event: Event) -> bool:
        return ((not self.agencies or event.agency in self.agencies)
                and (not self.categories or event.category in self.categories)
                and (event.significant or not self.significant_only))

    def as_dict(self) -> dict:
        return {"agencies": list(self.agencies), "categories": list(self.categories),
                "significant_only": self.significant_only}


@dataclass(frozen=True)
class Chronology:
    """The chronology as the actor may see it. When ``allowed`` is false it holds nothing
    but the person's id and why. ``agencies`` and ``categories`` are those of the events
    the actor may see, before filtering (what the filters offer)."""

    person_id: str
    allowed: bool
    reason: str
    name: str = ""
    family: bool = False
    events: tuple[Event, ...] = ()
    seen: int = 0
    agencies: tuple[str, ...] = ()
    categories: tuple[tuple[str, str], ...] = ()
    members: tuple[tuple[str, str, str], ...] = ()  # (person id, name, relation) of each person whose events show
    filters: Filters = field(default_factory=Filters)
    shielded: bool = False
    #: What allowed the records the events came from (the decisions' own words for the page).
    bases: tuple[Basis, ...] = ()

    @property
    def significant(self) -> int:
        return sum(1 for event in self.events if event.significant)

    @property
    def span(self) -> tuple[date, date] | None:
        return (self.events[0].on, self.events[-1].on) if self.events else None


def chronology_of(session: Session, actor: Actor, person_id: str, *, action: str,
                  purpose: StatedPurpose | None = None, family: bool = False,
                  filters: Filters | None = None) -> Chronology | None:
    """The chronology of ``person_id`` (with ``family``, merged with their family's) as
    ``actor`` may see it for ``action`` and the stated ``purpose``, or None when there is no
    such person. Refused when the actor's role may not read chronologies; audited
    (``chronology.view``) with how many events were shown."""
    if not CHRONOLOGY_VIEW.permits(actor.roles):
        raise Forbidden(CHRONOLOGY_VIEW.refusal, field="person_id")
    filters = filters or Filters()
    view = view_person(session, actor, person_id, action=action, purpose=purpose)
    if view is None:
        return None
    if not view.allowed:
        _audit(session, actor, person_id, "denied", family, filters, 0)
        return Chronology(view.person_id, False, view.reason, family=family)
    if view.retired:
        _audit(session, actor, person_id, "allowed", family, filters, 0)
        return Chronology(view.person_id, True, RETIRED, view.name, family, filters=filters)
    everyone = [Whose(view, view.name, view.records)]
    if family and view.family is not None:
        everyone += [_member(view, member) for member in view.family.members]
    seen = [event for whose in everyone for event in events_of(session, actor, whose)]
    seen.sort(key=lambda event: (event.on, not event.significant, event.person_name, event.what))
    shown = tuple(event for event in seen if filters.keeps(event))
    _audit(session, actor, view.person_id, "allowed", family, filters, len(shown))
    present = {event.category for event in seen}
    return Chronology(
        view.person_id, True, view.reason, view.name, family, shown, len(seen),
        tuple(sorted({event.agency for event in seen if event.agency})),
        tuple((code, words) for code, words in CATEGORIES.items() if code in present),
        tuple((whose.person_id, whose.name, whose.relation) for whose in everyone),
        filters, view.shielded, bases_of(record for whose in everyone for record in whose.records),
    )


def _member(view: PersonView, member: FamilyMemberShown) -> Whose:
    """A family member, as the family view showed them: the actor may see them (the view
    lists no one else), through the records it disclosed."""
    card = member.card
    seen = PersonView(card.person_id, True, f"Shown in the family of {view.person_id}", view.action, card=card,
                      records=card.records)
    return Whose(seen, card.name, card.records, member.relation)


def _audit(session: Session, actor: Actor, person_id: str, outcome: str, family: bool, filters: Filters,
           shown: int) -> None:
    record_event(session, actor, action=CHRONOLOGY_VIEW, outcome=outcome, subject_type="person",
                 subject_id=person_id, details={"family": family, "events_shown": shown, **filters.as_dict()})
