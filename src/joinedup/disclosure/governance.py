"""What an information governance lead reads about who saw whom: the decision log's rows,
the consent register's, and each break-glass access with what was seen under it.

These name persons and users, so they are read here, in the disclosure layer; the role
gate in front of them (joinedup.permissions) decides who may read them at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.db import utcnow
from joinedup.partners.models import Organisation
from joinedup.people.models import Person
from joinedup.sharing.agreements import version_names
from joinedup.sharing.break_glass import may_review
from joinedup.sharing.consent import consent_register
from joinedup.sharing.log import LogFilter, decision_bases, search_decisions
from joinedup.sharing.models import BreakGlass, ConsentRecord, SharingDecision


def _organisations(session: Session) -> dict[int, tuple[str, str]]:
    """Organisation id → (code, name)."""
    return {row.id: (row.code, row.name) for row in session.execute(
        select(Organisation.id, Organisation.code, Organisation.name))}


@dataclass(frozen=True)
class LogRow:
    """A decision of the log, with the names of the organisations and the agreement version."""

    decision: SharingDecision
    organisation: str
    source_organisation: str
    agreement_code: str
    version: int
    organisation_code: str = ""
    source_organisation_code: str = ""
    person_name: str = ""
    #: Why, in words: as logged, or read back from the clauses the decision names.
    basis: str = ""

    @property
    def reasons(self) -> list[tuple[str, int]]:
        """For the records a request withheld: each reason, and how many it withheld."""
        return list((self.decision.reasons or {}).items())

    @property
    def agreement(self) -> str:
        """``CODE vN`` of the agreement version that allowed it, or ""."""
        return f"{self.agreement_code} v{self.version}" if self.agreement_code else ""


def decision_log(session: Session, filters: LogFilter, *, limit: int, offset: int) -> tuple[list[LogRow], int]:
    """The decisions matching ``filters``, newest first, as rows; and how many match."""
    found, total = search_decisions(session, filters, limit=limit, offset=offset)
    organisations = _organisations(session)
    versions = version_names(session, {d.agreement_version_id for d in found if d.agreement_version_id})
    names = person_names(session, {d.person_id for d in found if d.person_id})
    bases = decision_bases(session, found)
    rows = []
    for decision in found:
        code, number = versions.get(decision.agreement_version_id, ("", 0))
        holder = organisations.get(decision.organisation_id, ("", ""))
        source = organisations.get(decision.source_organisation_id, ("", ""))
        rows.append(LogRow(decision, holder[1], source[1], code, number, holder[0], source[0],
                           names.get(decision.person_id, ""), bases[decision.id]))
    return rows, total


def person_names(session: Session, person_ids: set[str]) -> dict[str, str]:
    """Public id → the index's name for the person, so the IG lead reads the log by names
    rather than ids (the log itself keeps ids only, so an erasure never breaks it)."""
    if not person_ids:
        return {}
    rows = session.execute(select(Person.person_id, Person.forename, Person.surname)
                           .where(Person.person_id.in_(person_ids)))
    return {person_id: " ".join(part for part in (forename, surname) if part) for person_id, forename, surname in rows}


def consent_rows(session: Session, *, person_id: str, decision: str, limit: int,
                 offset: int) -> tuple[list[tuple[ConsentRecord, str, str]], int]:
    """The consent register's matching rows, each with the person's id and the recorder's
    organisation's name; and how many match."""
    found, total = consent_register(session, person_id=person_id, decision=decision, limit=limit, offset=offset)
    names = {key: name for key, (_code, name) in _organisations(session).items()}
    return [(consent, public_id, names.get(consent.organisation_id, "")) for consent, public_id in found], total


@dataclass(frozen=True)
class Seen:
    """Records seen under a break-glass access, from the decision log: one request's."""

    at: datetime
    records: tuple[int, ...]
    source_organisation: str
    fields: list[str]
    purpose: str
    action: str


@dataclass(frozen=True)
class GlassView:
    """A break-glass access as its reviewer reads it."""

    access: BreakGlass
    person_id: str
    organisation: str
    minutes: int
    active: bool
    seen: list[Seen]

    @property
    def records_seen(self) -> int:
        """How many records were seen under it, each counted once however often."""
        return len({record for item in self.seen for record in item.records})


def glass_views(session: Session, accesses: list[BreakGlass]) -> list[GlassView]:
    """Each access with its person, its organisation and what was seen under it."""
    if not accesses:
        return []
    ids = [access.id for access in accesses]
    people = dict(session.execute(select(Person.id, Person.person_id)
                                  .where(Person.id.in_({access.person_id for access in accesses}))).all())
    names = {key: name for key, (_code, name) in _organisations(session).items()}
    seen: dict[int, list[Seen]] = defaultdict(list)
    for decision in session.scalars(select(SharingDecision).where(SharingDecision.break_glass_id.in_(ids))
                                    .order_by(SharingDecision.at, SharingDecision.id)):
        seen[decision.break_glass_id].append(Seen(decision.at, tuple(decision.records),
                                                  names.get(decision.source_organisation_id, ""),
                                                  list(decision.fields or []), decision.purpose, decision.action))
    now = utcnow()
    return [GlassView(access, people.get(access.person_id, ""), names.get(access.organisation_id, ""),
                      round((access.expires_at - access.started_at).total_seconds() / 60),
                      access.expires_at > now, seen.get(access.id, []))
            for access in accesses]


def glass_to_review(session: Session, actor: Actor, access_id: int) -> BreakGlass | None:
    """The break-glass access ``access_id`` if ``actor`` reviews it (the queue lists exactly
    these, so an access listed always opens); else None."""
    access = session.get(BreakGlass, access_id)
    return access if access is not None and may_review(session, actor, access) else None


def reviewed_by(session: Session, actor: Actor, access_id: int) -> BreakGlass | None:
    """The access ``access_id`` if ``actor`` reviewed it, for the banner that says so."""
    access = session.get(BreakGlass, access_id)
    return access if access is not None and access.reviewed_by == actor.username[:120] else None


def _folded(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def postcode_key(value: str | None) -> str:
    """A postcode as compared: capitals, no spaces."""
    return "".join((value or "").split()).upper()


def same_household(session: Session, declared: dict[int, tuple[str, str]],
                   viewed: dict[int, set[str]]) -> set[tuple[int, str]]:
    """(user id, person id) for each person a user viewed whose index surname and postcode
    are the surname and postcode the user declared of themselves. ``declared``: user id →
    (surname, postcode); ``viewed``: user id → public person ids. Only the match leaves here,
    never a person's details: it is for the IG lead's monitoring."""
    wanted = {person_id for user_id, persons in viewed.items() if user_id in declared for person_id in persons}
    if not wanted:
        return set()
    index = {person_id: (_folded(surname), postcode_key((golden or {}).get("postcode", {}).get("value")))
             for person_id, surname, golden in session.execute(
                 select(Person.person_id, Person.surname, Person.golden).where(Person.person_id.in_(wanted)))}
    found = set()
    for user_id, persons in viewed.items():
        if user_id not in declared:
            continue
        surname, postcode = _folded(declared[user_id][0]), postcode_key(declared[user_id][1])
        found.update((user_id, person_id) for person_id in persons
                     if person_id in index and index[person_id] == (surname, postcode) and surname and postcode)
    return found
