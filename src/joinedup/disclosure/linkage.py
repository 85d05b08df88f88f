"""Records as the person index's review pages show them: person-index processing
(``person.review``), each record disclosed and audited, identifying fields only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure.core import Disclosed, disclose, load_records
from joinedup.ingest.models import SourceRecord
from joinedup.people import (
    LinkPair,
    Person,
    pairs_among,
    person_of,
    records_of,
    review_queue,
)
from joinedup.sharing import LINKAGE_FIELDS

#: The action under which every record the review pages show is decided and audited.
REVIEW_ACTION = "person.review"
#: When the pages' gate lets someone in but the policy point refuses a record.
LINK_RECORD_DENIED = "No rule allows you to see these records' identifying fields."
#: The fields a review page may show of a record, in the order it shows them: who the
#: record is about, never what an agency recorded about them.
IDENTIFYING_FIELDS = tuple(
    name
    for name in (
        "local_id", "record_ref", "forename", "middle_names", "surname", "date_of_birth", "sex",
        "address_text", "postcode", "nhs_number", "ni_number", "upn", "phone", "email",
    )
    if name in LINKAGE_FIELDS
)
#: The fields compared side by side on the pair page (the agency's references are not).
COMPARED_FIELDS = tuple(name for name in IDENTIFYING_FIELDS if name not in ("local_id", "record_ref"))


@dataclass(frozen=True)
class RecordView:
    """A source record as a review page shows it: only disclosed identifying fields."""

    id: int
    source: str
    source_name: str
    fields: dict[str, Any]

    @property
    def name(self) -> str:
        parts = [self.fields.get(part) for part in ("forename", "middle_names", "surname")]
        return " ".join(part for part in parts if part) or "Name not shown"

    @property
    def reference(self) -> str:
        return self.fields.get("local_id") or f"record {self.id}"


def _view(found: Disclosed) -> RecordView | None:
    if not found.allowed:
        return None
    return RecordView(
        id=found.id,
        source=found.fields.get("source", ""),
        source_name=found.source_name or found.fields.get("source", ""),
        fields={name: found.fields[name] for name in IDENTIFYING_FIELDS if found.fields.get(name) not in (None, "")},
    )


def _disclosed(session: Session, actor: Actor, records: Sequence[SourceRecord]) -> dict[int, RecordView | None]:
    return {found.id: _view(found) for found in disclose(session, actor, records, action=REVIEW_ACTION)}


def disclose_for_review(session: Session, actor: Actor, record_ids: Iterable[int]) -> dict[int, RecordView | None]:
    """The records of ``record_ids`` for person-index review (one audited batch): each as a
    :class:`RecordView` of its disclosed identifying fields, or None when refused. Ids
    that are not records are left out."""
    return _disclosed(session, actor, load_records(session, record_ids))


@dataclass(frozen=True)
class ReviewedPair:
    """Two records side by side, each None when the policy point refused it."""

    left: RecordView | None
    right: RecordView | None

    @property
    def shown(self) -> bool:
        return self.left is not None and self.right is not None


def pair_for_review(session: Session, actor: Actor, record_a: int, record_b: int) -> ReviewedPair | None:
    """Two records for the pair page, disclosed in one audited batch; None (and nothing
    disclosed) unless they are two records that exist."""
    if record_a == record_b:
        return None
    records = load_records(session, (record_a, record_b))
    if len(records) != 2:
        return None
    shown = _disclosed(session, actor, records)
    return ReviewedPair(shown[record_a], shown[record_b])


@dataclass(frozen=True)
class QueueRow:
    """A pair waiting for a reviewer, with each record as disclosed (None when refused)."""

    pair: LinkPair
    left: RecordView | None
    right: RecordView | None
    persons: tuple[Person | None, Person | None] = (None, None)


def queue_for_review(session: Session, actor: Actor, *, limit: int, offset: int = 0,
                     persons: bool = False) -> tuple[list[QueueRow], int]:
    """A page of the review queue (:func:`joinedup.people.review_queue`) with every record
    disclosed in one audited batch, and how many pairs wait. With ``persons``, each row
    names the two records' persons too."""
    pairs, total = review_queue(session, limit=limit, offset=offset)
    shown = disclose_for_review(session, actor, [i for pair in pairs for i in (pair.record_id_l, pair.record_id_r)])
    rows = [
        QueueRow(pair, shown.get(pair.record_id_l), shown.get(pair.record_id_r),
                 (person_of(session, pair.record_id_l), person_of(session, pair.record_id_r)) if persons
                 else (None, None))
        for pair in pairs
    ]
    return rows, total


@dataclass
class ReviewedPerson:
    """A person's records as the review pages show them: those disclosed, and how many
    were withheld. ``held`` is every record's id (ids are not personal data)."""

    person: Person
    records: list[RecordView]
    held: list[int]
    pairs: list[LinkPair] = field(default_factory=list)

    @property
    def withheld(self) -> int:
        return len(self.held) - len(self.records)

    @property
    def splittable(self) -> bool:
        """Whether a split could leave records behind: more than one agency's record."""
        return len({(record.source, record.fields.get("local_id")) for record in self.records}) > 1

    def record(self, record_id: int) -> RecordView | None:
        return next((record for record in self.records if record.id == record_id), None)


def person_for_review(session: Session, actor: Actor, person: Person, *, pairs: bool = False) -> ReviewedPerson:
    """``person``'s records disclosed in one audited batch; with ``pairs``, the pairs runs
    kept among them."""
    held = records_of(session, person)
    shown = disclose_for_review(session, actor, held)
    view = ReviewedPerson(person, [shown[i] for i in held if shown.get(i) is not None], held)
    if pairs:
        view.pairs = pairs_among(session, held)
    return view
