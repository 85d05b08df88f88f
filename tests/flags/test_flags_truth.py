"""Flags and involvements attached to the right person through the index, against the
synthetic place's truth: the demo's pipeline over a small place, measured by
benchmarks/flags_truth.py and benchmarks/involvements_truth.py (one place built for both)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.db import make_engine, session_factory

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
#: A floor below the figures measured (precision 1.0, recall 0.99 on 3,000 people): a
#: small place has few flags, so one misplaced flag moves the figure by a few points.
PRECISION, RECALL = 0.95, 0.9
#: The flag types issue 13 names that the place's first extracts did not state. Seed 16 of
#: an 800-person place has each at least once (few: one misplaced flag halves a figure,
#: so the floor per type is lower; a mapping that does not read a type scores 0).
NEW_TYPES = ("young_carer", "marac_case", "exploitation_concern", "unborn_child_protection_plan")
TYPE_FLOOR = 0.5
#: Involvements (issue 13: "report involvements attached to the right person through the
#: index, as precision and recall"): measured 0.9999 and 0.9985 at 20,000 people; a floor
#: below them, as for flags.
INVOLVEMENT_PRECISION, INVOLVEMENT_RECALL = 0.99, 0.97


def _benchmark(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flags_and_involvements_land_on_the_right_person(settings):
    result = CliRunner().invoke(app, ["demo", "--people", "800", "--seed", "16", "--no-serve"])
    assert result.exit_code == 0, result.output
    place = settings.home / "place" / "people-800-seed-16"
    with session_factory(make_engine(settings.database_url))() as session:
        figures = _benchmark("flags_truth").measure(session, place)
        involved = _benchmark("involvements_truth").measure(session, place)
    assert involved["known"] >= 500, involved
    assert involved["precision"] >= INVOLVEMENT_PRECISION and involved["recall"] >= INVOLVEMENT_RECALL, involved
    assert figures["flags"] >= 20, figures
    assert {"child_in_need", "domestic_abuse_victim", "send_ehc_plan"} <= set(figures["by_type"]), figures
    assert figures["precision"] >= PRECISION, figures
    assert figures["recall"] >= RECALL, figures
    typed = figures["types"]
    assert typed["all"]["precision"] >= PRECISION and typed["all"]["recall"] >= RECALL, typed["all"]
    for flag_type in NEW_TYPES:
        figure = typed.get(flag_type)
        assert figure and figure["truth"] >= 1, (flag_type, figure)
        assert figure["precision"] >= TYPE_FLOOR and figure["recall"] >= TYPE_FLOOR, (flag_type, figure)
