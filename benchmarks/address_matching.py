"""Measure address matching against ground truth, three ways, on several data sets, in one run.

    .venv/bin/python benchmarks/address_matching.py                    # every data set below
    .venv/bin/python benchmarks/address_matching.py --set synth --people 20000   # a quicker look
    .venv/bin/python benchmarks/address_matching.py --set unseen-own --set unseen-faker
    .venv/bin/python benchmarks/address_matching.py --place DIR        # a synthetic place already generated

The data sets:

- **synth**: the synthetic place (``joinedup.synth``), ``--people`` people, every
  extract ingested through its shipped mapping and the gazetteer through ``llpg``;
- **unseen-own** and **unseen-faker**: gazetteers and client extracts made by
  ``benchmarks/unseen_addresses.py``, a generator written apart from ``joinedup.synth``
  (its own vocabulary, or Faker's en_GB names from the ``bench`` extra), loaded through
  TOML mappings written from the docs (``--addresses`` records each, seeds 7 and 11).

For each, the extracts are ingested and the gazetteer loaded into a fresh SQLite store,
and then, each in its own child process so that its peak memory is its own:

- **joinedup**: a full ``match_addresses`` (the gazetteer-aware matcher with
  uk-address-matcher for what it cannot place), read back through ``export_addresses``,
  exactly as ``joinedup export addresses`` writes it;
- **uk-address-matcher**: the library out of the box (``AddressMatcher`` with its default
  stages and thresholds) on the same addresses and the same gazetteer as loaded, every
  current LPI (approved, alternative, historic) offered as a canonical address of its UPRN;
- **exact baseline**: the normalised address equal to an LPI's normalised address (with
  or without its locality and town) and the postcode equal when given, when exactly one
  UPRN is written that way.

Each is scored against the data set's truth (the true UPRN of the address on each row;
empty when the address is not in the gazetteer at all): precision is the share of
UPRNs given that are right; recall the share of rows with a true UPRN that got it.
"Without a postcode" is the rows whose stored postcode is empty. Recall is also given
per **address error class** (the truth's ``address_error``), so that no class hides
behind the average; for ``outside_gazetteer`` rows, which have no true UPRN, the table
gives the share wrongly matched instead. Throughput is the matching step's addresses
per second (for joinedup: the whole run, reading the records from the store and writing
the matches back).
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
from collections import defaultdict
from pathlib import Path

TARGETS = {"precision": 0.999, "recall": 0.99, "recall_no_postcode": 0.97, "per_minute": 100_000}
METHODS = ("joinedup", "uk-address-matcher", "exact")
BENCHMARKS = Path(__file__).resolve().parent

CHILD = r"""
import csv, json, resource, sqlite3, sys, time
from pathlib import Path
method, spec, db, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
result = {}

def records():
    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT r.id, s.code, r.local_id, r.record_ref, r.address_text, r.postcode "
        "FROM source_records r JOIN source_systems s ON s.id = r.source_system_id ORDER BY r.id").fetchall()
    connection.close()
    return rows

def lpis():
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    rows = connection.execute(
        "SELECT uprn, sao_text, sao_start_number, sao_start_suffix, pao_text, pao_start_number, pao_start_suffix, "
        "street, locality, town, postcode FROM gazetteer_addresses WHERE retired_at IS NULL ORDER BY id").fetchall()
    connection.close()
    return rows

def head(lpi):
    sao = " ".join(part for part in (lpi["sao_text"], lpi["sao_start_number"] + lpi["sao_start_suffix"]) if part)
    number = lpi["pao_start_number"] + lpi["pao_start_suffix"]
    return (sao, lpi["pao_text"], f"{number} {lpi['street']}".strip())

def write(predictions):
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("source", "local_id", "record_ref", "uprn"))
        writer.writerows(predictions)

if method == "setup":
    from joinedup.db import make_engine
    from joinedup.db.migrate import upgrade
    from joinedup.gazetteer import load_gazetteer
    from joinedup.ingest import ingest_file, load_mapping
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    started = time.perf_counter()
    if spec.get("place"):
        from joinedup.demo import load_place
        result["rows"] = sum(load.rows_read for load in load_place(engine, Path(spec["place"])))
    else:
        result["rows"] = sum(ingest_file(engine, load_mapping(mapping), Path(path), loaded_by="benchmark").rows_read
                             for mapping, path in spec["extracts"])
    result["seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    load = load_gazetteer(engine, Path(spec["gazetteer"]), mapping=spec["gazetteer_mapping"], loaded_by="benchmark")
    result["gazetteer_seconds"] = time.perf_counter() - started
    result["lpis"] = load.rows_read - load.rejected

elif method == "joinedup":
    from joinedup.db import make_engine, transaction
    from joinedup.audit import Actor
    from joinedup.gazetteer import match_addresses
    from joinedup.disclosure import export_addresses
    engine = make_engine(f"sqlite:///{db}")
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
        return ", ".join(part for part in (*head(lpi), lpi["locality"], lpi["town"]) if part)
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
        first = ", ".join(part for part in head(lpi) if part)
        for tail in ((), (lpi["town"],), (lpi["locality"], lpi["town"])):
            key = normalise(", ".join((first, *(part for part in tail if part))))
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


def run_child(method: str, spec: dict, db: Path, out: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, method, json.dumps(spec), str(db), str(out)],
        capture_output=True, text=True,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"the {method} step failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def canonical(uprn: str) -> str:
    uprn = (uprn or "").strip()
    return str(int(uprn)) if uprn.isdigit() else uprn


def score(predictions: Path, truth: dict, no_postcode: set) -> dict:
    """Precision, recall and recall without a postcode overall; recall (or wrong matches) per class."""
    tp = fp = fn = tp_np = fn_np = 0
    classes: dict[str, dict[str, int]] = defaultdict(lambda: {"rows": 0, "true": 0, "right": 0, "wrong": 0})
    with predictions.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["source"], row["local_id"], row["record_ref"])
            true, kind = truth[key]
            given = canonical(row["uprn"])
            bare = key in no_postcode
            figures = classes[kind]
            figures["rows"] += 1
            figures["true"] += bool(true)
            if given and given == true:
                tp += 1
                tp_np += bare
                figures["right"] += 1
                continue
            if given:
                fp += 1
                figures["wrong"] += 1
            if true:
                fn += 1
                fn_np += bare
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "recall_no_postcode": tp_np / (tp_np + fn_np) if tp_np + fn_np else 0.0, "no_postcode": tp_np + fn_np,
            "classes": dict(classes)}


def read_truth(path: Path) -> dict:
    """(source, local_id, record_ref) -> (true UPRN, address error class)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {(row["source"], row["local_id"], row["record_ref"]): (canonical(row["uprn"]),
                                                                       row.get("address_error") or "all")
                for row in csv.DictReader(handle)}


def read_no_postcode(db: Path) -> set:
    import sqlite3

    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT s.code, r.local_id, r.record_ref FROM source_records r JOIN source_systems s "
        "ON s.id = r.source_system_id WHERE r.postcode IS NULL OR r.postcode = ''").fetchall()
    connection.close()
    return set(rows)


def synth_set(args, work: Path) -> tuple[dict, Path]:
    place = args.place
    if place is None:
        place = work / "place"
        started = time.perf_counter()
        from joinedup.synth import generate_place

        generate_place(place, people=args.people, seed=args.seed)
        print(f"generated {args.people:,} people (seed {args.seed}) in {time.perf_counter() - started:.0f} s")
    spec = {"place": str(place), "gazetteer": str(place / "gazetteer.csv"), "gazetteer_mapping": "llpg"}
    return spec, place / "truth" / "records.csv"


def unseen_set(vocabulary: str, seed: int, args, work: Path) -> tuple[dict, Path]:
    sys.path.insert(0, str(BENCHMARKS))
    from unseen_addresses import generate

    folder = work / f"unseen-{vocabulary}"
    generate(folder, addresses=args.addresses, seed=seed, vocabulary=vocabulary)
    print(f"generated {args.addresses:,} client addresses (unseen_addresses.py, {vocabulary} vocabulary, seed {seed})")
    spec = {"gazetteer": str(folder / "gazetteer.csv"), "gazetteer_mapping": str(folder / "gazetteer.toml"),
            "extracts": [[str(folder / "clients.toml"), str(folder / "clients.csv")]]}
    return spec, folder / "truth.csv"


def measure(name: str, spec: dict, truth_path: Path, methods: list[str], work: Path) -> None:
    print(f"\n=== {name} ===")
    folder = work / f"{name}-store"
    folder.mkdir()
    db = folder / "bench.db"
    setup = run_child("setup", spec, db, folder / "setup.csv")
    truth = read_truth(truth_path)
    no_postcode = read_no_postcode(db)
    print(f"ingested {setup['rows']:,} rows in {setup['seconds']:.0f} s; gazetteer {setup['lpis']:,} LPIs loaded in "
          f"{setup['gazetteer_seconds']:.1f} s")
    print(f"{len(truth):,} addresses ({len(no_postcode):,} without a postcode, "
          f"{sum(1 for uprn, _ in truth.values() if not uprn):,} not in the gazetteer)\n")
    print(f"{'method':<20}{'precision':>10}{'recall':>9}{'F1':>8}{'recall':>9}{'wrong':>7}{'addresses':>11}"
          f"{'per min':>10}{'seconds':>9}{'peak MB':>9}")
    print(f"{'':<20}{'':>10}{'':>9}{'':>8}{'no pc':>9}{'':>7}{'per s':>11}")
    results = {}
    for method in methods:
        out = folder / f"{method}.csv"
        timing = run_child(method, spec, db, out)
        figures = score(out, truth, no_postcode)
        rate = timing["addresses"] / timing["seconds"]
        results[method] = {**timing, **figures, "per_second": rate}
        print(f"{method:<20}{figures['precision']:>10.5f}{figures['recall']:>9.4f}{figures['f1']:>8.4f}"
              f"{figures['recall_no_postcode']:>9.4f}{figures['fp']:>7,}{rate:>11,.0f}{rate * 60:>10,.0f}"
              f"{timing['seconds']:>9.1f}{timing['peak_rss_mb']:>9,.0f}")
    classes = sorted({kind for figures in results.values() for kind in figures["classes"]},
                     key=lambda kind: -results[methods[0]]["classes"].get(kind, {"rows": 0})["rows"])
    print("\nrecall per address error class (outside_gazetteer: share wrongly matched)")
    print(f"{'class':<30}{'rows':>7}" + "".join(f"{method[:18]:>20}" for method in methods))
    for kind in classes:
        rows = results[methods[0]]["classes"][kind]["rows"]
        cells = []
        for method in methods:
            figures = results[method]["classes"].get(kind, {"true": 0, "right": 0, "wrong": 0, "rows": 0})
            if figures["true"]:
                cells.append(f"{figures['right'] / figures['true']:.4f} ({figures['wrong']} wrong)")
            else:
                cells.append(f"{figures['wrong'] / max(figures['rows'], 1):.4f} wrong")
        print(f"{kind:<30}{rows:>7,}" + "".join(f"{cell:>20}" for cell in cells))
    ours = results.get("joinedup")
    if ours:
        print(f"\njoinedup: {ours['tp']:,} right, {ours['fp']:,} wrong, {ours['fn']:,} missed; run: "
              + ", ".join(f"{label} {value:,}" for label, value in ours["detail"].items()))
        checks = [
            ("precision", ours["precision"], TARGETS["precision"]),
            ("recall", ours["recall"], TARGETS["recall"]),
            ("recall without a postcode", ours["recall_no_postcode"], TARGETS["recall_no_postcode"]),
            ("addresses per minute", ours["per_second"] * 60, TARGETS["per_minute"]),
        ]
        for label, value, target in checks:
            verdict = "meets" if value >= target else "MISSES"
            shown = f"{value:,.0f}" if target > 1 else f"{value:.5f}"
            print(f"  {label}: {shown} {verdict} the target of {target:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", choices=("synth", "unseen-own", "unseen-faker"), dest="sets",
                        help="measure only this data set; repeat for several (default: all three)")
    parser.add_argument("--people", type=int, default=140_000, help="synthetic place size (140,000: ~200k addresses)")
    parser.add_argument("--seed", type=int, default=1, help="the synthetic place's seed")
    parser.add_argument("--place", type=Path, help="use this generated synthetic place instead")
    parser.add_argument("--addresses", type=int, default=40_000, help="client addresses in each unseen set")
    parser.add_argument("--only", action="append", choices=METHODS, help="run only this method; repeat for several")
    args = parser.parse_args()
    methods = args.only or list(METHODS)
    sets = args.sets or ["synth", "unseen-own", "unseen-faker"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="joinedup-addresses-") as tmp:
        work = Path(tmp)
        for name in sets:
            if name == "synth":
                spec, truth = synth_set(args, work)
            else:
                vocabulary = name.split("-", 1)[1]
                spec, truth = unseen_set(vocabulary, {"own": 7, "faker": 11}[vocabulary], args, work)
            measure(name, spec, truth, methods, work)


if __name__ == "__main__":
    main()
