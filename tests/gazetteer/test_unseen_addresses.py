"""End to end on addresses JoinedUp's own generator did not make (benchmarks/unseen_addresses.py).

A small gazetteer and client list from the independent generator go through the
commands a newcomer would run, through the mappings written from the docs, and the
export is scored against the generator's truth, per address error class. Not timed:
benchmarks/address_matching.py measures speed.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import app

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "unseen_addresses.py"
runner = CliRunner()

#: Recall each class must reach on this small set (the issue's targets are 0.99 overall
#: and 0.97 without a postcode on large sets; small classes get some slack). A postcode
#: slip onto another house of the same street is refused on purpose (docs/gazetteer.md).
RECALL_FLOOR = {
    "none": 0.99, "no_postcode": 0.98, "abbreviated": 0.98, "street_keyboard_typo": 0.95,
    "street_misspelt_no_postcode": 0.9, "town_misspelt_no_postcode": 0.93, "postcode_slip": 0.85,
    "no_town": 0.97, "outward_code_only": 0.95, "county_added": 0.97, "several_slips_no_postcode": 0.8,
}


def _generator():
    spec = importlib.util.spec_from_file_location("unseen_addresses", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_an_unseen_gazetteer_and_messy_extract_meet_the_targets_per_error_class(settings, tmp_path):
    data = tmp_path / "unseen"
    _generator().generate(data, addresses=2500, seed=3)
    _run("gazetteer", "load", str(data / "gazetteer.csv"), "--mapping", str(data / "gazetteer.toml"))
    _run("ingest", str(data / "clients.csv"), "--mapping", str(data / "clients.toml"))
    _run("addresses", "match", "--full")
    export = tmp_path / "addresses.csv"
    _run("export", "addresses", "--out", str(export))

    with (data / "truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = {row["local_id"]: (str(int(row["uprn"])) if row["uprn"] else "", row["address_error"])
                 for row in csv.DictReader(handle)}
    figures: dict[str, dict[str, int]] = defaultdict(lambda: {"true": 0, "right": 0, "wrong": 0})
    with export.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            true, kind = truth[row["local_id"]]
            counts = figures[kind]
            counts["true"] += bool(true)
            if row["uprn"] and row["uprn"] == true:
                counts["right"] += 1
            elif row["uprn"]:
                counts["wrong"] += 1
    assert sum(counts["true"] for counts in figures.values()) > 2000

    right = sum(counts["right"] for counts in figures.values())
    wrong = sum(counts["wrong"] for kind, counts in figures.items() if kind != "transposed_number")
    assert wrong <= 0.002 * right, "a transposed house number aside, wrong matches must be rare"
    assert figures["outside_gazetteer"]["wrong"] == 0, "an address outside the gazetteer was given a UPRN"
    for kind, floor in RECALL_FLOOR.items():
        counts = figures[kind]
        assert counts["true"] >= 20, f"the set has too few {kind} to judge"
        assert counts["right"] / counts["true"] >= floor, f"{kind}: {counts}"
