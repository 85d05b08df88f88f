"""Finding and opening source records, only ever through the sharing decision.

Nothing here decides who may see what: :func:`joinedup.sharing.decide_record_access`
does, and audits each decision. These functions find candidate records, ask it, and
hand back only the fields it disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.records.query import RecordQuery, compact
from joinedup.sharing import AccessDecision, StatedPurpose, decide_record_access, disclosed_fields

IDENTIFIER_COLUMNS = (
    SourceRecord.nhs_number,
    SourceRecord.ni_number,
    SourceRecord.upn,
    SourceRecord.local_id,
    SourceRecord.record_ref,
)
NAME_FIELDS = ("forename", "middle_names", "surname")

#: How many candidates are put to the sharing decision at once.
BATCH_SIZE = 100


@dataclass(frozen=True)
class DisclosedRecord:
    """A record as one actor may see it: the disclosed fields, and why.

    When ``allowed`` is false, ``fields`` is empty and ``reason`` says why.
    """

    id: int
    allowed: bool
    fields: dict[str, Any]
    reason: str
    policy_ids: tuple[str, ...]
    source_name: str | None = None
    organisation_name: str | None = None

    @property
    def display_name(self) -> str:
        parts = [self.fields.get(name) for name in ("forename", "middle_names", "surname")]
        return " ".join(part for part in parts if part) or "Name not disclosed"


@dataclass(frozen=True)
class SearchResult:
    query: RecordQuery
    records: list[DisclosedRecord] = field(default_factory=list)
    truncated: bool = False


def search_records(
    session: Session,
    actor: Actor,
    query: RecordQuery,
    *,
    purpose: StatedPurpose | None = None,
    limit: int = 50,
    scan_limit: int = 1000,
) -> SearchResult:
    """The first ``limit`` matching records that ``actor`` may see.

    Candidates go to the sharing decision in batches until ``limit`` are allowed or
    ``scan_limit`` have been considered; ``truncated`` says there may be more. Records
    refused are left out without a trace on screen: that an agency holds a record about
    someone can itself be sensitive. Every candidate considered has its decision
    audited, shown or not, and the search itself is audited with its criteria.
    """
    if query.is_empty:
        return SearchResult(query)
    statement = matching_records(query)
    shown: list[DisclosedRecord] = []
    scanned = 0
    truncated = False
    while scanned < scan_limit:
        batch = list(session.scalars(statement.offset(scanned).limit(min(BATCH_SIZE, scan_limit - scanned))))
        if not batch:
            break
        scanned += len(batch)
        decisions = decide_record_access(session, actor, batch, action="record.search", purpose=purpose)
        for record, decision in zip(batch, decisions, strict=True):
            if decision.allowed and matches_disclosed(query, disclosed_fields(record, decision)):
                shown.append(disclose_record(record, decision))
        if len(shown) > limit:
            break
    else:
        truncated = (
            session.scalar(statement.offset(scanned).limit(1).with_only_columns(SourceRecord.id)) is not None
        )
    if len(shown) > limit:
        shown, truncated = shown[:limit], True
    record_event(
        session,
        actor,
        action="search",
        outcome="completed",
        subject_type="source_records",
        details={"criteria": query.as_dict(), "shown": len(shown), "truncated": truncated},
    )
    return SearchResult(query, shown, truncated)


def fetch_record(session: Session, actor: Actor, record_id: int, *,
                 purpose: StatedPurpose | None = None) -> DisclosedRecord | None:
    """One record as ``actor`` may see it for the stated ``purpose``, or None if there is
    no such record.

    A refusal comes back as a value, not an exception, so that the caller's transaction
    commits and the audited decision is kept.
    """
    record = session.scalar(_with_source(select(SourceRecord).where(SourceRecord.id == record_id)))
    if record is None:
        return None
    (decision,) = decide_record_access(session, actor, [record], action="record.view", purpose=purpose)
    return disclose_record(record, decision)


def disclose_record(record: SourceRecord, decision: AccessDecision) -> DisclosedRecord:
    """``record`` as ``decision`` lets it be seen (its source system and owner loaded)."""
    fields = disclosed_fields(record, decision)
    shows_source = "source" in fields
    return DisclosedRecord(
        id=record.id,
        allowed=decision.allowed,
        fields=fields,
        reason=decision.reason,
        policy_ids=tuple(decision.policy_ids),
        source_name=record.source_system.name if shows_source else None,
        organisation_name=record.source_system.owner.name if shows_source else None,
    )


def _with_source(statement: Select) -> Select:
    return statement.options(selectinload(SourceRecord.source_system).selectinload(SourceSystem.owner))


def matching_records(query: RecordQuery) -> Select:
    """Every source record matching ``query`` (each part must match), in name order.

    A statement only: nothing is disclosed until the sharing decision has been asked.
    """
    conditions = []
    for name in query.names:
        pattern = _escape_like(name) + "%"
        conditions.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (SourceRecord.forename, SourceRecord.middle_names, SourceRecord.surname)
                )
            )
        )
    if query.date_of_birth is not None:
        conditions.append(SourceRecord.date_of_birth == query.date_of_birth)
    if query.postcode is not None:
        conditions.append(_compacted(SourceRecord.postcode) == compact(query.postcode))
    for identifier in query.identifiers:
        conditions.append(or_(*(_compacted(column) == identifier for column in IDENTIFIER_COLUMNS)))
    if query.problems:
        conditions.append(false())
    return _with_source(
        select(SourceRecord)
        .where(*conditions)
        .order_by(
            func.lower(func.coalesce(SourceRecord.surname, "")),
            func.lower(func.coalesce(SourceRecord.forename, "")),
            SourceRecord.date_of_birth,
            SourceRecord.id,
        )
    )


def matches_disclosed(query: RecordQuery, fields: dict[str, Any]) -> bool:
    """Whether ``query`` matches a record on the fields disclosed of it alone, as
    :func:`matching_records` matches on every field. A search must never match on a value
    the user may not see: that would tell them the value (a search is not an oracle)."""
    for name in query.names:
        if not any(str(fields.get(part) or "").lower().startswith(name) for part in NAME_FIELDS):
            return False
    if query.date_of_birth is not None and fields.get("date_of_birth") != query.date_of_birth.isoformat():
        return False
    if query.postcode is not None and compact(str(fields.get("postcode") or "")) != compact(query.postcode):
        return False
    held = {compact(str(fields[column.key])) for column in IDENTIFIER_COLUMNS if fields.get(column.key)}
    return all(identifier in held for identifier in query.identifiers)


def _compacted(column):
    return func.upper(func.replace(column, " ", ""))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
