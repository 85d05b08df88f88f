"""Seconds to link one arriving record, and the accuracy of records linked that way.

    .venv/bin/python benchmarks/linkage_incremental.py --data /tmp/bench20k      # a demo data directory
    .venv/bin/python benchmarks/linkage_incremental.py --data DIR --arrivals 50 --batch 1000

The demo data directory (``joinedup demo``: a SQLite store with every extract of a
synthetic place ingested and matched, and the place with its truth under ``place/``) is
copied first, so the original is left alone. Then, on the copy:

1. a full ``link_people`` run, which also keeps the standing index (timed, for reference);
2. ``--arrivals`` records chosen at random (fixed seed) are taken out of the index (their
   memberships and kept pairs deleted), then arrive one at a time: each is linked by
   ``link_new_records(record_ids=[its id])``, a run of its own, recorded and audited.
   The seconds of each run are timed; median and 95th percentile printed beside the
   0.25 s target. The first run of the process pays its imports, and is shown apart;
3. pairwise precision and recall, against ``truth/records.csv``, over the pairs with an
   arrived record in them: after the arrivals, and in the full run (all records at once);
4. with ``--batch N``, N more records taken out and attached in one run (seconds per record).

The machine's load average is printed beside every figure.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.25


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _place(data: Path) -> Path:
    return next(path.parent for path in sorted(data.glob("place/**/truth")) if (path / "records.csv").is_file())


def _truth(place: Path) -> dict[tuple[str, str, str], str]:
    with (place / "truth" / "records.csv").open(encoding="utf-8", newline="") as handle:
        return {(row["source"], row["local_id"], row["record_ref"]): row["person_id"] for row in csv.DictReader(handle)}


def _persons(engine) -> dict[int, str]:
    from sqlalchemy import select

    from joinedup.db import session_factory
    from joinedup.people import Person, PersonRecord

    with session_factory(engine)() as session:
        return dict(session.execute(select(PersonRecord.source_record_id, Person.person_id)
                                    .join(Person, Person.id == PersonRecord.person_id)).all())


def _true_persons(engine, place: Path) -> dict[int, str]:
    from sqlalchemy import select

    from joinedup.db import session_factory
    from joinedup.ingest.models import SourceRecord
    from joinedup.partners.models import SourceSystem

    real = _truth(place)
    with session_factory(engine)() as session:
        return {row.id: real[(row.code, row.local_id, row.record_ref)] for row in session.execute(
            select(SourceRecord.id, SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id))}


def _precision_recall(persons: dict[int, str], true: dict[int, str], arrived: list[int]) -> tuple[float, float]:
    by_person: dict[str, set[int]] = {}
    by_truth: dict[str, set[int]] = {}
    for record_id, person in persons.items():
        by_person.setdefault(person, set()).add(record_id)
    for record_id, person in true.items():
        by_truth.setdefault(person, set()).add(record_id)
    found = {(a, b) for a in arrived if a in persons for b in by_person[persons[a]] if b != a}
    real = {(a, b) for a in arrived for b in by_truth[true[a]] if b != a}
    return len(found & real) / max(len(found), 1), len(found & real) / max(len(real), 1)


def _take_out(engine, record_ids: list[int]) -> None:
    """Take records out of the person index, as if they had not arrived yet."""
    from sqlalchemy import delete, or_

    from joinedup.db import transaction
    from joinedup.people import LinkPair, PersonRecord

    with transaction(engine) as session:
        session.execute(delete(PersonRecord).where(PersonRecord.source_record_id.in_(record_ids)))
        session.execute(delete(LinkPair).where(or_(LinkPair.record_id_l.in_(record_ids),
                                                   LinkPair.record_id_r.in_(record_ids))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench20k"), help="a demo data directory (copied)")
    parser.add_argument("--arrivals", type=int, default=50)
    parser.add_argument("--batch", type=int, default=0, help="then attach this many records in one run")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()

    from joinedup.db import make_engine
    from joinedup.db.migrate import upgrade
    from joinedup.people import link_new_records, link_people

    with tempfile.TemporaryDirectory(prefix="joinedup-incremental-") as work:
        copy = Path(work) / "data"
        shutil.copytree(args.data, copy, ignore=shutil.ignore_patterns("*.lock"))
        place = _place(copy)
        engine = make_engine(f"sqlite:///{copy / 'joinedup.db'}")
        upgrade(engine)
        started = time.perf_counter()
        full = link_people(engine, ran_by="benchmark")
        print(f"full run (with the standing index): {time.perf_counter() - started:.1f} s, "
              f"{full.records:,} records, {full.persons:,} persons   [{_load()}]")
        everyone = _persons(engine)
        true = _true_persons(engine, place)
        chosen = random.Random(args.seed).sample(sorted(everyone), args.arrivals + args.batch)
        arrivals, batch = chosen[:args.arrivals], chosen[args.arrivals:]
        _take_out(engine, chosen)
        seconds = []
        for record_id in arrivals:
            began = time.perf_counter()
            run = link_new_records(engine, ran_by="benchmark", record_ids=[record_id])
            seconds.append(time.perf_counter() - began)
            assert run.status == "completed" and run.records == 1, run
        steady = sorted(seconds[1:]) or seconds
        median = statistics.median(steady)
        p95 = steady[min(len(steady) - 1, round(0.95 * (len(steady) - 1)))]
        print(f"single-record arrivals at {full.persons:,} persons ({len(seconds)} runs): first {seconds[0]:.3f} s "
              f"(imports); then median {median:.3f} s, p95 {p95:.3f} s, max {max(steady):.3f} s "
              f"— target <= {TARGET_SECONDS} s: {'met' if p95 <= TARGET_SECONDS else 'NOT met'}   [{_load()}]")
        after = _persons(engine)
        inc_p, inc_r = _precision_recall(after, true, arrivals)
        full_p, full_r = _precision_recall(everyone, true, arrivals)
        print(f"accuracy over pairs with one of the {len(arrivals)} arrivals: incremental precision {inc_p:.4f} "
              f"recall {inc_r:.4f}; full run precision {full_p:.4f} recall {full_r:.4f}")
        if batch:
            began = time.perf_counter()
            run = link_new_records(engine, ran_by="benchmark", record_ids=batch)
            took = time.perf_counter() - began
            after = _persons(engine)
            inc_p, inc_r = _precision_recall(after, true, batch)
            full_p, full_r = _precision_recall(everyone, true, batch)
            print(f"one run of {len(batch):,} arrivals: {took:.2f} s ({took / len(batch) * 1000:.1f} ms a record); "
                  f"precision {inc_p:.4f} recall {inc_r:.4f} (full run {full_p:.4f} / {full_r:.4f})   [{_load()}]")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
