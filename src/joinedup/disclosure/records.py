"""Finding and opening source records, only ever through the disclosure layer.

Nothing here decides who may see what: the policy point does (through
:func:`joinedup.disclosure.core.disclose`, which audits each decision). These functions
find candidate records, disclose them, and hand back only the fields allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.disclosure.core import BATCH_SIZE, Disclosed, disclose, with_source
from joinedup.disclosure.search import RecordQuery, matches_disclosed, matching_records
from joinedup.ingest.models import SourceRecord
from joinedup.sharing import StatedPurpose


@dataclass(frozen=True)
class SearchResult:
    query: RecordQuery
    records: list[Disclosed] = field(default_factory=list)
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

    Candidates are disclosed in batches until ``limit`` are allowed or ``scan_limit`` have
    been considered; ``truncated`` says there may be more. A record matches only through
    the fields disclosed of it. Records refused are left out without a trace on screen:
    that an agency holds a record about someone can itself be sensitive. Every candidate
    considered has its decision audited, shown or not, and the search itself is audited
    with the kinds of criteria typed, never their values.
    """
    if query.is_empty:
        return SearchResult(query)
    statement = matching_records(query)
    shown: list[Disclosed] = []
    scanned = 0
    truncated = False
    while scanned < scan_limit:
        batch = list(session.scalars(statement.offset(scanned).limit(min(BATCH_SIZE, scan_limit - scanned))))
        if not batch:
            break
        scanned += len(batch)
        shown += [found for found in disclose(session, actor, batch, action="record.search", purpose=purpose)
                  if found.allowed and matches_disclosed(query, found.fields)]
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
        details={"criteria": query.given(), "shown": len(shown), "truncated": truncated},
    )
    return SearchResult(query, shown, truncated)


def fetch_record(session: Session, actor: Actor, record_id: int, *,
                 purpose: StatedPurpose | None = None) -> Disclosed | None:
    """One record as ``actor`` may see it for the stated ``purpose``, or None if there is
    no such record.

    A refusal comes back as a value, not an exception, so that the caller's transaction
    commits and the audited decision is kept.
    """
    record = session.scalar(with_source(select(SourceRecord).where(SourceRecord.id == record_id)))
    if record is None:
        return None
    (found,) = disclose(session, actor, [record], action="record.view", purpose=purpose)
    return found
