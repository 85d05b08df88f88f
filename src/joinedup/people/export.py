"""The person index's exports: ``joinedup export links`` (one row per source record and
the person it belongs to) and ``joinedup export persons`` (the golden records)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.people.golden import GOLDEN_FIELDS
from joinedup.sharing import decide_record_access
from joinedup.spreadsheets import SafeWriter

LINK_COLUMNS = ("source", "local_id", "record_ref", "person_id", "match_probability", "low_information")
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
            records = session.scalars(
                select(SourceRecord).where(SourceRecord.id > last).order_by(SourceRecord.id).limit(_CHUNK)
            ).all()
            if not records:
                break
            last = records[-1].id
            allowed = {decision.record_id for decision in decide_record_access(
                session, actor, records, action="person.export") if decision.allowed}
            links = {
                record_id: (person_id, probability, low) for record_id, person_id, probability, low in session.execute(
                    select(PersonRecord.source_record_id, Person.person_id, PersonRecord.match_probability,
                           PersonRecord.low_information)
                    .join(Person, Person.id == PersonRecord.person_id)
                    .where(PersonRecord.source_record_id.in_([record.id for record in records]))
                )
            }
            codes = dict(session.execute(select(SourceSystem.id, SourceSystem.code)).all())
            for record in records:
                if record.id not in allowed:
                    continue
                person_id, probability, low = links.get(record.id, (None, None, None))
                writer.writerow((codes[record.source_system_id], record.local_id, record.record_ref, person_id or "",
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
            records = session.scalars(select(SourceRecord).where(SourceRecord.id.in_(wanted))).all() if wanted else []
            allowed = {
                decision.record_id: decision.fields
                for decision in decide_record_access(session, actor, records, action="person.export")
                if decision.allowed
            }
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
