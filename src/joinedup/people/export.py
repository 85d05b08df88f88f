"""``joinedup export links``: one row per source record and the person it belongs to."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord

LINK_COLUMNS = ("source", "local_id", "record_ref", "person_id", "match_probability", "low_information")


def export_links(session: Session, out: Path) -> int:
    """Write the links CSV to ``out``; return the number of rows.

    ``person_id`` is empty for a record no run has linked yet; ``match_probability`` is
    the strongest pairwise probability that tied the record into its person (empty for
    a person of one record, 1 for a pair a person accepted).
    """
    r = SourceRecord.__table__.c
    statement = (
        select(SourceSystem.code, r.local_id, r.record_ref, Person.person_id, PersonRecord.match_probability,
               PersonRecord.low_information)
        .join(SourceSystem, SourceSystem.id == r.source_system_id)
        .outerjoin(PersonRecord, PersonRecord.source_record_id == r.id)
        .outerjoin(Person, Person.id == PersonRecord.person_id)
        .order_by(r.id)
    )
    rows = 0
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LINK_COLUMNS)
        for source, local_id, record_ref, person_id, probability, low in session.execute(statement):
            writer.writerow((source, local_id, record_ref, person_id or "",
                             "" if probability is None else f"{probability:.6f}",
                             "" if low is None else ("yes" if low else "no")))
            rows += 1
    return rows
