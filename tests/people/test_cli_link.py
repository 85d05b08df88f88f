"""``joinedup link`` and ``joinedup export links``, run as a user runs them."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.demo import load_place
from joinedup.store import initialise

runner = CliRunner()


def test_link_prints_a_summary_and_export_writes_one_row_per_record(settings, small_place, tmp_path):
    engine = initialise(settings)
    rows = sum(load.rows_loaded for load in load_place(engine, small_place))
    result = runner.invoke(app, ["link"])
    assert result.exit_code == 0, result.output
    assert "persons" in result.output and "person ids new" in result.output
    out = tmp_path / "links.csv"
    result = runner.invoke(app, ["export", "links", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        links = list(csv.DictReader(handle))
    assert len(links) == rows
    assert set(links[0]) >= {"source", "local_id", "record_ref", "person_id", "match_probability"}
    assert all(row["person_id"].startswith("P") for row in links)
    result = runner.invoke(app, ["link", "--model", "99"])
    assert result.exit_code == 2 and "no model version 99" in result.output


def test_link_incremental_attaches_new_records_and_says_what_it_did(settings, small_place):
    import json

    from joinedup.ingest import ingest_file, load_mapping

    engine = initialise(settings)
    extracts = json.loads((small_place / "manifest.json").read_text())["extracts"]
    held_back = next(extract for extract in extracts if extract["source"] == "voluntary")
    result = runner.invoke(app, ["link", "--incremental"])
    assert result.exit_code == 2 and "full link first" in result.output
    for extract in extracts:
        if extract is not held_back:
            ingest_file(engine, load_mapping(extract["mapping"]), small_place / extract["file"], loaded_by="test")
    assert runner.invoke(app, ["link"]).exit_code == 0
    load = ingest_file(engine, load_mapping(held_back["mapping"]), small_place / held_back["file"], loaded_by="test")
    result = runner.invoke(app, ["link", "--incremental"])
    assert result.exit_code == 0, result.output
    assert "Incremental link run" in result.output and "new source records" in result.output
    assert f"{load.rows_loaded:,}" in result.output
