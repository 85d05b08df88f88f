"""Households and families: who lives together, and whom the sources say is related.

Three views over the person index, for the whole-family work later capabilities need:

- **Households** (:func:`households`, :func:`household_of`): live persons grouped by
  their current UPRN (``Person.uprn``), with the property's address from the gazetteer.
  A UPRN the gazetteer classifies as a care home, hostel or house in multiple occupation
  is a **communal establishment**: its residents are listed, but the household says it
  is an establishment, not a family. A school or commercial UPRN is not a home at all.
- **Relationships** (:func:`relationships`): what the sources state between their own
  records (``stated_relationships``, written by ingest through a mapping's
  ``[relationships]``), read through the persons those records belong to and collapsed
  to one relationship per pair of persons and kind, with every source that states it.
  ``child_of`` and ``cared_for_by`` are the inverses of ``parent_of`` and ``carer_of``:
  they are stored the way round that reads "a is parent/carer of b"; ``partner_of`` is
  symmetric.
- **The family view** (:func:`family_view`): one person's household plus everyone a
  source relates them to, wherever they live (a relative elsewhere comes with their own
  address).

Nothing here decides who may see what: the web layer puts every person it shows to the
sharing decision. :func:`score_relationships` measures the relationships against a
synthetic place's ground truth.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from joinedup.gazetteer.models import GazetteerAddress
from joinedup.gazetteer.normalise import canonical_uprn
from joinedup.ingest.models import RELATIONSHIP_KINDS, SourceRecord, StatedRelationship
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord

#: Gazetteer classifications whose residents share an address but are not one household.
COMMUNAL_CLASSIFICATIONS = ("care_home", "hostel", "hmo")
#: Gazetteer classifications that are not a home at all (a home address there is an anomaly).
NON_HOME_CLASSIFICATIONS = ("school", "commercial")
#: What a household's UPRN is: an ordinary home, a communal establishment, not a home,
#: or a UPRN the gazetteer does not hold.
HOUSEHOLD_KINDS = ("home", "communal", "not_a_home", "unknown_address")

#: The kinds a relationship is kept as, each the way round that reads "a is <kind> of b".
CANONICAL_KINDS = ("parent_of", "carer_of", "partner_of")
#: Each kind's inverse: a parent_of b if and only if b child_of a.
INVERSE = {
    "parent_of": "child_of", "child_of": "parent_of", "carer_of": "cared_for_by",
    "cared_for_by": "carer_of", "partner_of": "partner_of",
}
#: "a <phrase> b", for each kind.
PHRASES = {
    "parent_of": "is the parent of", "child_of": "is the child of", "carer_of": "is the carer of",
    "cared_for_by": "is cared for by", "partner_of": "is the partner of",
}
#: What a person is, in one word or two, when they are <kind> of another.
ROLES = {
    "parent_of": "parent", "child_of": "child", "carer_of": "carer", "cared_for_by": "cared for",
    "partner_of": "partner",
}
_DESCRIPTIONS = {
    "care_home": "a care home", "hostel": "a hostel", "hmo": "a house in multiple occupation",
    "school": "a school", "commercial": "commercial premises",
}
_CHUNK = 500

assert set(INVERSE) == set(RELATIONSHIP_KINDS)


@dataclass(frozen=True)
class PersonSummary:
    """What a household or family view shows of one person (their public id and name)."""

    person_id: str
    forename: str | None
    surname: str | None
    date_of_birth: date | None
    sex: str | None
    uprn: str | None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.forename, self.surname) if part) or self.person_id

    @classmethod
    def of(cls, person: Person) -> PersonSummary:
        return _summary((person.person_id, person.forename, person.surname, person.date_of_birth,
                         person.golden, person.uprn))


@dataclass(frozen=True)
class Address:
    """A UPRN and what the gazetteer says of it (its preferred address, classification)."""

    uprn: str
    text: str | None = None  # None when the gazetteer does not hold the UPRN
    classification: str | None = None
    in_boundary: bool | None = None
    retired: bool = False

    @property
    def kind(self) -> str:
        """One of :data:`HOUSEHOLD_KINDS`."""
        if self.text is None:
            return "unknown_address"
        if self.classification in COMMUNAL_CLASSIFICATIONS:
            return "communal"
        if self.classification in NON_HOME_CLASSIFICATIONS:
            return "not_a_home"
        return "home"

    @property
    def communal(self) -> bool:
        return self.kind == "communal"

    @property
    def description(self) -> str:
        """What the property is, in words: "a home", "a care home", "not in the gazetteer"."""
        kind = self.kind
        if kind == "unknown_address":
            return "a UPRN the gazetteer does not hold"
        if kind == "home":
            return "a home"
        return _DESCRIPTIONS.get(self.classification or "", self.classification or "")


@dataclass(frozen=True)
class Household:
    """The live persons whose current UPRN is one property.

    For a communal establishment (``communal``) the residents share a roof, not a
    family: :attr:`summary` says so, and :func:`family_view` never treats them as one.
    """

    address: Address
    residents: tuple[PersonSummary, ...]

    @property
    def uprn(self) -> str:
        return self.address.uprn

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def communal(self) -> bool:
        return self.address.communal

    @property
    def is_family_home(self) -> bool:
        """Whether the residents can be read as one household (not an establishment or a
        place that is not a home)."""
        return self.kind in ("home", "unknown_address")

    @property
    def summary(self) -> str:
        count = len(self.residents)
        people = "1 person" if count == 1 else f"{count} people"
        if self.kind == "communal":
            residents = "1 resident" if count == 1 else f"{count} residents"
            return f"{self.address.description.capitalize()}: {residents}, a communal establishment, not one household"
        if self.kind == "not_a_home":
            return f"{self.address.description.capitalize()}, not a home: {people} recorded here"
        return f"{people} at this address"


@dataclass(frozen=True)
class Relationship:
    """``person`` is ``kind`` of ``related``, as ``sources`` (source system codes) state.

    ``kind`` is one of :data:`CANONICAL_KINDS`; a partnership is kept once, the person
    with the lower id first.
    """

    person: PersonSummary
    related: PersonSummary
    kind: str
    sources: tuple[str, ...]

    @property
    def inverse_kind(self) -> str:
        return INVERSE[self.kind]

    @property
    def described(self) -> str:
        return f"{self.person.name} {PHRASES[self.kind]} {self.related.name}"

    @property
    def inverse_described(self) -> str:
        return f"{self.related.name} {PHRASES[self.inverse_kind]} {self.person.name}"

    def seen_from(self, person_id: str) -> tuple[str, PersonSummary]:
        """(what the other person is to ``person_id``, the other person): for b in
        "a parent_of b", ("parent_of", a): a is b's parent."""
        if person_id == self.related.person_id:
            return self.kind, self.person
        if person_id == self.person.person_id:
            return self.inverse_kind, self.related
        raise ValueError(f"{person_id} is not in this relationship")


@dataclass(frozen=True)
class Tie:
    """How a family member is related to the view's person: the member is ``kind`` of
    them (``parent_of``: the member is their parent), as ``sources`` state."""

    kind: str
    sources: tuple[str, ...]

    @property
    def role(self) -> str:
        """The member's role, in a word: parent, child, carer, cared for, partner."""
        return ROLES[self.kind]

    @property
    def phrase(self) -> str:
        return PHRASES[self.kind]


@dataclass(frozen=True)
class FamilyMember:
    """Someone in a person's family view: a co-resident of their home, a relative a
    source states (wherever they live), or both. ``address`` is the member's own."""

    person: PersonSummary
    address: Address | None
    co_resident: bool
    ties: tuple[Tie, ...] = ()

    @property
    def related(self) -> bool:
        return bool(self.ties)


@dataclass(frozen=True)
class FamilyView:
    """One person's household plus every stated relationship, for whole-family work.

    ``household`` is everyone at the person's current UPRN (None without one); when it is
    a communal establishment or not a home, its other residents are not family members
    unless a source relates them. ``members`` lists co-residents first (oldest first),
    then relatives elsewhere.
    """

    person: PersonSummary
    address: Address | None
    household: Household | None
    members: tuple[FamilyMember, ...] = field(default_factory=tuple)

    @property
    def co_residents(self) -> tuple[FamilyMember, ...]:
        return tuple(member for member in self.members if member.co_resident)

    @property
    def relatives(self) -> tuple[FamilyMember, ...]:
        return tuple(member for member in self.members if member.related)

    @property
    def relatives_elsewhere(self) -> tuple[FamilyMember, ...]:
        return tuple(member for member in self.members if member.related and not member.co_resident)


# --------------------------------------------------------------------------- households


def uprn_addresses(session: Session, uprns: Iterable[str]) -> dict[str, Address]:
    """The gazetteer's address of each UPRN (its preferred, live LPI first); a UPRN the
    gazetteer does not hold maps to an :class:`Address` with no text."""
    wanted = sorted({canonical_uprn(uprn) for uprn in uprns if uprn})
    found: dict[str, GazetteerAddress] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = session.scalars(select(GazetteerAddress).where(GazetteerAddress.uprn.in_(wanted[start:start + _CHUNK])))
        for row in rows:
            best = found.get(row.uprn)
            if best is None or _preference(row) < _preference(best):
                found[row.uprn] = row
    result = {}
    for uprn in wanted:
        lpi = found.get(uprn)
        result[uprn] = Address(uprn) if lpi is None else Address(
            uprn, lpi.single_line, lpi.classification or None, lpi.in_boundary, lpi.retired_at is not None
        )
    return result


def _preference(lpi: GazetteerAddress) -> tuple[bool, bool, int]:
    return (lpi.retired_at is not None, not lpi.preferred, lpi.id)


_SUMMARY_COLUMNS = (Person.person_id, Person.forename, Person.surname, Person.date_of_birth, Person.golden, Person.uprn)


def _summary(row) -> PersonSummary:
    person_id, forename, surname, born, golden, uprn = row
    return PersonSummary(person_id, forename, surname, born, ((golden or {}).get("sex") or {}).get("value"), uprn)


def _residents(session: Session, uprns: list[str] | None) -> dict[str, list[PersonSummary]]:
    query = select(*_SUMMARY_COLUMNS).where(Person.retired_at.is_(None), Person.uprn.is_not(None))
    chunks = [None] if uprns is None else [uprns[start:start + _CHUNK] for start in range(0, len(uprns), _CHUNK)]
    by_uprn: dict[str, list[PersonSummary]] = defaultdict(list)
    for chunk in chunks:
        selected = query if chunk is None else query.where(Person.uprn.in_(chunk))
        for row in session.execute(selected):
            summary = _summary(row)
            by_uprn[canonical_uprn(summary.uprn)].append(summary)
    return by_uprn


def _age_order(person: PersonSummary) -> tuple[date, str]:
    return (person.date_of_birth or date.max, person.person_id)


def households(session: Session, uprns: Iterable[str] | None = None) -> list[Household]:
    """Live persons grouped by current UPRN (every occupied UPRN, or just ``uprns``),
    in UPRN order; each household's residents oldest first."""
    wanted = None if uprns is None else sorted({canonical_uprn(uprn) for uprn in uprns if uprn})
    by_uprn = _residents(session, wanted)
    places = uprn_addresses(session, by_uprn)
    return [
        Household(places[uprn], tuple(sorted(by_uprn[uprn], key=_age_order)))
        for uprn in sorted(by_uprn, key=lambda uprn: (len(uprn), uprn))
    ]


def household_of(session: Session, person: Person | str) -> Household | None:
    """The household at ``person``'s current UPRN (None when they have none)."""
    person = _person(session, person)
    if not person.uprn:
        return None
    found = households(session, [person.uprn])
    return found[0] if found else None


def _person(session: Session, person: Person | str) -> Person:
    if isinstance(person, Person):
        return person
    found = session.scalar(select(Person).where(Person.person_id == person))
    if found is None:
        raise LookupError(f"there is no person {person}")
    return found


# --------------------------------------------------------------------------- relationships


def _canonical(a, b, kind: str):
    """(a, b, kind) the way round that reads "a is parent/carer/partner of b"."""
    if kind in ("child_of", "cared_for_by"):
        return b, a, INVERSE[kind]
    if kind == "partner_of" and b < a:
        return b, a, kind
    return a, b, kind


@cache
def _stated_query():
    """The statement :func:`_stated` narrows, with the two records' persons (built once:
    building it costs more than running it for one family)."""
    own, other = aliased(PersonRecord), aliased(PersonRecord)
    first, second = aliased(Person), aliased(Person)
    statement = StatedRelationship
    query = (
        select(own.person_id, other.person_id, statement.kind, SourceSystem.code)
        .select_from(statement)
        .join(own, own.source_record_id == statement.source_record_id)
        .join(other, other.source_record_id == statement.related_record_id)
        .join(first, first.id == own.person_id)
        .join(second, second.id == other.person_id)
        .join(SourceRecord, SourceRecord.id == statement.source_record_id)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(first.retired_at.is_(None), second.retired_at.is_(None))
        .distinct()
    )
    return query, own, other


def _stated(session: Session, person_pks: set[int] | None) -> dict[tuple[int, int, str], set[str]]:
    """Stated relationships between live persons, collapsed: (a, b, canonical kind) -> sources."""
    query, own, other = _stated_query()
    rows = []
    if person_pks is None:
        rows = session.execute(query).all()
    else:
        pks = sorted(person_pks)
        for start in range(0, len(pks), _CHUNK):
            chunk = pks[start:start + _CHUNK]
            # One side at a time: each is an index lookup, where "either side" joined by
            # ``or`` reads every stated relationship.
            rows.extend(session.execute(query.where(own.person_id.in_(chunk))))
            rows.extend(session.execute(query.where(other.person_id.in_(chunk))))
    collapsed: dict[tuple[int, int, str], set[str]] = defaultdict(set)
    for a, b, kind, source in rows:
        if a != b:  # two records of one person: nothing to say about the person
            collapsed[_canonical(a, b, kind)].add(source)
    return collapsed


def _summaries(session: Session, pks: Iterable[int]) -> dict[int, PersonSummary]:
    wanted = sorted(set(pks))
    found = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(Person.id, *_SUMMARY_COLUMNS).where(Person.id.in_(wanted[start:start + _CHUNK]))
        for pk, *row in session.execute(query):
            found[pk] = _summary(row)
    return found


def _relationships(session: Session, collapsed: dict[tuple[int, int, str], set[str]]) -> list[Relationship]:
    people = _summaries(session, (pk for a, b, _ in collapsed for pk in (a, b)))
    found = []
    for (a, b, kind), sources in collapsed.items():
        first, second = people[a], people[b]
        if kind == "partner_of" and second.person_id < first.person_id:
            first, second = second, first
        found.append(Relationship(first, second, kind, tuple(sorted(sources))))
    return sorted(found, key=lambda r: (r.person.person_id, r.kind, r.related.person_id))


def relationships(session: Session, persons: Iterable[Person | str] | None = None) -> list[Relationship]:
    """The stated relationships between live persons (all, or those involving ``persons``),
    one per pair and kind, each with the sources that state it."""
    pks = None
    if persons is not None:
        pks = {_person(session, person).id for person in persons}
    return _relationships(session, _stated(session, pks))


# --------------------------------------------------------------------------- the family view


def family_view(session: Session, person: Person | str) -> FamilyView:
    """``person``'s household (co-residents of an ordinary home) plus everyone a source
    relates them to, wherever they live, each with their own address.

    Raises LookupError for an unknown person id and for a retired person (whose records
    now belong to ``superseded_by``).
    """
    subject = _person(session, person)
    if subject.retired_at is not None:
        raise LookupError(f"person {subject.person_id} is retired; their records are now {subject.superseded_by}")
    me = PersonSummary.of(subject)
    household = household_of(session, subject)
    ties: dict[str, list[Tie]] = defaultdict(list)
    relatives: dict[str, PersonSummary] = {}
    for relationship in relationships(session, [subject]):
        kind, other = relationship.seen_from(me.person_id)
        ties[other.person_id].append(Tie(kind, relationship.sources))
        relatives[other.person_id] = other
    residents = {resident.person_id: resident for resident in household.residents} if household else {}
    family_home = household is not None and household.is_family_home
    places = uprn_addresses(session, [relative.uprn or "" for relative in relatives.values()])
    members = []
    for resident in (household.residents if household else ()):
        if resident.person_id == me.person_id or not (family_home or resident.person_id in ties):
            continue
        members.append(FamilyMember(resident, household.address, True, tuple(ties.get(resident.person_id, ()))))
    elsewhere = [relative for person_id, relative in relatives.items() if person_id not in residents]
    for relative in sorted(elsewhere, key=_age_order):
        place = places.get(canonical_uprn(relative.uprn)) if relative.uprn else None
        members.append(FamilyMember(relative, place, False, tuple(ties[relative.person_id])))
    address = household.address if household else None
    return FamilyView(me, address, household, tuple(members))


# --------------------------------------------------------------------------- accuracy


@dataclass(frozen=True)
class RelationshipScore:
    """Stated relationships measured against a synthetic place's truth.

    ``true_relationships`` counts the true relationships (parent, carer, partner; each
    once) between two people who both have a person in the index; ``recovered`` how many
    of them some stated relationship gives. ``stated`` counts the index's relationships
    (:func:`relationships`), ``wrong`` those that are not true of the people they join
    (each person read as the true person most of their records are). ``statements`` and
    ``statements_wrong`` do the same for the record-level statements, before linkage.
    """

    true_relationships: int
    recovered: int
    stated: int
    wrong: int
    statements: int
    statements_wrong: int
    by_kind: dict[str, tuple[int, int, int, int]]  # kind -> (true, recovered, stated, wrong)

    @property
    def recall(self) -> float:
        return self.recovered / self.true_relationships if self.true_relationships else 0.0

    @property
    def precision(self) -> float:
        return (self.stated - self.wrong) / self.stated if self.stated else 0.0


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def score_relationships(session: Session, truth: Path) -> RelationshipScore:
    """Score the index's relationships against ``truth`` (a place's ``truth/`` directory:
    ``records.csv`` says whose each record is, ``relationships.csv`` who is related)."""
    truth = Path(truth)
    owner = {(row["source"], row["local_id"], row["record_ref"]): row["person_id"]
             for row in _read_csv(truth / "records.csv")}
    true = {_canonical(row["person_id"], row["related_person_id"], row["relationship"])
            for row in _read_csv(truth / "relationships.csv")}
    records = session.execute(
        select(SourceRecord.id, SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref,
               PersonRecord.person_id)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .outerjoin(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
    ).all()
    true_of_record = {record_id: owner.get((code, local_id, ref)) for record_id, code, local_id, ref, _ in records}
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for record_id, _, _, _, person_pk in records:
        if person_pk is not None and true_of_record[record_id]:
            votes[person_pk][true_of_record[record_id]] += 1
    live = set(session.scalars(select(Person.id).where(Person.retired_at.is_(None))))
    true_of_person = {pk: min(counter.items(), key=lambda item: (-item[1], item[0]))[0]
                      for pk, counter in votes.items() if pk in live}
    indexed = set(true_of_person.values())
    among = {relation for relation in true if relation[0] in indexed and relation[1] in indexed}

    by_kind = {kind: [0, 0, 0, 0] for kind in CANONICAL_KINDS}
    for relation in among:
        by_kind[relation[2]][0] += 1
    found: set[tuple[str, str, str]] = set()
    wrong = 0
    collapsed = _stated(session, None)
    for a, b, kind in collapsed:
        relation = _canonical(true_of_person.get(a, ""), true_of_person.get(b, ""), kind)
        by_kind[kind][2] += 1
        if relation in true:
            found.add(relation)
        else:
            wrong += 1
            by_kind[kind][3] += 1
    for relation in found & among:
        by_kind[relation[2]][1] += 1

    statements = statements_wrong = 0
    for source_id, related_id, kind in session.execute(
        select(StatedRelationship.source_record_id, StatedRelationship.related_record_id, StatedRelationship.kind)
    ):
        statements += 1
        relation = _canonical(true_of_record.get(source_id) or "", true_of_record.get(related_id) or "", kind)
        statements_wrong += relation not in true
    return RelationshipScore(
        true_relationships=len(among), recovered=len(found & among), stated=len(collapsed), wrong=wrong,
        statements=statements, statements_wrong=statements_wrong,
        by_kind={kind: tuple(counts) for kind, counts in by_kind.items()},
    )
