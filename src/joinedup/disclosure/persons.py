"""Finding persons, and one person as an actor may see them: only through disclosure.

The search finds **persons**, not source records: the one-box search
(:mod:`joinedup.disclosure.search`) finds the matching source records, each is mapped to
the live person it belongs to, and every record of those persons is disclosed
(:func:`joinedup.disclosure.core.disclose`, which audits each decision). A person is
listed only when at least one of their *matching* records is disclosed and matches on
its disclosed fields, and shows only disclosed values.

The purpose decides the rule (:func:`access_action`): a practitioner searches
(``record.search``) and views (``record.view``) under their own organisation's rule; the
data team and administrators do both as person-index processing (``person.review``),
which discloses the identifying fields of every record and never a fact.

A golden-record value is shown only when the decision on the record it came from
(``golden[field]["record_id"]``) discloses that field (the golden UPRN counts as the
address), or when a record the actor may see holds the very same value, which is then
named as its source. Names shown in lists and the family view fall back to the values
of the records the actor may see when the golden value is withheld.

:func:`view_person` is the person page's (and the API's) read: the golden record, the
contributing records the actor may see, the history, and the family view (household at
the current address, stated relationships wherever they live) with only the people, the
addresses and the relationships the actor may see. A relationship is shown only when
the actor may see a record, on both sides, of a source that states it; a co-resident
only when the actor may see both people's addresses.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.gazetteer.models import AddressMatch
from joinedup.ingest.models import SourceRecord
from joinedup.people.households import Address, Tie, family_view
from joinedup.people.models import Person, PersonRecord
from joinedup.people.golden import GOLDEN_FIELDS
from joinedup.people.review import person_history
from joinedup.disclosure.core import Disclosed, disclose, load_records, with_systems
from joinedup.disclosure.search import CLOSENESS, EXACT, RecordQuery, disclosed_match, matching_records, stored_keys
from joinedup.sharing import BREAK_GLASS, LINKAGE_ACTIONS, LINKAGE_ROLES, OWN_ORGANISATION, DecisionMemo, StatedPurpose

#: Persons on a page of search results.
PER_PAGE = 20
#: Matching records put to the sharing decision at once, closest first: at most so many,
#: and at least so few once the count limit is near.
BATCH_SIZE = 50
MIN_BATCH = 10
#: The most persons a search counts: past it, it stops and says there are more.
COUNT_LIMIT = 50
#: The most matching records a search considers (most may be refused): past it, the same.
SCAN_LIMIT = 1000
#: Matching records loaded at once, ahead of the batches decided.
LOAD_AHEAD = 100
#: The record field whose disclosure lets a golden field be shown (the UPRN is the address).
DISCLOSED_AS = {"uprn": "address_text"}
#: What a person search shows of a record it finds, or matches it on: who the record is
#: about and whose it is, never what the agency recorded. The decision log names only
#: these for a search (the person's page, or the record's, shows and logs the rest).
SEARCH_SHOWS = frozenset({"source", "local_id", "record_ref", "forename", "middle_names", "surname", "date_of_birth",
                          "sex", "postcode", "nhs_number", "ni_number", "upn"})
#: How far a chain of retired persons is followed to the live person who holds their records.
SUCCESSION_LIMIT = 20

REFUSED = "No rule allows you to see any of this person's records."
ALLOWED = "You may see some of this person's records."
ALL_ALLOWED = "You may see every record of this person."


def access_action(actor: Actor, *, searching: bool = False) -> str:
    """The purpose ``actor`` reads persons for: person-index processing (``person.review``)
    for the data team and administrators; otherwise ``record.search`` or ``record.view``."""
    if set(actor.roles) & LINKAGE_ROLES:
        return "person.review"
    return "record.search" if searching else "record.view"


# --------------------------------------------------------------------------- what is shown


@dataclass(frozen=True)
class GoldenValue:
    """One field of a golden record that the actor may see, and where it came from."""

    field: str
    value: Any
    source: str
    source_name: str | None
    record_id: int
    agreeing: int
    of: int
    #: The organisation holding the record it came from, named before its system.
    organisation_name: str | None = None

    @property
    def agreement(self) -> str:
        return (f"{self.agreeing} of the {self.of} record{'' if self.of == 1 else 's'} you may see "
                f"agree{'s' if self.agreeing == 1 else ''}")


@dataclass(frozen=True)
class PersonCard:
    """What a list (search results, a family view) shows of one person the actor may see.

    ``values`` holds only values the actor may see: the golden value when its record's
    decision discloses it, else the commonest value among the records they may see.
    ``records`` are the person's records the sharing decision disclosed.
    """

    person_id: str
    values: dict[str, Any]
    records: tuple[Disclosed, ...]
    low_information: bool = False
    matched: tuple[int, ...] = ()
    #: In search results, how closely the person's name matched what was typed
    #: (:data:`joinedup.disclosure.search.CLOSENESS`).
    closeness: int | None = None

    @property
    def closeness_label(self) -> str:
        return CLOSENESS.get(self.closeness, "") if self.closeness else ""

    @property
    def name(self) -> str:
        parts = [self.values.get(name) for name in ("forename", "middle_names", "surname")]
        return " ".join(part for part in parts if part) or "Name not disclosed"

    @property
    def sources(self) -> tuple[str, ...]:
        """The names of the systems holding the records the actor may see."""
        return tuple(dict.fromkeys(record.source_name for record in self.records if record.source_name))

    @property
    def holders(self) -> tuple[str, ...]:
        """Who holds the records the actor may see, the organisation before its system:
        "Joinford Children's Social Care (Children's case system)"."""
        return tuple(dict.fromkeys(
            f"{record.organisation_name} ({record.source_name})" if record.organisation_name else record.source_name
            for record in self.records if record.source_name))


@dataclass(frozen=True)
class PersonSearchResult:
    """One page of the persons matching a search, and how many there are.

    ``total`` is the number of persons the actor may see who match, ``exact`` how many of
    them match by name exactly as typed (case, accents and apostrophes set aside). Both
    are true counts over every matching record unless ``truncated``: more than the
    search's limit of records matched, so only the closest were considered, and more
    persons may match. ``unlinked`` are matching records the actor may see that no link
    run has put into a person yet (at most a page of them; ``unlinked_total`` in all).
    """

    query: RecordQuery
    persons: list[PersonCard] = field(default_factory=list)
    unlinked: list[Disclosed] = field(default_factory=list)
    truncated: bool = False
    total: int = 0
    exact: int = 0
    unlinked_total: int = 0
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of the page's first person in the whole list (from 1)."""
        return (self.page - 1) * self.per_page + 1 if self.persons else 0

    @property
    def last(self) -> int:
        return self.first + len(self.persons) - 1 if self.persons else 0


@dataclass(frozen=True)
class HistoryEntry:
    """One step in how a person came to be (see :func:`joinedup.people.person_history`)."""

    at: datetime | None
    kind: str
    run_id: int | None
    decided_by: str
    reason: str
    count: int | None = None
    other_person: str | None = None  # the person merged in, split into or from, or superseding

    @property
    def described(self) -> str:
        run = f" in link run {self.run_id}" if self.run_id else ""
        records = "" if self.count is None else f"{self.count} record{'' if self.count == 1 else 's'}"
        if self.kind == "created":
            return f"Created by link run {self.run_id}" if self.run_id else "Created"
        if self.kind == "gained_records":
            return f"Gained {records or 'records'}{run}"
        if self.kind == "lost_records":
            return f"Lost {records or 'records'}{run}"
        if self.kind == "merged":
            return f"{self.other_person} was merged into this person" + (f": {records} moved here" if records else "")
        if self.kind == "retired":
            return f"Retired{run}: their records now belong to {self.other_person}"
        if self.kind == "split_into":
            return f"{records.capitalize() or 'Records'} split out into {self.other_person}"
        if self.kind == "split_from":
            return f"Created by splitting {records or 'records'} out of {self.other_person}"
        if self.kind == "restored":
            return f"Restored{run}"
        return self.kind.replace("_", " ").capitalize() + run


@dataclass(frozen=True)
class FamilyMemberShown:
    """A member of the family view the actor may see: their card, whether they live at
    the person's address, the relationships the actor may see (``ties``: what the member
    is to the person) and their own address when the actor may see it."""

    card: PersonCard
    co_resident: bool
    ties: tuple[Tie, ...]
    address: Address | None
    stated_by: tuple[str, ...] = ()  # the names of the systems stating the ties shown

    @property
    def relation(self) -> str:
        """What the member is to the person, in words ("Parent, lives with them")."""
        ties = ", ".join(dict.fromkeys(tie.role for tie in self.ties))
        if ties and self.co_resident:
            return f"{ties.capitalize()}, lives with them"
        return ties.capitalize() if ties else "Lives with them"


@dataclass(frozen=True)
class FamilyShown:
    """The family view as the actor may see it.

    ``address`` is the person's current address (None when they have none, or when the
    actor may not see it: ``address_withheld``). No count of anybody the actor may not
    see is given.
    """

    address: Address | None
    address_withheld: bool
    members: tuple[FamilyMemberShown, ...] = ()

    @property
    def co_residents(self) -> tuple[FamilyMemberShown, ...]:
        return tuple(member for member in self.members if member.co_resident)

    @property
    def relatives_elsewhere(self) -> tuple[FamilyMemberShown, ...]:
        """Related members not shown as co-residents (their address, or the person's, may be
        withheld: then they are not said to live together)."""
        return tuple(member for member in self.members if member.ties and not member.co_resident)

    @property
    def kind(self) -> str | None:
        return None if self.address is None else self.address.kind

    @property
    def summary(self) -> str:
        """What the current address is, in a sentence, without counting anybody."""
        address = self.address
        if address is None:
            if self.address_withheld:
                return "You may not see this person's current address, so their household is not shown."
            return "The person index holds no current address for this person."
        if address.kind == "communal":
            return (f"This is {address.description}: a communal establishment, not one household. "
                    "Its other residents are not shown as family unless a source says they are related.")
        if address.kind == "not_a_home":
            return (f"This is {address.description}, not a home: an address anomaly. "
                    "Others recorded here are not shown as a household unless a source says they are related.")
        if address.kind == "unknown_address":
            return "The gazetteer does not hold this UPRN."
        return "An ordinary home."


@dataclass(frozen=True)
class Basis:
    """What allowed some of the records shown: the user's own organisation, an agreement
    for the stated purpose, break-glass, or the data team's processing; and how many."""

    kind: str  # "own", "agreement", "break_glass" or "processing"
    records: int
    agreement: str = ""  # the agreement's code, for "agreement"
    purpose: str = ""  # the purpose's code, for "agreement"


def bases_of(records: Iterable[Disclosed]) -> tuple[Basis, ...]:
    """The bases of the records shown, taken from the policies that decided each one: the
    words a page shows about what the user is seeing come from here, never beside it."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for record in records:
        ids = record.policy_ids
        if OWN_ORGANISATION in ids:
            counts["own", "", ""] += 1
        elif any(policy.startswith("agreement:") for policy in ids):
            for policy in ids:
                if policy.startswith("agreement:"):
                    _prefix, code, _version, purpose, _parties = policy.split(":", 4)
                    counts["agreement", code, purpose] += 1
        elif BREAK_GLASS in ids:
            counts["break_glass", "", ""] += 1
        elif ids:
            counts["processing", "", ""] += 1
    order = {"own": 0, "agreement": 1, "break_glass": 2, "processing": 3}
    return tuple(Basis(kind, count, code, purpose)
                 for (kind, code, purpose), count in sorted(counts.items(), key=lambda item: (order[item[0][0]],
                                                                                             item[0][1:])))


@dataclass(frozen=True)
class PersonView:
    """One person as the actor may see them.

    When ``allowed`` is false nothing about the person is here but their id and why.
    A retired person (``retired_at``) shows who superseded them and their history only:
    their records belong to someone else now.
    """

    person_id: str
    allowed: bool
    reason: str
    action: str
    retired_at: datetime | None = None
    superseded_by: str | None = None
    low_information: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    card: PersonCard | None = None
    golden: tuple[GoldenValue, ...] = ()
    records: tuple[Disclosed, ...] = ()
    others_withheld: bool = False
    history: tuple[HistoryEntry, ...] = ()
    family: FamilyShown | None = None
    #: A record of the person was withheld because it is of a sensitive service: the page
    #: says that a service is involved, never which (set only when the person is shown).
    shielded: bool = False
    #: What allowed the records shown (see :func:`bases_of`).
    bases: tuple[Basis, ...] = ()

    @property
    def name(self) -> str:
        return self.card.name if self.card else self.person_id

    @property
    def family_ids(self) -> tuple[str, ...]:
        """The persons reached from this one through the household or a stated relationship,
        as the family view showed them (what a working context carries to)."""
        return tuple(member.card.person_id for member in self.family.members) if self.family else ()

    @property
    def own_records_only(self) -> bool:
        """Everything shown is the user's own organisation's."""
        return bool(self.bases) and all(basis.kind == "own" for basis in self.bases)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


# --------------------------------------------------------------------------- the search


def search_persons(
    session: Session,
    actor: Actor,
    query: RecordQuery,
    *,
    action: str,
    purpose: StatedPurpose | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    count_limit: int = COUNT_LIMIT,
    scan_limit: int = SCAN_LIMIT,
) -> PersonSearchResult:
    """Page ``page`` of the persons matching ``query`` that ``actor`` may see, for
    ``action``, closest match first, with the true number of them.

    Matching records are put to the sharing decision closest first, in batches (each
    decision audited, shown or not); a person is counted and listed when one of their
    matching records is disclosed and matches on its disclosed fields alone. Every
    matching record is considered, so the count is true, unless more than
    ``count_limit`` persons are found or ``scan_limit`` records considered: then the
    search stops and says so (``truncated``), and the count is a floor. The other records
    of the persons on the page are then disclosed for their cards. Persons refused are
    left out without a trace. The search itself is audited with the kinds of criteria typed
    (never their values: :meth:`RecordQuery.given`).
    ``purpose`` is what the user stated (none: their own organisation's records only, and
    the data team's processing rules).
    """
    if query.is_empty:
        return PersonSearchResult(query, per_page=per_page)
    ordered = session.execute(matching_records(query).outerjoin(
        PersonRecord, PersonRecord.source_record_id == SourceRecord.id
    ).with_only_columns(SourceRecord.id, PersonRecord.person_id).limit(scan_limit + 1)).all()
    # Whose, and whether live, read once for the records the search may consider (not
    # joined into the match, which would look up the person of every record with the name).
    people = _people(session, {pk for _record_id, pk in ordered if pk is not None})
    seen: dict[int, Disclosed] = {}
    memo = DecisionMemo(actor, shows=SEARCH_SHOWS)
    for record_id, pk in ordered:
        memo.held(record_id, pk, people[pk][1] if pk in people else None)
    loaded: dict[int, SourceRecord] = {}
    best: dict[int, int] = {}
    matched: dict[int, list[int]] = defaultdict(list)
    unlinked: list[tuple[int, Disclosed]] = []
    considered = 0
    while considered < min(len(ordered), scan_limit) and len(best) <= count_limit:
        # No bigger than it takes to pass the count limit, if every record were a new person.
        wanted = min(BATCH_SIZE, max(MIN_BATCH, count_limit + 1 - len(best)))
        batch = ordered[considered:min(considered + wanted, scan_limit)]
        if batch[-1][0] not in loaded:  # loaded ahead: a load is not a disclosure, and one costs less than many
            loaded.update((record.id, record) for record in load_records(
                session, [row[0] for row in ordered[considered:min(considered + LOAD_AHEAD, scan_limit)]]))
        considered += len(batch)
        records = sorted((loaded[row[0]] for row in batch), key=lambda record: record.id)
        _disclose(session, actor, records, action, seen, purpose, memo)
        for record_id, pk in batch:
            found = seen[record_id]
            grade = disclosed_match(query, found.fields, stored_keys(loaded[record_id])) if found.allowed else None
            if grade is None:
                continue
            if pk is None:
                unlinked.append((grade, found))
            elif people.get(pk, (False,))[0]:
                matched[pk].append(record_id)
                best[pk] = min(best.get(pk, grade), grade)
    truncated = considered < len(ordered)
    ranked = sorted(best, key=lambda pk: best[pk])  # stable: the statement's order within a grade
    pages = max(1, -(-len(ranked) // per_page))
    page = min(max(1, page), pages)
    shown = ranked[(page - 1) * per_page:page * per_page]
    persons, held = _persons(session, shown), _held(session, shown)
    for pk in shown:
        for record in held[pk]:
            memo.held(record.id, pk, persons[pk].person_id)
    _disclose(session, actor, [record for pk in shown for record in held[pk]], action, seen, purpose, memo)
    cards = [replace(_card(persons[pk], held[pk], seen, matched=matched[pk]), closeness=best[pk]) for pk in shown]
    unlinked.sort(key=lambda item: item[0])
    result = PersonSearchResult(
        query, cards, [_as_found(found) for _grade, found in unlinked[:per_page]], truncated, total=len(ranked),
        exact=sum(1 for grade in best.values() if grade == EXACT), unlinked_total=len(unlinked), page=page,
        per_page=per_page,
    )
    record_event(
        session,
        actor,
        action="search",
        outcome="completed",
        subject_type="persons",
        details={"criteria": query.given(), "purpose": action, "found": result.total, "page": page,
                 "shown": len(cards), "unlinked": result.unlinked_total, "truncated": truncated,
                 **({"stated_purpose": purpose.code} if purpose and purpose.code else {})},
    )
    return result


def _as_found(record: Disclosed) -> Disclosed:
    """A record as a search lists it: who it is about and whose it is (what the log says
    the search showed); opening it shows the rest, and is logged then."""
    return replace(record, fields={name: value for name, value in record.fields.items() if name in SEARCH_SHOWS})


# --------------------------------------------------------------------------- one person


def view_person(session: Session, actor: Actor, person_id: str, *, action: str,
                purpose: StatedPurpose | None = None) -> PersonView | None:
    """``person_id`` as ``actor`` may see them for ``action`` and the stated ``purpose``
    (none: their own organisation's records only), or None when there is no such person.

    Every record read passes the sharing decision (audited per record) and the view
    itself is audited (``person.view``), allowed or refused. A refusal comes back as a
    value so that the caller's transaction keeps the audit. A live person is shown when
    the actor may see at least one of their records; a retired person when the actor may
    see a record of the live person who now holds their records.
    """
    person = session.scalar(select(Person).where(Person.person_id == person_id))
    if person is None:
        return None
    if person.retired_at is not None:
        return _retired(session, actor, person, action, purpose)
    records = _held(session, [person.id]).get(person.id, [])
    seen: dict[int, Disclosed] = {}
    memo = DecisionMemo(actor)
    for record in records:
        memo.held(record.id, person.id, person.person_id)
    _disclose(session, actor, records, action, seen, purpose, memo)
    disclosed = [seen[record.id] for record in records if seen[record.id].allowed]
    allowed = bool(disclosed)
    _audit_view(session, actor, person, action, allowed, len(disclosed), purpose)
    if not allowed:
        return PersonView(person.person_id, False, REFUSED, action)
    golden = _golden(person, records, seen, matched_uprns(session, [record.id for record in records]))
    card = _card(person, records, seen)
    return PersonView(
        person.person_id,
        True,
        ALLOWED if len(disclosed) < len(records) else ALL_ALLOWED,
        action,
        low_information=person.low_information,
        created_at=person.created_at,
        updated_at=person.updated_at,
        card=card,
        golden=golden,
        records=tuple(disclosed),
        others_withheld=len(disclosed) < len(records),
        history=_history(session, person, action),
        family=_family(session, actor, person, records, seen, golden, action, purpose, memo),
        shielded=any(seen[record.id].shielded for record in records),
        bases=bases_of(disclosed),
    )


def person_cards(session: Session, actor: Actor, person_pks: Iterable[int], *, action: str) -> dict[int, PersonCard]:
    """The cards of persons the caller already knows by key (a practitioner's own people),
    as a list shows them: each of their records decided and audited, with no stated
    purpose. A person none of whose records the actor may see, or who is retired, is left
    out: the caller says so without naming them."""
    live = sorted(_live(session, person_pks))
    persons, held = _persons(session, live), _held(session, live)
    seen: dict[int, Disclosed] = {}
    _disclose(session, actor, [record for pk in live for record in held[pk]], action, seen)
    return {pk: _card(persons[pk], held[pk], seen) for pk in live
            if any(seen[record.id].allowed for record in held[pk])}


def _retired(session: Session, actor: Actor, person: Person, action: str, purpose: StatedPurpose | None) -> PersonView:
    successor = _live_successor(session, person)
    allowed = False
    if successor is not None:
        records = _held(session, [successor.id]).get(successor.id, [])
        seen: dict[int, Disclosed] = {}
        _disclose(session, actor, records, action, seen, purpose)
        allowed = any(decision.allowed for decision in seen.values())
    _audit_view(session, actor, person, action, allowed, 0, purpose)
    if not allowed:
        return PersonView(person.person_id, False, REFUSED, action)
    return PersonView(
        person.person_id,
        True,
        "You may see some of the records that were this person's.",
        action,
        retired_at=person.retired_at,
        superseded_by=person.superseded_by,
        created_at=person.created_at,
        updated_at=person.updated_at,
        history=_history(session, person, action),
    )


def _live_successor(session: Session, person: Person) -> Person | None:
    seen = {person.person_id}
    current = person
    for _ in range(SUCCESSION_LIMIT):
        if current.superseded_by is None or current.superseded_by in seen:
            return None
        seen.add(current.superseded_by)
        current = session.scalar(select(Person).where(Person.person_id == current.superseded_by))
        if current is None:
            return None
        if current.retired_at is None:
            return current
    return None


def _audit_view(session: Session, actor: Actor, person: Person, action: str, allowed: bool, shown: int,
                purpose: StatedPurpose | None = None) -> None:
    record_event(
        session,
        actor,
        action="person.view",
        outcome="allowed" if allowed else "denied",
        subject_type="person",
        subject_id=person.person_id,
        reason=ALLOWED if allowed else REFUSED,
        details={"purpose": action, "records_shown": shown,
                 **({"stated_purpose": purpose.code, "safeguarding_risk": purpose.safeguarding_risk,
                     "relationship": purpose.relationship} if purpose and purpose.code else {}),
                 **({"working_context": purpose.context} if purpose and purpose.context else {})},
    )


def _history(session: Session, person: Person, action: str) -> tuple[HistoryEntry, ...]:
    """The person's history. Outside person-index processing it says what happened but not
    who decided, why, or how many records moved: reviewers' reasons are written by people
    who saw every agency's records, and counts reveal records the reader may not see."""
    reviewing = action in LINKAGE_ACTIONS
    entries = []
    for entry in person_history(session, person):
        details = entry.get("details") or {}
        kind, other, count = entry["kind"], None, details.get("count")
        if kind == "merged":
            other = details.get("merged")
        elif kind == "retired":
            other = details.get("superseded_by")
        elif kind == "split":
            records = details.get("records") or []
            count = len(records) if isinstance(records, list) else None
            if details.get("into"):
                kind, other = "split_into", details["into"]
            else:
                kind, other = "split_from", details.get("from")
        if not reviewing:
            entries.append(HistoryEntry(entry.get("at"), kind, entry.get("run_id"), "", "", None, other))
            continue
        entries.append(HistoryEntry(entry.get("at"), kind, entry.get("run_id"), entry.get("decided_by") or "",
                                    entry.get("reason") or "", count, other))
    return tuple(entries)


def _family(
    session: Session,
    actor: Actor,
    person: Person,
    records: list[SourceRecord],
    seen: dict[int, Disclosed],
    golden: tuple[GoldenValue, ...],
    action: str,
    purpose: StatedPurpose | None = None,
    memo: DecisionMemo | None = None,
) -> FamilyShown | None:
    try:
        view = family_view(session, person)
    except LookupError:
        return None
    address_shown = any(value.field == "uprn" for value in golden)
    mine = _sources(records, seen)
    wanted = [member.person.person_id for member in view.members]
    members = {found.person_id: found for found in session.scalars(select(Person).where(Person.person_id.in_(wanted)))} \
        if wanted else {}
    held = _held(session, [found.id for found in members.values()])
    for found in members.values() if memo is not None else ():
        for record in held[found.id]:
            memo.held(record.id, found.id, found.person_id)
    _disclose(session, actor, [record for rows in held.values() for record in rows], action, seen, purpose, memo)
    shown = []
    for member in view.members:
        other = members.get(member.person.person_id)
        theirs = held.get(other.id, []) if other is not None else []
        if other is None or not any(seen[record.id].allowed for record in theirs):
            continue
        their_golden = _golden(other, theirs, seen)
        their_address = any(value.field == "uprn" for value in their_golden)
        # A stated relationship is something an agency recorded about the person: never
        # part of the identifying fields person-index processing may see.
        sources = set() if action in LINKAGE_ACTIONS else mine & _sources(theirs, seen)
        ties = tuple(
            Tie(tie.kind, tuple(source for source in tie.sources if source in sources))
            for tie in member.ties
            if any(source in sources for source in tie.sources)
        )
        co_resident = member.co_resident and address_shown and their_address
        if not (co_resident or ties):
            continue
        stating = {source for tie in ties for source in tie.sources}
        shown.append(FamilyMemberShown(
            _card(other, theirs, seen), co_resident, ties, member.address if their_address else None,
            tuple(sorted({record.source_system.name for record in records + theirs
                          if record.source_system.code in stating})),
        ))
    shown.sort(key=lambda member: not member.co_resident)
    address = view.address if address_shown else None
    return FamilyShown(address, view.address is not None and not address_shown, tuple(shown))


# --------------------------------------------------------------------------- helpers


def matched_uprns(session: Session, record_ids: list[int]) -> dict[int, str]:
    """record id → the UPRN its address is matched to (a settled match only).

    Read by record id alone and sorted out here: given the status too, SQLite without
    planner statistics walks the status index (every matched record, a million of them
    at a million records: 190 ms a page) instead of looking up the few records asked for."""
    if not record_ids:
        return {}
    rows = session.execute(select(AddressMatch.source_record_id, AddressMatch.uprn, AddressMatch.status,
                                  AddressMatch.needs_rematch).where(AddressMatch.source_record_id.in_(record_ids)))
    return {record_id: uprn for record_id, uprn, status, rematch in rows
            if status == "matched" and not rematch and uprn is not None}


def _live(session: Session, pks: Iterable[int]) -> set[int]:
    """Those of the persons ``pks`` who are not retired."""
    wanted = sorted(set(pks))
    if not wanted:
        return set()
    return set(session.scalars(select(Person.id).where(Person.id.in_(wanted), Person.retired_at.is_(None))))


def _people(session: Session, pks: set[int]) -> dict[int, tuple[bool, str]]:
    """person pk → whether they are live, and their public id."""
    wanted = sorted(pks)
    found: dict[int, tuple[bool, str]] = {}
    for start in range(0, len(wanted), 1000):
        found.update((pk, (retired_at is None, public_id)) for pk, retired_at, public_id in session.execute(
            select(Person.id, Person.retired_at, Person.person_id).where(Person.id.in_(wanted[start:start + 1000]))))
    return found


def _persons(session: Session, pks: Iterable[int]) -> dict[int, Person]:
    wanted = sorted(set(pks))
    if not wanted:
        return {}
    return {person.id: person for person in session.scalars(select(Person).where(Person.id.in_(wanted)))}


def _held(session: Session, pks: Iterable[int]) -> dict[int, list[SourceRecord]]:
    """Each person's source records (source system and owner loaded), in record id order."""
    wanted = sorted(set(pks))
    held: dict[int, list[SourceRecord]] = {pk: [] for pk in wanted}
    if not wanted:
        return held
    rows = session.execute(
        select(PersonRecord.person_id, SourceRecord)
        .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
        .where(PersonRecord.person_id.in_(wanted))
        .order_by(SourceRecord.id)
    ).all()
    for pk, record in rows:
        held[pk].append(record)
    with_systems(session, (record for _pk, record in rows))
    return held


def _disclose(session: Session, actor: Actor, records: list[SourceRecord], action: str,
              seen: dict[int, Disclosed], purpose: StatedPurpose | None = None,
              memo: DecisionMemo | None = None) -> None:
    """Disclose (deciding and auditing) each record not disclosed yet, into ``seen``."""
    waiting = list({record.id: record for record in records if record.id not in seen}.values())
    seen.update((found.id, found) for found in disclose(session, actor, waiting, action=action, purpose=purpose,
                                                        memo=memo))


def _sources(records: list[SourceRecord], seen: dict[int, Disclosed]) -> set[str]:
    return {record.source_system.code for record in records if seen[record.id].allowed}


def _golden(person: Person, records: list[SourceRecord], seen: dict[int, Disclosed],
            uprns: dict[int, str] | None = None) -> tuple[GoldenValue, ...]:
    """The golden record's fields that the actor may see.

    A value is shown when the decision on the record it came from discloses the field,
    or when a record of the person that the actor may see holds the very same value
    (then that record is named as its source: the value is disclosed there too). The
    UPRN is shown through a record whose address the actor may see and that is matched to
    that very UPRN (``uprns``: record id → its matched UPRN).
    """
    by_id = {record.id: record for record in records}
    visible = {record.id: seen[record.id].fields
               for record in records if record.id in seen and seen[record.id].allowed}
    shown = []
    for name in GOLDEN_FIELDS:
        entry = (person.golden or {}).get(name)
        if not entry:
            continue
        holder = by_id.get(entry.get("record_id"))
        if holder is None or DISCLOSED_AS.get(name, name) not in visible.get(holder.id, {}):
            if name in DISCLOSED_AS:
                holder = next((by_id[record_id] for record_id, fields in visible.items()
                               if DISCLOSED_AS[name] in fields and (uprns or {}).get(record_id) == entry.get("value")),
                              None)
            else:
                holder = next((by_id[record_id] for record_id, fields in visible.items()
                               if fields.get(name) is not None and fields.get(name) == entry.get("value")), None)
        if holder is None:
            continue
        fields = visible[holder.id]
        # Agreement among the records the actor may see only: counting every record
        # would tell them how many records other agencies hold.
        held = [found.get(name) for found in visible.values() if found.get(name) not in (None, "")]
        agreeing, of = (sum(1 for value in held if value == entry.get("value")), len(held)) if held else (1, 1)
        owner = holder.source_system.owner
        shown.append(GoldenValue(
            name, entry.get("value"), holder.source_system.code,
            holder.source_system.name if "source" in fields else None,
            holder.id, max(agreeing, 1), max(of, 1),
            owner.name if "source" in fields and owner is not None else None,
        ))
    return tuple(shown)


def _card(person: Person, records: list[SourceRecord], seen: dict[int, Disclosed], *,
          matched: Iterable[int] = ()) -> PersonCard:
    disclosed = [seen[record.id] for record in records if seen[record.id].allowed]
    values = {value.field: value.value for value in _golden(person, records, seen)}
    for name in GOLDEN_FIELDS:
        if name in values:
            continue
        counts = Counter(record.fields.get(name) for record in disclosed if record.fields.get(name))
        if counts:
            values[name] = counts.most_common(1)[0][0]
    return PersonCard(person.person_id, values, tuple(disclosed), person.low_information, tuple(matched))
