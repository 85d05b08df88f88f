"""``joinedup export addresses``: one row per source record, to check against any truth."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.gazetteer.models import AddressMatch
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem

#: The export's columns. ``uprn`` is empty unless the status is ``matched``; ``status`` is
#: ``pending`` for a record no run has matched yet. ``record_ref`` (last) tells apart a
#: source's several rows for one local id.
EXPORT_COLUMNS = ("source", "local_id", "uprn", "score", "method", "status", "record_ref")


def export_addresses(session: Session, out: Path, *, actor: Actor | None = None) -> int:
    """Write every source record's match to ``out`` as CSV; return the number of rows."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    statement = (
        select(SourceSystem.code, SourceRecord.local_id, AddressMatch.uprn, AddressMatch.score,
               AddressMatch.method, AddressMatch.status, SourceRecord.record_ref)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .outerjoin(AddressMatch, AddressMatch.source_record_id == SourceRecord.id)
        .order_by(SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref)
        .execution_options(yield_per=5000)
    )
    rows = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for source, local_id, uprn, score, method, status, record_ref in session.execute(statement):
            matched = status == "matched"
            writer.writerow((
                source, local_id, uprn if matched and uprn else "",
                "" if score is None or not matched else f"{score:.4f}",
                method or "", status or "pending", record_ref,
            ))
            rows += 1
    record_event(session, actor or Actor.system("cli"), action="address.export", outcome="completed",
                 subject_type="address_matches", details={"file": out.name, "rows": rows})
    return rows
