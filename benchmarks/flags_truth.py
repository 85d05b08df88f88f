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

Per flag type, against the flags each row truly states (``truth/flags.csv``), so that a
mapping misreading its source counts as much as linkage putting a row on the wrong person:

- **precision** of a type: of its flags shown on index persons, the share whose row truly
  states that type and is the true person's the index person stands for;
- **recall** of a type: of the rows truly stating it, the share whose flag of that type is
  shown on the index person representing the row's true person.

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
    typed = _by_type(session, place, manifest, index_of, stands_for, represented_by)
    known = [(flag_id, person) for flag_id, _type, person in flagged if person]
    shown = [(flag_id, person) for flag_id, person in known if record_of[flag_id] in index_of]
    right = sum(1 for flag_id, person in shown if stands_for[index_of[record_of[flag_id]]] == person)
    found = sum(1 for flag_id, person in shown if represented_by.get(person) == index_of[record_of[flag_id]])
    return {"flags": len(flagged), "known": len(known), "shown": len(shown), "right": right, "found": found,
            "by_type": dict(Counter(flag_type for _id, flag_type, _person in flagged)),
            "precision": right / len(shown) if shown else 0.0, "recall": found / len(known) if known else 0.0,
            "types": typed}


def _by_type(session: Session, place: Path, manifest: dict, index_of: dict[int, int], stands_for: dict[int, str],
             represented_by: dict[str, int]) -> dict[str, dict]:
    """Each flag type's precision and recall against ``truth/flags.csv`` (empty for a place
    generated before the generator wrote it)."""
    path = manifest["truth"].get("flags")
    if not path or not (place / path).exists():
        return {}
    stated: dict[tuple[str, str, str, str], str] = {}
    with open(place / path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            stated[(row["source"], row["local_id"], row["record_ref"], row["type"])] = row["person_id"]
    stored: dict[tuple[str, str, str, str], int] = {}
    for flag_type, code, local_id, ref, record_id in session.execute(
            select(Flag.type, SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref, SourceRecord.id)
            .join(SourceRecord, SourceRecord.id == Flag.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)):
        stored[(code, local_id, ref or "", flag_type)] = record_id
    figures: dict[str, dict] = {}
    for flag_type in sorted({key[3] for key in stated} | {key[3] for key in stored}):
        truly = {key: person for key, person in stated.items() if key[3] == flag_type}
        shown = {key: index_of[record] for key, record in stored.items()
                 if key[3] == flag_type and record in index_of}
        right = sum(1 for key, pk in shown.items() if key in truly and stands_for.get(pk) == truly[key])
        found = sum(1 for key, person in truly.items()
                    if key in shown and represented_by.get(person) == shown[key])
        figures[flag_type] = {"truth": len(truly), "shown": len(shown), "right": right, "found": found,
                              "precision": right / len(shown) if shown else 0.0,
                              "recall": found / len(truly) if truly else 0.0}
    totals = {name: sum(figure[name] for figure in figures.values()) for name in ("truth", "shown", "right", "found")}
    figures["all"] = {**totals, "precision": totals["right"] / totals["shown"] if totals["shown"] else 0.0,
                      "recall": totals["found"] / totals["truth"] if totals["truth"] else 0.0}
    return figures


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
    if not figures["types"]:
        print("no truth/flags.csv in this place (generated before it was written): no figures per type")
        return
    print("\nagainst the flags each row truly states (truth/flags.csv):")
    print(f"{'type':30} {'truth':>6} {'shown':>6} {'precision':>20} {'recall':>20}")
    for flag_type, figure in figures["types"].items():
        print(f"{flag_type:30} {figure['truth']:>6,} {figure['shown']:>6,} "
              f"{figure['precision']:.4f} ({figure['right']:>5,}/{figure['shown']:<5,}) "
              f"{figure['recall']:.4f} ({figure['found']:>5,}/{figure['truth']:<5,})")


if __name__ == "__main__":
    main()
