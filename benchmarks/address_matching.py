"""Measure address matching against the synthetic place's ground truth, three ways, in one run.

    .venv/bin/python benchmarks/address_matching.py                    # ~200k addresses (140k people)
    .venv/bin/python benchmarks/address_matching.py --people 20000     # a quicker look
    .venv/bin/python benchmarks/address_matching.py --place DIR        # a place already generated

The place is generated (or reused), every extract is ingested into a fresh SQLite store,
and then, each in its own child process so that its peak memory is its own:

- **joinedup**: ``load_gazetteer`` then a full ``match_addresses`` (the gazetteer-aware
  matcher with uk-address-matcher for what it cannot place), read back through
  ``export_addresses``, exactly as ``joinedup export addresses`` writes it;
- **uk-address-matcher**: the library out of the box (``AddressMatcher`` with its default
  stages and thresholds) on the same addresses and the same gazetteer, every LPI
  (approved, alternative, historic) offered as a canonical address of its UPRN;
- **exact baseline**: the normalised address equal to an LPI's normalised address (with
  or without its locality and town) and the postcode equal when given, when exactly one
  UPRN is written that way.

Each is scored against ``truth/records.csv`` (the true UPRN of the address on each row;
empty when the address is not in the gazetteer at all): precision is the share of
UPRNs given that are right; recall the share of rows with a true UPRN that got it.
"Without a postcode" is the rows whose stored postcode is empty. Throughput is the
matching step's addresses per second (for joinedup: the whole run, reading the records
from the store and writing the matches back).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"precision": 0.999, "recall": 0.98, "recall_no_postcode": 0.95, "per_minute": 100_000}

CHILD = r"""
import csv, json, resource, sqlite3, sys, time
from pathlib import Path
method, place, db, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
result = {}

def records():
    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT r.id, s.code, r.local_id, r.record_ref, r.address_text, r.postcode "
        "FROM source_records r JOIN source_systems s ON s.id = r.source_system_id ORDER BY r.id").fetchall()
    connection.close()
    return rows

def lpis():
    with open(place / "gazetteer.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))

def write(predictions):
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("source", "local_id", "record_ref", "uprn"))
        writer.writerows(predictions)

if method == "setup":
    from joinedup.db import make_engine
    from joinedup.db.migrate import upgrade
    from joinedup.demo import load_place
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    started = time.perf_counter()
    result["rows"] = sum(load.rows_read for load in load_place(engine, place))
    result["seconds"] = time.perf_counter() - started

elif method == "joinedup":
    from joinedup.db import make_engine, transaction
    from joinedup.db.migrate import upgrade
    from joinedup.audit import Actor
    from joinedup.gazetteer import export_addresses, load_gazetteer, match_addresses
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    started = time.perf_counter()
    load = load_gazetteer(engine, place / "gazetteer.csv", loaded_by="benchmark")
    result["gazetteer_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    run = match_addresses(engine, full=True, matched_by="benchmark")
    result["seconds"] = time.perf_counter() - started
    result["addresses"] = run.records
    result["detail"] = {name: getattr(run, name) for name in ("matched", "ambiguous", "unmatched", "exact", "probabilistic")}
    export = out.with_suffix(".export.csv")
    with transaction(engine) as session:
        export_addresses(session, export, actor=Actor(username="benchmark", roles=frozenset({"data_team"}), channel="cli"))
    with export.open(encoding="utf-8", newline="") as handle:
        write((row["source"], row["local_id"], row["record_ref"], row["uprn"]) for row in csv.DictReader(handle))

elif method == "uk-address-matcher":
    import duckdb, logging, warnings
    import pandas as pd
    from uk_address_matcher import AddressMatcher
    warnings.simplefilter("ignore", DeprecationWarning)
    logging.getLogger("uk_address_matcher").setLevel(logging.WARNING)
    rows, gazetteer = records(), lpis()
    started = time.perf_counter()
    def text(lpi):
        sao = " ".join(part for part in (lpi["sao_text"], lpi["sao_start_number"]) if part)
        number = lpi["pao_start_number"] + lpi["pao_start_suffix"]
        parts = (sao, lpi["pao_text"], f"{number} {lpi['street']}".strip(), lpi["locality"], lpi["town"])
        return ", ".join(part for part in parts if part)
    canonical = pd.DataFrame({"unique_id": [f"{lpi['uprn']}:{i}" for i, lpi in enumerate(gazetteer)],
                              "address_concat": [text(lpi) for lpi in gazetteer],
                              "postcode": [lpi["postcode"] or None for lpi in gazetteer]})
    messy = pd.DataFrame({"unique_id": [str(row[0]) for row in rows], "address_concat": [row[4] or "" for row in rows],
                          "postcode": [row[5] or None for row in rows]})
    con = duckdb.connect()
    con.execute("CREATE TABLE canonical AS SELECT * FROM canonical")
    con.execute("CREATE TABLE messy AS SELECT * FROM messy")
    found = AddressMatcher(canonical_addresses=con.table("canonical"), addresses_to_match=con.table("messy"),
                           con=con, show_progress="off").match()
    best = {str(unique_id): str(canonical_id).split(":")[0]
            for unique_id, canonical_id in found.matches().select("unique_id, resolved_canonical_id").fetchall()
            if canonical_id is not None}
    result["seconds"] = time.perf_counter() - started
    result["addresses"] = len(rows)
    write((row[1], row[2], row[3], best.get(str(row[0]), "")) for row in rows)

elif method == "exact":
    from joinedup.gazetteer.normalise import normalise, split_postcode
    rows, gazetteer = records(), lpis()
    started = time.perf_counter()
    index = {}
    for lpi in gazetteer:
        sao = " ".join(part for part in (lpi["sao_text"], lpi["sao_start_number"]) if part)
        number = lpi["pao_start_number"] + lpi["pao_start_suffix"]
        head = ", ".join(part for part in (sao, lpi["pao_text"], f"{number} {lpi['street']}".strip()) if part)
        for tail in ((), (lpi["town"],), (lpi["locality"], lpi["town"])):
            key = normalise(", ".join((head, *(part for part in tail if part))))
            index.setdefault(key, set()).add((lpi["uprn"], lpi["postcode"]))
    predictions = []
    for record_id, source, local_id, record_ref, address, postcode in rows:
        rest, full, _ = split_postcode(address, postcode)
        found = index.get(normalise(rest), set())
        uprns = {uprn for uprn, code in found if not full or code == full}
        predictions.append((source, local_id, record_ref, uprns.pop() if len(uprns) == 1 else ""))
    result["seconds"] = time.perf_counter() - started
    result["addresses"] = len(rows)
    write(predictions)

result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def run_child(method: str, place: Path, db: Path, out: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, method, str(place), str(db), str(out)],
        capture_output=True, text=True,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"the {method} step failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def score(predictions: Path, truth: dict, no_postcode: set) -> dict:
    tp = fp = fn = tp_np = fn_np = 0
    with predictions.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["source"], row["local_id"], row["record_ref"])
            true, given = truth[key], row["uprn"]
            bare = key in no_postcode
            if given and given == true:
                tp += 1
                tp_np += bare
                continue
            if given:
                fp += 1
            if true:
                fn += 1
                fn_np += bare
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "recall_no_postcode": tp_np / (tp_np + fn_np) if tp_np + fn_np else 0.0, "no_postcode": tp_np + fn_np}


def read_truth(place: Path) -> dict:
    with (place / "truth" / "records.csv").open(encoding="utf-8", newline="") as handle:
        return {(row["source"], row["local_id"], row["record_ref"]): row["uprn"] for row in csv.DictReader(handle)}


def read_no_postcode(db: Path) -> set:
    import sqlite3

    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT s.code, r.local_id, r.record_ref FROM source_records r JOIN source_systems s "
        "ON s.id = r.source_system_id WHERE r.postcode IS NULL OR r.postcode = ''").fetchall()
    connection.close()
    return set(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=140_000, help="place size (140,000 people: ~200k addresses)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--place", type=Path, help="use this generated place instead")
    parser.add_argument("--only", action="append", choices=("joinedup", "uk-address-matcher", "exact"),
                        help="run only this method; repeat for several")
    args = parser.parse_args()
    methods = args.only or ["joinedup", "uk-address-matcher", "exact"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="joinedup-addresses-") as tmp:
        work = Path(tmp)
        place = args.place
        if place is None:
            place = work / "place"
            started = time.perf_counter()
            from joinedup.synth import generate_place

            generate_place(place, people=args.people, seed=args.seed)
            print(f"generated {args.people:,} people (seed {args.seed}) in {time.perf_counter() - started:.0f} s")
        db = work / "bench.db"
        setup = run_child("setup", place, db, work / "setup.csv")
        print(f"ingested {setup['rows']:,} rows in {setup['seconds']:.0f} s")
        truth = read_truth(place)
        no_postcode = read_no_postcode(db)
        gazetteer_rows = sum(1 for _ in (place / "gazetteer.csv").open(encoding="utf-8")) - 1
        print(f"{len(truth):,} addresses ({len(no_postcode):,} without a postcode, "
              f"{sum(1 for uprn in truth.values() if not uprn):,} not in the gazetteer); "
              f"gazetteer {gazetteer_rows:,} LPIs\n")
        header = (f"{'method':<20}{'precision':>10}{'recall':>9}{'F1':>8}{'recall':>9}{'addresses':>11}"
                  f"{'per min':>10}{'seconds':>9}{'peak MB':>9}")
        print(header)
        print(f"{'':<20}{'':>10}{'':>9}{'':>8}{'no pc':>9}{'per s':>11}")
        results = {}
        for method in methods:
            out = work / f"{method}.csv"
            timing = run_child(method, place, db, out)
            figures = score(out, truth, no_postcode)
            rate = timing["addresses"] / timing["seconds"]
            results[method] = {**timing, **figures, "per_second": rate}
            print(f"{method:<20}{figures['precision']:>10.5f}{figures['recall']:>9.4f}{figures['f1']:>8.4f}"
                  f"{figures['recall_no_postcode']:>9.4f}{rate:>11,.0f}{rate * 60:>10,.0f}{timing['seconds']:>9.1f}"
                  f"{timing['peak_rss_mb']:>9,.0f}")
        ours = results.get("joinedup")
        if ours:
            print(f"\njoinedup: {ours['tp']:,} right, {ours['fp']:,} wrong, {ours['fn']:,} missed; run: "
                  + ", ".join(f"{name} {value:,}" for name, value in ours["detail"].items())
                  + f"; gazetteer load {ours['gazetteer_seconds']:.1f} s")
            checks = [
                ("precision", ours["precision"], TARGETS["precision"]),
                ("recall", ours["recall"], TARGETS["recall"]),
                ("recall without a postcode", ours["recall_no_postcode"], TARGETS["recall_no_postcode"]),
                ("addresses per minute", ours["per_second"] * 60, TARGETS["per_minute"]),
            ]
            for name, value, target in checks:
                verdict = "meets" if value >= target else "MISSES"
                shown = f"{value:,.0f}" if target > 1 else f"{value:.5f}"
                print(f"  {name}: {shown} {verdict} the target of {target:,}")


if __name__ == "__main__":
    main()
