"""Involvements attached to the right person through the index, against the synthetic
place's truth: precision and recall.

Runs against a data directory the demo built (``joinedup demo --no-serve``). Every
involvement read from an extract comes from one row, whose true person the place's
``truth/records.csv`` names. The person index shows it on the person holding that row.
Each index person stands for the true person most of their rows belong to; each true
person is represented by the index person holding most of their rows.

- **precision**: of the involvements shown on index persons, the share whose row is the
  true person's that index person stands for;
- **recall**: of each true person's involvements, the share shown on the index person
  that represents them (an involvement whose row is on no live person is missed).

    JOINEDUP_HOME=DIR .venv/bin/python benchmarks/involvements_truth.py

The figure is the person index's linkage seen through who is involved: an involvement
is only ever as well placed as the row it came from.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

from sqlalchemy import select

from joinedup.config import load_settings
from joinedup.db import engine_for, session_factory
from joinedup.ingest.models import SourceRecord
from joinedup.involvements import Involvement
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord


def measure(session, place) -> dict:
    """Precision and recall of the involvements on the index's persons, against the truth
    of ``place`` (a generated place's directory), with their counts."""
    manifest = json.loads((place / "manifest.json").read_text())
    truth: dict[tuple[str, str, str], str] = {}
    with open(place / manifest["truth"]["records"], encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth[(row["source"], row["local_id"], row["record_ref"])] = row["person_id"]
    rows = session.execute(
        select(SourceRecord.id, SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref,
               PersonRecord.person_id)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .join(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
        .join(Person, Person.id == PersonRecord.person_id).where(Person.retired_at.is_(None))).all()
    involved = {record_id: truth.get((code, local_id, ref or "")) for record_id, code, local_id, ref in session.execute(
        select(SourceRecord.id, SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .join(Involvement, Involvement.source_record_id == SourceRecord.id))}
    true_of = {record_id: truth.get((code, local_id, ref or "")) for record_id, code, local_id, ref, _pk in rows}
    index_of = {record_id: pk for record_id, _code, _local, _ref, pk in rows}
    votes: dict[int, Counter] = defaultdict(Counter)
    held: dict[str, Counter] = defaultdict(Counter)
    for record_id, pk in index_of.items():
        if true_of[record_id]:
            votes[pk][true_of[record_id]] += 1
            held[true_of[record_id]][pk] += 1
    stands_for = {pk: counter.most_common(1)[0][0] for pk, counter in votes.items()}
    represented_by = {person: counter.most_common(1)[0][0] for person, counter in held.items()}
    known = [record_id for record_id, person in involved.items() if person]
    shown = [record_id for record_id in known if record_id in index_of]
    right = sum(1 for record_id in shown if stands_for[index_of[record_id]] == involved[record_id])
    found = sum(1 for record_id in shown if represented_by.get(involved[record_id]) == index_of[record_id])
    return {"involvements": len(involved), "known": len(known), "shown": len(shown), "right": right, "found": found,
            "precision": right / len(shown) if shown else 0.0, "recall": found / len(known) if known else 0.0}


def main() -> None:
    settings = load_settings()
    places = sorted((settings.home / "place").glob("*/manifest.json"))
    if not places:
        raise SystemExit("no synthetic place in the data directory: run the demo first")
    place = places[-1].parent
    with session_factory(engine_for(settings.database_url))() as session:
        figures = measure(session, place)
    print(f"place {place.name}: {figures['involvements']:,} involvements from extracts, {figures['known']:,} of rows "
          f"the truth names, {figures['shown']:,} of them on a live person")
    print(f"precision {figures['precision']:.4f} ({figures['right']:,} of {figures['shown']:,} shown on the right "
          "person)")
    print(f"recall    {figures['recall']:.4f} ({figures['found']:,} of {figures['known']:,} on the person representing "
          "theirs)")


if __name__ == "__main__":
    main()
