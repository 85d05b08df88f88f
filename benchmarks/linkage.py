"""Measure the person index against the synthetic place's ground truth, with a baseline.

    .venv/bin/python benchmarks/linkage.py                    # 20k people, all seven extracts
    .venv/bin/python benchmarks/linkage.py --people 2000      # a quicker look
    .venv/bin/python benchmarks/linkage.py --place DIR        # a place already generated
    .venv/bin/python benchmarks/linkage.py --people 700000 --no-baseline --incremental ''   # ~1M records
    .venv/bin/python benchmarks/linkage.py --place DIR --keep OUT   # keep the stores and links in OUT

The place is generated (or reused), every extract is ingested into a fresh SQLite
store, the gazetteer loaded and every address matched (not timed). Then, each in its
own child process so that its peak memory is its own:

- **joinedup**: ``link_people`` end to end (read, train, score, cluster, keep ids,
  persist), read back through ``export_links``, exactly as ``joinedup export links``
  writes it;
- **plain splink**: a Splink model with default-style comparisons (forename and
  surname by Jaro-Winkler, date of birth by edit distance, postcode exactly), trained
  the same way (u by random sampling, then EM), predicted, clustered with Splink's
  connected components at the same threshold.

Then, on the linked store, **incremental** linking: the last N records (``--incremental``,
default 1, 100 and 1,000) are taken out of the index and attached again by
``link_new_records``; the seconds per record and the accuracy after it are printed.

Each is scored against ``truth/records.csv``: pairwise precision and recall over pairs
of records put in one person; cluster precision (the share of predicted persons whose
records are all one true person: over-linking lowers it) and cluster recall (the share
of true persons whose records are all in one predicted person: under-linking lowers
it); and "exact", the share of true persons found exactly, no more and no less.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TARGETS = {"cluster_precision": 0.999, "cluster_recall": 0.995, "twins_merged": 0}
THRESHOLD = 0.99

CHILD = r"""
import csv, json, resource, sys, time
from pathlib import Path
method, place, db, out, threshold = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), float(sys.argv[5])
result = {}
if method == "setup":
    from joinedup.db import make_engine
    from joinedup.db.migrate import upgrade
    from joinedup.demo import load_place, load_place_gazetteer
    from joinedup.gazetteer import match_addresses
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    result["rows"] = sum(load.rows_read for load in load_place(engine, place))
    load_place_gazetteer(engine, place)
    match_addresses(engine, full=True)
elif method == "joinedup":
    from joinedup.db import make_engine, session_factory
    from joinedup.audit import Actor
    from joinedup.people import link_people
    from joinedup.disclosure import export_links
    engine = make_engine(f"sqlite:///{db}")
    started = time.perf_counter()
    stages, last = {}, [started, None]
    def progress(stage, step, steps):
        now = time.perf_counter()
        if last[1]:
            stages[last[1]] = round(now - last[0], 1)
        last[0], last[1] = now, stage
    run = link_people(engine, threshold=threshold, ran_by="benchmark", progress=progress)
    result["seconds"] = time.perf_counter() - started
    result["stages"] = stages
    result["persons"] = run.persons
    result["pairs_scored"] = run.pairs_scored
    result["candidate_pairs"] = run.candidate_pairs
    result["low_information"] = run.low_information
    with session_factory(engine)() as session:
        export_links(session, out, actor=Actor(username="benchmark", roles=frozenset({"data_team"}), channel="cli"))
elif method == "incremental":
    # Records no person holds yet, attached without a full rerun: the last N records of
    # the index are taken out of it, then link_new_records puts them back.
    from sqlalchemy import delete, select
    from joinedup.db import make_engine, session_factory, transaction
    from joinedup.audit import Actor
    from joinedup.people import PersonRecord, link_new_records
    from joinedup.disclosure import export_links
    engine = make_engine(f"sqlite:///{db}")
    for count in (int(threshold_or_count) for threshold_or_count in sys.argv[6].split(",")):
        with transaction(engine) as session:
            ids = session.scalars(select(PersonRecord.source_record_id)
                                  .order_by(PersonRecord.source_record_id.desc()).limit(count)).all()
            session.execute(delete(PersonRecord).where(PersonRecord.source_record_id.in_(ids)))
        started = time.perf_counter()
        run = link_new_records(engine, ran_by="benchmark")
        result[str(count)] = {"seconds": time.perf_counter() - started, "attached": run.linked_persons,
                              "new_persons": run.ids_new}
    with session_factory(engine)() as session:
        export_links(session, out, actor=Actor(username="benchmark", roles=frozenset({"data_team"}), channel="cli"))
elif method == "splink":
    import sqlite3
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    connection = sqlite3.connect(db)
    started = time.perf_counter()
    frame = pd.read_sql_query(
        "SELECT r.id AS unique_id, s.code AS source, r.local_id, r.record_ref, upper(r.forename) AS first_name, "
        "upper(r.surname) AS surname, r.date_of_birth AS dob, upper(replace(r.postcode, ' ', '')) AS postcode "
        "FROM source_records r JOIN source_systems s ON s.id = r.source_system_id", connection)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("surname", [0.9, 0.7]),
            cl.DamerauLevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"), block_on("dob"), block_on("surname", "postcode"),
        ],
        additional_columns_to_retain=["source", "local_id", "record_ref"],
    )
    linker = Linker(frame, settings, DuckDBAPI(), set_up_basic_logging=False)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=42)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold).as_pandas_dataframe()
    result["seconds"] = time.perf_counter() - started
    result["persons"] = int(clusters["cluster_id"].nunique())
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("source", "local_id", "record_ref", "person_id"))
        writer.writerows(clusters[["source", "local_id", "record_ref", "cluster_id"]].astype(str).itertuples(index=False))
result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def _child(method: str, place: Path, db: Path, out: Path, threshold: float, *extra: str) -> dict:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    done = subprocess.run([sys.executable, "-c", CHILD, method, str(place), str(db), str(out), str(threshold), *extra],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{method} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _read(path: Path) -> dict[tuple[str, str, str], str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {(row["source"], row["local_id"], row["record_ref"] or ""): row["person_id"]
                for row in csv.DictReader(handle)}


def _errors(path: Path) -> dict[tuple[str, str, str], set[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {(row["source"], row["local_id"], row["record_ref"] or ""): set(filter(None, row["errors"].split(";")))
                for row in csv.DictReader(handle)}


def twin_pairs(place: Path) -> list[tuple[str, str]]:
    """Pairs of true persons of one household with one date of birth: twins."""
    born: dict[tuple[str, str], list[str]] = defaultdict(list)
    with (place / "truth" / "people.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            born[(row["household_id"], row["date_of_birth"])].append(row["person_id"])
    return [pair for people in born.values() for pair in itertools.combinations(people, 2)]


def by_class(predicted: dict, truth: dict, errors: dict, twins: list) -> tuple[dict[str, tuple[int, int]], int]:
    """Pairwise recall per error class (a true pair counts for each slip of either record),
    and how many twin pairs were put in one person."""
    records_of: dict[str, list] = defaultdict(list)
    for key, person in truth.items():
        records_of[person].append(key)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for members in records_of.values():
        for left, right in itertools.combinations(sorted(members), 2):
            found = left in predicted and predicted.get(left) == predicted.get(right)
            for kind in (errors.get(left, set()) | errors.get(right, set())) or {"none"}:
                counts[kind][0] += found
                counts[kind][1] += 1
    merged = sum(1 for one, other in twins
                 if {predicted.get(key) for key in records_of[one]} & {predicted.get(key) for key in records_of[other]})
    return {kind: (hit, total) for kind, (hit, total) in counts.items()}, merged


def _groups(assignment: dict) -> dict[str, list]:
    groups: dict[str, list] = defaultdict(list)
    for key, person in assignment.items():
        groups[person].append(key)
    return groups


def score(predicted: dict, truth: dict) -> dict[str, float]:
    keys = [key for key in truth if key in predicted]
    predicted = {key: predicted[key] for key in keys}
    truth = {key: truth[key] for key in keys}
    pairs = {}
    for name, assignment in (("predicted", predicted), ("truth", truth)):
        pairs[name] = {pair for members in _groups(assignment).values()
                       for pair in itertools.combinations(sorted(members), 2)}
    hit = len(pairs["predicted"] & pairs["truth"])
    clusters = {name: {frozenset(members) for members in _groups(assignment).values()}
                for name, assignment in (("predicted", predicted), ("truth", truth))}
    exact = len(clusters["predicted"] & clusters["truth"])
    person_of = {key: truth[key] for key in keys}
    cluster_of = {key: predicted[key] for key in keys}
    pure = sum(1 for members in clusters["predicted"] if len({person_of[key] for key in members}) == 1)
    whole = sum(1 for members in clusters["truth"] if len({cluster_of[key] for key in members}) == 1)
    figures = {
        "pairwise_precision": hit / max(len(pairs["predicted"]), 1),
        "pairwise_recall": hit / max(len(pairs["truth"]), 1),
        "cluster_precision": pure / max(len(clusters["predicted"]), 1),
        "cluster_recall": whole / max(len(clusters["truth"]), 1),
        "exact": exact / max(len(clusters["truth"]), 1),
        "records": len(keys),
    }
    for kind in ("pairwise", "cluster"):
        p, r = figures[f"{kind}_precision"], figures[f"{kind}_recall"]
        figures[f"{kind}_f1"] = 2 * p * r / (p + r) if p + r else 0.0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--place", type=Path, help="a place already generated")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain Splink run (the scale run)")
    parser.add_argument("--incremental", default="1,100,1000", metavar="N,N",
                        help="batch sizes for incremental linking after the full run ('' skips it)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR and keep it: the linked stores and each method's exported links, to read "
                             "the misses against the truth")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="joinedup-linkage-") as scratch:
        work = args.keep or Path(scratch)
        place = args.place
        if place is None:
            from joinedup.synth import generate_place

            place = work / "place"
            generate_place(place, people=args.people, seed=args.seed)
        truth = _read(place / "truth" / "records.csv")
        started = time.perf_counter()
        setup = _child("setup", place, work / "store.db", work / "none", args.threshold)
        print(f"Place {place}: {setup['rows']:,} rows ingested, addresses matched ({time.perf_counter() - started:.0f} s).")
        rows = []
        for method in ("joinedup", "splink") if not args.no_baseline else ("joinedup",):
            db = work / f"{method}.db"
            shutil.copyfile(work / "store.db", db)
            out = work / f"{method}.csv"
            result = _child(method, place, db, out, args.threshold)
            figures = score(_read(out), truth)
            rows.append((method, result, figures))
        incremental = None
        if args.incremental:
            out = work / "incremental.csv"
            incremental = _child("incremental", place, work / "joinedup.db", out, args.threshold, args.incremental)
            incremental_figures = score(_read(out), truth)
        print(f"\nThreshold {args.threshold}; targets: cluster precision >= {TARGETS['cluster_precision']}, "
              f"recall >= {TARGETS['cluster_recall']}, twins merged {TARGETS['twins_merged']}")
        header = ("method", "records", "persons", "pair P", "pair R", "pair F1", "clus P", "clus R", "clus F1",
                  "exact", "seconds", "peak MB")
        print(" | ".join(header))
        for method, result, figures in rows:
            print(" | ".join((
                method, f"{figures['records']:,}", f"{result['persons']:,}",
                *(f"{figures[name]:.4f}" for name in ("pairwise_precision", "pairwise_recall", "pairwise_f1",
                                                     "cluster_precision", "cluster_recall", "cluster_f1", "exact")),
                f"{result['seconds']:.1f}", f"{result['peak_mb']:.0f}",
            )))
        errors, twins = _errors(place / "truth" / "records.csv"), twin_pairs(place)
        classes = {method: by_class(_read(work / f"{method}.csv"), truth, errors, twins) for method, _, _ in rows}
        print(f"\nTwins merged (target 0), of {len(twins)} twin pairs: "
              + ", ".join(f"{method} {merged}" for method, (_, merged) in classes.items()))
        print(f"joinedup candidate pairs compared: {rows[0][1]['candidate_pairs']:,}")
        print("Pairwise recall per error class (true pairs with that slip in either record):")
        print(f"  {'class':28} " + " | ".join(f"{method:>16}" for method in classes))
        first = classes["joinedup"][0]
        for kind in sorted(first, key=lambda kind: -first[kind][1]):
            print(f"  {kind:28} " + " | ".join(
                f"{found[kind][0] / found[kind][1]:9.4f} {found[kind][1]:>6}" if kind in found else f"{'':16}"
                for found, _ in classes.values()))
        print("\njoinedup stages (s): " + ", ".join(f"{stage} {seconds}" for stage, seconds in rows[0][1]["stages"].items()))
        if incremental:
            print("\nIncremental linking: the last N records taken out of the index, then attached by link_new_records")
            print("records | seconds | per record | attached to existing persons | new persons")
            for count in args.incremental.split(","):
                run = incremental[count]
                print(f"{int(count):,} | {run['seconds']:.2f} | {run['seconds'] / int(count):.3f} | "
                      f"{run['attached']:,} | {run['new_persons']:,}")
            print(f"After them, cluster precision {incremental_figures['cluster_precision']:.4f}, "
                  f"recall {incremental_figures['cluster_recall']:.4f} (the full run: "
                  f"{rows[0][2]['cluster_precision']:.4f}, {rows[0][2]['cluster_recall']:.4f}); "
                  f"peak {incremental['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
