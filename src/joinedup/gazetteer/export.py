"""``joinedup export addresses``: one row per source record, to check against any truth.

The export is address data-quality processing: every record is put to the sharing
decision (:func:`joinedup.sharing.decide_record_access`, action ``address.export``) in
batches, each decision audited, and a row is written only for a record whose decision
discloses the fields the row shows (:data:`ROW_FIELDS`), with the disclosed values.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.gazetteer.models import AddressMatch
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.sharing import decide_record_access, disclosed_fields
from joinedup.spreadsheets import SafeWriter

#: The export's columns. ``uprn`` is empty unless the status is ``matched``; ``status`` is
#: ``pending`` for a record no run has matched yet. ``record_ref`` (last) tells apart a
#: source's several rows for one local id.
EXPORT_COLUMNS = ("source", "local_id", "uprn", "score", "method", "status", "record_ref")
#: The record's fields a row shows; the match (uprn, score, method, status) is derived
#: from its address, so it is shown with them.
ROW_FIELDS = frozenset({"source", "local_id", "record_ref", "address_text", "postcode"})
#: How many records one batch of decisions covers.
BATCH = 1000


def export_addresses(session: Session, out: Path, *, actor: Actor) -> int:
    """Write the match of every source record ``actor`` may see to ``out`` as CSV; return
    the number of rows. Each record's decision is audited (``address.export``)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    order = (
        select(SourceRecord.id)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .order_by(SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref, SourceRecord.id)
    )
    ids = list(session.scalars(order))
    rows = refused = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = SafeWriter(handle)
        writer.writerow(EXPORT_COLUMNS)
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            loaded = {
                record.id: record
                for record in session.scalars(
                    select(SourceRecord).where(SourceRecord.id.in_(batch))
                    .options(selectinload(SourceRecord.source_system))
                )
            }
            matches = {
                record_id: (uprn, score, method, status)
                for record_id, uprn, score, method, status in session.execute(
                    select(AddressMatch.source_record_id, AddressMatch.uprn, AddressMatch.score,
                           AddressMatch.method, AddressMatch.status)
                    .where(AddressMatch.source_record_id.in_(batch))
                )
            }
            records = [loaded[record_id] for record_id in batch if record_id in loaded]
            for record, decision in zip(
                records, decide_record_access(session, actor, records, action="address.export"), strict=True
            ):
                if not decision.allowed or not ROW_FIELDS <= decision.fields:
                    refused += 1
                    continue
                fields = disclosed_fields(record, decision)
                uprn, score, method, status = matches.get(record.id, (None, None, None, None))
                matched = status == "matched"
                writer.writerow((
                    fields["source"], fields["local_id"], uprn if matched and uprn else "",
                    "" if score is None or not matched else f"{score:.4f}",
                    method or "", status or "pending", fields["record_ref"],
                ))
                rows += 1
    record_event(session, actor, action="address.export", outcome="completed",
                 subject_type="address_matches", details={"file": out.name, "rows": rows, "refused": refused})
    return rows
