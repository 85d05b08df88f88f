"""Records as the person index's review pages show them: person-index processing
(``person.review``), each record disclosed and audited, identifying fields only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure.core import disclose_ids
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


def disclose_for_review(session: Session, actor: Actor, record_ids: Iterable[int]) -> dict[int, RecordView | None]:
    """The records of ``record_ids`` for person-index review (one audited batch): each as a
    :class:`RecordView` of its disclosed identifying fields, or None when refused. Ids
    that are not records are left out."""
    shown: dict[int, RecordView | None] = {}
    for record_id, found in disclose_ids(session, actor, record_ids, action=REVIEW_ACTION).items():
        shown[record_id] = None if not found.allowed else RecordView(
            id=record_id,
            source=found.fields.get("source", ""),
            source_name=found.source_name or found.fields.get("source", ""),
            fields={name: found.fields[name] for name in IDENTIFYING_FIELDS if found.fields.get(name) not in (None, "")},
        )
    return shown
