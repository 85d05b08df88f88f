"""The shipped mappings load the synthetic place's extracts: every column they name is there."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from joinedup.db import session_factory
from joinedup.demo import load_place
from joinedup.ingest import WARNING
from joinedup.partners import SourceSystem
from joinedup.synth import generate_place


@pytest.mark.parametrize(("people", "seed"), [(50, 1), (60, 5), (400, 3)])
def test_every_shipped_mapping_finds_every_column_it_names(sqlite_engine, tmp_path, people, seed):
    place = tmp_path / "place"
    generate_place(place, people=people, seed=seed)
    manifest = json.loads((place / "manifest.json").read_text())
    loads = load_place(sqlite_engine, place)

    assert [load.source_system.code for load in loads] == [
        extract["source"] for extract in manifest["extracts"] if extract["rows"]]
    assert {load.status for load in loads} == {"completed"}
    assert [issue.message for load in loads for issue in load.issues
            if issue.severity == WARNING and issue.row_number is None] == []
    with session_factory(sqlite_engine)() as session:
        registered = set(session.scalars(select(SourceSystem.code)))
    assert registered == {extract["source"] for extract in manifest["extracts"]}, "an empty extract's source exists"
