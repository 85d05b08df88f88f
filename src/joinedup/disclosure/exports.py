"""The exports of personal data, each record through the disclosure layer: ``joinedup
export links`` (one row per source record and the person it belongs to), ``joinedup
export persons`` (the golden records) and ``joinedup export addresses`` (one row per
source record and its UPRN). A row shows only what its record's decision disclosed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.gazetteer.models import AddressMatch
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.people.golden import GOLDEN_FIELDS
from joinedup.disclosure.core import disclose, with_source
from joinedup.spreadsheets import SafeWriter

LINK_COLUMNS = ("source", "local_id", "record_ref", "person_id", "match_probability", "low_information")
#: The record's fields a links row shows: its decision must disclose all of them.
LINK_FIELDS = frozenset({"source", "local_id", "record_ref"})
#: The golden record's fields as disclosed; each is followed by ``<field>_source``.
PERSON_FIELDS = GOLDEN_FIELDS
PERSON_COLUMNS = (
    "person_id", "records", "low_information",
    *(column for name in PERSON_FIELDS for column in (name, f"{name}_source")),
)
_CHUNK = 2000
#: The golden record calls the address ``address_text``, as source records do.
_RECORD_FIELD = {"uprn": "address_text"}


def export_links(session: Session, out: Path, *, actor: Actor) -> int:
    """Write the links CSV to ``out``; return the number of rows.

    Each record is read through the sharing decision for ``person.export`` (audited per
    record; the caller commits); a record the decision does not disclose is left out.
    ``person_id`` is empty for a record no run has linked yet; ``match_probability`` is
    the strongest pairwise probability that tied the record into its person (empty for
    a person of one record, 1 for a pair a person accepted).
    """
    rows = 0
    last = 0
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = SafeWriter(handle)
        writer.writerow(LINK_COLUMNS)
        while True:
            records = session.scalars(with_source(
                select(SourceRecord).where(SourceRecord.id > last).order_by(SourceRecord.id).limit(_CHUNK)
            )).all()
            if not records:
                break
            last = records[-1].id
            shown = {found.id: found.fields for found in disclose(session, actor, records, action="person.export")
                     if found.allowed and LINK_FIELDS <= set(found.fields)}
            links = {
                record_id: (person_id, probability, low) for record_id, person_id, probability, low in session.execute(
                    select(PersonRecord.source_record_id, Person.person_id, PersonRecord.match_probability,
                           PersonRecord.low_information)
                    .join(Person, Person.id == PersonRecord.person_id)
                    .where(PersonRecord.source_record_id.in_([record.id for record in records]))
                )
            }
            for record in records:
                if record.id not in shown:
                    continue
                fields = shown[record.id]
                person_id, probability, low = links.get(record.id, (None, None, None))
                writer.writerow((fields["source"], fields["local_id"], fields["record_ref"], person_id or "",
                                 "" if probability is None else f"{probability:.6f}",
                                 "" if low is None else ("yes" if low else "no")))
                rows += 1
            session.flush()
            for record in records:
                session.expunge(record)
    return rows


def export_persons(session: Session, out: Path, *, actor: Actor) -> int:
    """Write every live person's golden record to ``out``; return the number of rows.

    Each value is read through the sharing decision for ``person.export`` on the source
    record it came from (audited per record); a value the decision does not disclose
    is left empty. ``<field>_source`` says which agency's record (``source:local_id``)
    the value came from. The audit events are added to ``session``: the caller commits.
    """
    rows = 0
    last = 0
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = SafeWriter(handle)
        writer.writerow(PERSON_COLUMNS)
        while True:
            persons = session.execute(
                select(Person.id, Person.person_id, Person.record_count, Person.low_information, Person.golden)
                .where(Person.retired_at.is_(None), Person.id > last).order_by(Person.id).limit(_CHUNK)
            ).all()
            if not persons:
                break
            last = persons[-1].id
            wanted = {entry.get("record_id") for person in persons for entry in person.golden.values()} - {None}
            records = session.scalars(with_source(select(SourceRecord).where(SourceRecord.id.in_(wanted)))).all() \
                if wanted else []
            allowed = {found.id: set(found.fields)
                       for found in disclose(session, actor, records, action="person.export") if found.allowed}
            session.flush()
            for record in records:
                session.expunge(record)
            for person in persons:
                row = [person.person_id, person.record_count, "yes" if person.low_information else "no"]
                for name in PERSON_FIELDS:
                    entry = person.golden.get(name)
                    shown = entry is not None and _RECORD_FIELD.get(name, name) in allowed.get(entry.get("record_id"), ())
                    row += [entry["value"], f"{entry['source']}:{entry['local_id']}"] if shown else ["", ""]
                writer.writerow(row)
                rows += 1
    return rows


#: The addresses export's columns. ``uprn`` is empty unless the status is ``matched``;
#: ``status`` is ``pending`` for a record no run has matched yet. ``record_ref`` (last)
#: tells apart a source's several rows for one local id.
EXPORT_COLUMNS = ("source", "local_id", "uprn", "score", "method", "status", "record_ref", "reason")
#: The record's fields an addresses row shows; the match (uprn, score, method, status and
#: the reason, in words, that names what was weighed) is derived from its address, so it is
#: shown with them.
ROW_FIELDS = frozenset({"source", "local_id", "record_ref", "address_text", "postcode"})
#: How many records one batch of the addresses export covers.
BATCH = 1000


def export_addresses(session: Session, out: Path, *, actor: Actor) -> int:
    """Write the match of every source record ``actor`` may see to ``out`` as CSV; return
    the number of rows. It is address data-quality processing: each record is disclosed
    for ``address.export`` (audited), and a row is written only for a record whose
    decision discloses every field the row shows (:data:`ROW_FIELDS`)."""
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
            loaded = {record.id: record
                      for record in session.scalars(with_source(select(SourceRecord).where(SourceRecord.id.in_(batch))))}
            matches = {
                record_id: (uprn, score, method, status, reason)
                for record_id, uprn, score, method, status, reason in session.execute(
                    select(AddressMatch.source_record_id, AddressMatch.uprn, AddressMatch.score,
                           AddressMatch.method, AddressMatch.status, AddressMatch.reason)
                    .where(AddressMatch.source_record_id.in_(batch))
                )
            }
            records = [loaded[record_id] for record_id in batch if record_id in loaded]
            for found in disclose(session, actor, records, action="address.export"):
                if not found.allowed or not ROW_FIELDS <= set(found.fields):
                    refused += 1
                    continue
                fields = found.fields
                uprn, score, method, status, reason = matches.get(found.id, (None, None, None, None, None))
                matched = status == "matched"
                writer.writerow((
                    fields["source"], fields["local_id"], uprn if matched and uprn else "",
                    "" if score is None or not matched else f"{score:.4f}",
                    method or "", status or "pending", fields["record_ref"], reason or "",
                ))
                rows += 1
    record_event(session, actor, action="address.export", outcome="completed",
                 subject_type="address_matches", details={"file": out.name, "rows": rows, "refused": refused})
    return rows
