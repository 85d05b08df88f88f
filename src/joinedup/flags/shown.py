"""The flags a person's page, a list of search results and the API show: one query for
the flags of every record the actor was just shown, each decided through disclosure.

Flags of one type from one organisation (a missing episode a row, a looked-after child's
two records) are shown as one: since the first start, with how many episodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session, joinedload

from joinedup.audit import Actor
from joinedup.disclosure import Disclosed, PersonCard, PersonSearchResult, PersonView
from joinedup.disclosure.flags import FlagSubject, disclose_flags
from joinedup.flags.catalogue import FLAG_TYPES
from joinedup.flags.models import Flag
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person
from joinedup.permissions import FLAG_VIEW

#: How long an ended flag is still shown.
RECENTLY_ENDED = timedelta(days=90)


@dataclass(frozen=True)
class FlagShown:
    """One flag as the actor may see it; ``recorded``: the id of the flag recorded in the
    app, by the actor's organisation, that this one is (they may end it)."""

    type: str
    name: str
    warning: bool
    organisation: str
    team: str | None
    contact: tuple[str, str] | None  # (how, where): ("Duty line", "0306 999 0100")
    starts_on: date | None
    ends_on: date | None
    legal_status: str
    current: bool
    episodes: int = 1
    recorded: int | None = None
    #: The latest episode's start, and when the hub last learned of a change to any
    #: episode (loaded, recorded or ended): what "changed since you last looked" asks.
    latest_start: date | None = None
    changed_at: datetime | None = None

    @property
    def summary(self) -> str:
        """The flag in words: "Child-protection plan since 3 May 2025"."""
        name = self.name if self.episodes == 1 else f"{self.name} ({self.episodes})"
        if self.legal_status:
            name += f" ({self.legal_status})"
        if not self.current:
            return f"{name}, ended {_day(self.ends_on)}" if self.ends_on else f"{name}, ended"
        return f"{name} since {_day(self.starts_on)}" if self.starts_on else name


def _day(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def flags_on_page(session: Session, actor: Actor, view: PersonView | None, *, today: date | None = None,
                  every: bool = False) -> tuple[FlagShown, ...]:
    """The flags of the person of ``view`` (their page or API answer) that the actor may see:
    current and recently ended ones, or ``every`` one ever held (for the chronology)."""
    if view is None or not view.allowed or view.retired_at is not None or not view.records:
        return ()
    return _shown(session, actor, {view.person_id: view.records}, today or date.today(),
                  every=every).get(view.person_id, ())


def flags_in_search(session: Session, actor: Actor, result: PersonSearchResult, *, today: date | None = None
                    ) -> dict[str, tuple[FlagShown, ...]]:
    """person id → the flags the actor may see, for each person on a page of search results."""
    return flags_of_cards(session, actor, result.persons, today=today)


def flags_of_cards(session: Session, actor: Actor, cards: Iterable[PersonCard], *, today: date | None = None,
                   every: bool = False) -> dict[str, tuple[FlagShown, ...]]:
    """person id → the flags the actor may see, for each person of a list (search results,
    a practitioner's own people): current and recently ended ones, or ``every`` one."""
    return _shown(session, actor, {card.person_id: card.records for card in cards}, today or date.today(),
                  every=every)


def _shown(session: Session, actor: Actor, records: dict[str, Iterable[Disclosed]], today: date, *,
           every: bool = False) -> dict[str, tuple[FlagShown, ...]]:
    if not FLAG_VIEW.permits(actor.roles):
        return {}  # flags are for practitioners and MASH officers: the others' reads disclose no fact anyway
    person_of: dict[int, str] = {}
    disclosed: dict[int, Disclosed] = {}
    for person_id, held in records.items():
        for found in held:
            if found.allowed:
                person_of[found.id] = person_id
                disclosed[found.id] = found
    if not person_of:
        return {}
    # One statement: the flags of the records disclosed, and those recorded in the app for
    # the persons shown (or for persons merged into them).
    persons = select(Person.id).where(or_(Person.person_id.in_(records), Person.superseded_by.in_(records)))
    recent = true() if every else or_(Flag.status == "current", Flag.ends_on >= today - RECENTLY_ENDED)
    flags = list(session.scalars(
        select(Flag).where(or_(Flag.source_record_id.in_(sorted(person_of)), Flag.person_id.in_(persons)), recent)
        .options(joinedload(Flag.organisation), joinedload(Flag.team), joinedload(Flag.person)).order_by(Flag.id)))
    owners = _owners(session, disclosed) if any(flag.source_record_id is None for flag in flags) else {}
    subjects = []
    for flag in flags:
        if flag.source_record_id is not None:
            person_id, speaks_for = person_of[flag.source_record_id], (flag.source_record_id,)
        else:
            person_id = flag.person.person_id if flag.person.person_id in records else flag.person.superseded_by
            speaks_for = tuple(record_id for record_id, owner in owners.items()
                               if owner == flag.organisation_id and person_of[record_id] == person_id)
        subjects.append(FlagSubject(flag.id, speaks_for, flag.category, flag.organisation_id, person_id))
    allowed = disclose_flags(session, actor, disclosed, subjects)
    # Flags of one type from one organisation's extracts show as one; each recorded in the
    # app shows on its own, so that its organisation can end it.
    grouped: dict[str, dict[tuple[str, int, int], list[Flag]]] = {}
    for flag, subject, shown in zip(flags, subjects, allowed, strict=True):
        if shown:
            key = (flag.type, flag.organisation_id, flag.id if flag.source_record_id is None else 0)
            grouped.setdefault(subject.person_id, {}).setdefault(key, []).append(flag)
    order = list(FLAG_TYPES)
    return {person_id: tuple(sorted((_one(group, actor) for group in groups.values()),
                                    key=lambda shown: (not shown.current, order.index(shown.type)
                                                       if shown.type in order else len(order))))
            for person_id, groups in grouped.items()}


def _owners(session: Session, disclosed: dict[int, Disclosed]) -> dict[int, int]:
    """record id → the organisation holding it, for the records disclosed."""
    return dict(session.execute(
        select(SourceRecord.id, SourceSystem.owner_organisation_id)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(SourceRecord.id.in_(sorted(disclosed)))).all())


def _one(flags: list[Flag], actor: Actor) -> FlagShown:
    """Flags of one type from one organisation, as one."""
    latest = max(flags, key=lambda flag: (flag.starts_on or date.min, flag.id))
    current = any(flag.status == "current" for flag in flags)
    kind = FLAG_TYPES.get(latest.type)
    starts = [flag.starts_on for flag in flags if flag.starts_on]
    ends = [flag.ends_on for flag in flags if flag.ends_on]
    team = latest.team
    contact = None
    if team is not None and team.duty_phone:
        contact = ("Duty line", team.duty_phone)
    elif team is not None and team.secure_email:
        contact = ("Secure e-mail", team.secure_email)
    elif latest.organisation.contact_phone:
        contact = ("Phone", latest.organisation.contact_phone)
    return FlagShown(
        latest.type, kind.name if kind else latest.type, kind.warning if kind else True, latest.organisation.name,
        team.name if team else None, contact, min(starts) if starts else None,
        None if current or not ends else max(ends), latest.legal_status, current, len(flags),
        latest.id if latest.source_record_id is None and latest.organisation_id == actor.organisation_id else None,
        max(starts) if starts else None,
        max((flag.updated_at or flag.created_at for flag in flags if flag.updated_at or flag.created_at), default=None),
    )
