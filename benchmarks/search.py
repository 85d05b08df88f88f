"""Time the person search as practitioners type it, on a linked synthetic place.

Builds (or reuses) a place of ``--people`` persons, loads every extract and links them,
then times :func:`joinedup.disclosure.search_persons` (parse, look up, disclose every
matching record with its audit, count, shape the first page, commit) for the queries
practitioners type:

- a surname alone (the commonest surname in the place, "Smith" in the demo);
- a full name; a name and a date of birth;
- a nickname and a surname ("Bill Jones" for a William Jones);
- a name typed without its accent or apostrophe ("Zoe" for Zoë, "OBrien" for O'Brien).

Each kind is sampled from the place's own records, for two readers: a practitioner of
the organisation holding the most records (no stated purpose: their own records) and
the data team (person-index processing: every record's identifying fields). Prints the
median and 95th percentile per kind and reader beside the target: p95 at most 150 ms at
20,000 persons, at most 300 ms at a million records.

    .venv/bin/python benchmarks/search.py
    .venv/bin/python benchmarks/search.py --database-url postgresql://joinedup@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/search.py --store /tmp/search-bench/sqlite-20000/joinedup.db

With ``--database-url`` a fresh database is created on that server (dropped afterwards
unless ``--keep``), or with ``--reuse`` that very database, already loaded and linked, is
analysed and timed as it is. With ``--store`` an SQLite store already loaded and linked is reused.
``--copies 32`` copies the linked place 32 times over before timing (new local ids and
person ids, the same names, the real indexes and search keys): about a million records
without generating and linking them, which is the linkage benchmark's job.

    .venv/bin/python benchmarks/search.py --store /tmp/copy-of-a-20k-store.db --copies 32
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from read_during_ingest import _database, _drop, _place  # the same place and databases as that benchmark
from sqlalchemy import func, select

from joinedup.audit import Actor
from joinedup.db import make_engine, transaction
from joinedup.db.migrate import upgrade
from joinedup.disclosure import access_action, parse_search, search_persons
from joinedup.ingest.models import SourceRecord
from joinedup.ingest.search_keys import fold
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.people.nicknames import NICKNAMES

TARGET_MS = {20_000: 150, 1_000_000: 300}
SAMPLES = 20


def _build(engine, place) -> None:
    """Load and link the place ``place()`` gives, unless the store holds persons already."""
    from joinedup.demo import load_place
    from joinedup.people import link_people

    with transaction(engine) as session:
        if session.scalar(select(func.count(Person.id))):
            return
    started = time.perf_counter()
    load_place(engine, place())
    print(f"Loaded the extracts in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    run = link_people(engine, ran_by="bench")
    print(f"Linked ({run.status}) in {time.perf_counter() - started:.0f} s", flush=True)


def _copy(engine, copies: int) -> None:
    """Copy every source record, person and link ``copies`` times over (new local ids and
    person ids, the same names): a place of ``copies + 1`` times the records without
    generating and linking it. Indexes and search keys are the real ones."""
    if copies <= 0:
        return
    records, persons, links = SourceRecord.__table__, Person.__table__, PersonRecord.__table__
    started = time.perf_counter()
    with transaction(engine) as session:
        top_record = session.scalar(select(func.max(records.c.id)))
        top_person = session.scalar(select(func.max(persons.c.id)))
        for copy in range(1, copies + 1):
            shifted = {"id": records.c.id + copy * top_record, "local_id": records.c.local_id + f"~{copy}"}
            session.execute(records.insert().from_select(
                [column.name for column in records.columns],
                select(*(shifted.get(column.name, column) for column in records.columns))
                .where(records.c.id <= top_record)))
            shifted = {"id": persons.c.id + copy * top_person, "person_id": persons.c.person_id + f"-{copy}"}
            session.execute(persons.insert().from_select(
                [column.name for column in persons.columns],
                select(*(shifted.get(column.name, column) for column in persons.columns))
                .where(persons.c.id <= top_person)))
            kept = [column for column in links.columns if column.name != "id"]
            shifted = {"source_record_id": links.c.source_record_id + copy * top_record,
                       "person_id": links.c.person_id + copy * top_person}
            session.execute(links.insert().from_select(
                [column.name for column in kept],
                select(*(shifted.get(column.name, column) for column in kept))
                .where(links.c.source_record_id <= top_record)))
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("analyze")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("analyze")
    print(f"Copied the place {copies} times over in {time.perf_counter() - started:.0f} s", flush=True)


def _queries(engine, rng: random.Random) -> dict[str, list[str]]:
    """Queries of each kind, written from the place's own linked records."""
    with transaction(engine) as session:
        rows = session.execute(
            select(SourceRecord.forename, SourceRecord.surname, SourceRecord.date_of_birth)
            .join(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
            .where(SourceRecord.forename.is_not(None), SourceRecord.surname.is_not(None))
        ).all()
    surnames = Counter(surname for _forename, surname, _born in rows)
    commonest = surnames.most_common(1)[0][0]
    named = rng.sample(rows, min(SAMPLES, len(rows)))
    born = [row for row in rows if row.date_of_birth is not None]
    by_nickname = {name: its_root for name, its_root in NICKNAMES.items() if name != its_root}
    roots = {its_root: name for name, its_root in by_nickname.items()}
    nicknamed = [row for row in rows if row.forename.upper() in roots]
    folded = [row for row in rows if fold(row.forename + row.surname).replace(" ", "")
              != (row.forename + row.surname).lower().replace(" ", "")]
    queries = {
        f"surname alone ({commonest})": [commonest] * SAMPLES,
        "full name": [f"{row.forename} {row.surname}" for row in named],
        "name and date of birth": [f"{row.forename} {row.surname} {row.date_of_birth:%d/%m/%Y}"
                                   for row in rng.sample(born, min(SAMPLES, len(born)))],
        "nickname and surname": [f"{roots[row.forename.upper()].capitalize()} {row.surname}"
                                 for row in rng.sample(nicknamed, min(SAMPLES, len(nicknamed)))],
        "accent or apostrophe dropped": [f"{fold(row.forename).replace(' ', '')} {fold(row.surname).replace(' ', '')}"
                                         for row in rng.sample(folded, min(SAMPLES, len(folded)))],
    }
    return {kind: texts for kind, texts in queries.items() if texts}


def _readers(engine) -> dict[str, Actor]:
    with transaction(engine) as session:
        organisation_id, _count = session.execute(
            select(SourceSystem.owner_organisation_id, func.count(SourceRecord.id))
            .join(SourceRecord, SourceRecord.source_system_id == SourceSystem.id)
            .group_by(SourceSystem.owner_organisation_id).order_by(func.count(SourceRecord.id).desc())
        ).first()
    return {
        "practitioner": Actor(username="bench.practitioner", organisation_id=organisation_id,
                              roles=frozenset({"practitioner"}), channel="web"),
        "data team": Actor(username="bench.data", roles=frozenset({"data_team"}), channel="web"),
    }


def _time(engine, actor: Actor, text_typed: str) -> tuple[float, int]:
    started = time.perf_counter()
    with transaction(engine) as session:
        result = search_persons(session, actor, parse_search(text_typed), action=access_action(actor, searching=True))
    return (time.perf_counter() - started) * 1000, result.total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--place", type=Path, help="A generated place to reuse.")
    parser.add_argument("--store", type=Path, help="An SQLite store already loaded and linked, to reuse.")
    parser.add_argument("--database-url", help="A PostgreSQL server: a fresh database is made on it.")
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database made.")
    parser.add_argument("--reuse", action="store_true",
                        help="The --database-url database is already loaded and linked (a demo's, say): use it "
                             "as it is, neither made nor dropped.")
    parser.add_argument("--repeat", type=int, default=3, help="Times each query is run.")
    parser.add_argument("--copies", type=int, default=0,
                        help="Copy the linked place this many times over first (32 copies of the 20,000-person "
                             "place: a million records).")
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        url, dropping = (args.database_url, None) if args.reuse and args.database_url \
            else _database(args.database_url, Path(tmp))
        if args.store and not args.database_url:
            url = f"sqlite:///{args.store}"
        engine = make_engine(url)
        try:
            upgrade(engine)
            _build(engine, lambda: _place(args.people, args.place, Path(tmp)))
            _copy(engine, args.copies)
            if args.reuse and engine.dialect.name == "postgresql":
                # A database loaded where autovacuum is off (as on the development server)
                # has no planner statistics until it is analysed: timed as a live one would be.
                with engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("analyze")
            with transaction(engine) as session:
                persons = session.scalar(select(func.count(Person.id)).where(Person.retired_at.is_(None)))
                records = session.scalar(select(func.count(SourceRecord.id)))
            target = TARGET_MS[20_000] if records < 500_000 else TARGET_MS[1_000_000]
            print(f"{engine.dialect.name}: {persons:,} persons, {records:,} source records; "
                  f"target p95 <= {target} ms")
            queries = _queries(engine, rng)
            for reader, actor in _readers(engine).items():
                for text_typed in (texts[0] for texts in queries.values()):
                    _time(engine, actor, text_typed)  # warm the caches once per kind
                for kind, texts in queries.items():
                    timings, found = [], []
                    for text_typed in texts:
                        for _ in range(args.repeat):
                            took, total = _time(engine, actor, text_typed)
                            timings.append(took)
                        found.append(total)
                    timings.sort()
                    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
                    print(f"  {reader:<12} {kind:<40} p50 {statistics.median(timings):6.1f} ms  "
                          f"p95 {p95:6.1f} ms  (target {target} ms: {'met' if p95 <= target else 'NOT met'})  "
                          f"persons found: median {statistics.median(found):.0f}, max {max(found)}")
        finally:
            engine.dispose()
            if dropping and not args.keep:
                _drop(url, dropping)


if __name__ == "__main__":
    main()
