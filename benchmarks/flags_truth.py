"""Flags attached to the right person through the index, against the synthetic place's
truth: precision and recall.

Runs against a data directory the demo built (``joinedup demo --no-serve``). Every flag
read from an extract comes from one row, whose true person the place's
``truth/records.csv`` names; the person index shows it on the live person holding that
row. Each index person stands for the true person most of their rows belong to; each
true person is represented by the index person holding most of their rows.

- **precision**: of the flags shown on index persons, the share whose row is the true
  person's that the index person stands for;
- **recall**: of the flags of rows the truth names, the share shown on the index person
  representing that true person (a flag whose row is on no live person is missed).

    JOINEDUP_HOME=DIR .venv/bin/python benchmarks/flags_truth.py

``tests/flags/test_flags_truth.py`` runs :func:`measure` over a small demo place with a floor.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.config import load_settings
from joinedup.db import engine_for, session_factory
from joinedup.flags import Flag
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord


def measure(session: Session, place: Path) -> dict:
    """Precision and recall of the flags in the store against ``place``'s truth, with the counts."""
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
    flagged = [(flag_id, flag_type, truth.get((code, local_id, ref or ""))) for flag_id, flag_type, code, local_id, ref
               in session.execute(
                   select(Flag.id, Flag.type, SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref)
                   .join(SourceRecord, SourceRecord.id == Flag.source_record_id)
                   .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id))]
    record_of = dict(session.execute(select(Flag.id, Flag.source_record_id)).all())
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
    known = [(flag_id, person) for flag_id, _type, person in flagged if person]
    shown = [(flag_id, person) for flag_id, person in known if record_of[flag_id] in index_of]
    right = sum(1 for flag_id, person in shown if stands_for[index_of[record_of[flag_id]]] == person)
    found = sum(1 for flag_id, person in shown if represented_by.get(person) == index_of[record_of[flag_id]])
    return {"flags": len(flagged), "known": len(known), "shown": len(shown), "right": right, "found": found,
            "by_type": dict(Counter(flag_type for _id, flag_type, _person in flagged)),
            "precision": right / len(shown) if shown else 0.0, "recall": found / len(known) if known else 0.0}


def main() -> None:
    settings = load_settings()
    places = sorted((settings.home / "place").glob("*/manifest.json"))
    if not places:
        raise SystemExit("no synthetic place in the data directory: run the demo first")
    place = places[-1].parent
    with session_factory(engine_for(settings.database_url))() as session:
        figures = measure(session, place)
    print(f"place {place.name}: {figures['flags']:,} flags from extracts, {figures['known']:,} of rows the truth "
          f"names, {figures['shown']:,} of them on a live person")
    print("by type: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(figures["by_type"].items())))
    print(f"precision {figures['precision']:.4f} ({figures['right']:,} of {figures['shown']:,} shown on the right "
          f"person)")
    print(f"recall    {figures['recall']:.4f} ({figures['found']:,} of {figures['known']:,} on the person "
          f"representing theirs)")


if __name__ == "__main__":
    main()
