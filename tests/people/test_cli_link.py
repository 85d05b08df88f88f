"""``joinedup link`` and ``joinedup export links``, run as a user runs them."""

from __future__ import annotations

import csv

from place_support import place_extracts
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.db import session_factory
from joinedup.ingest import SourceRecord, ingest_file, load_mapping
from joinedup.people import PersonRecord
from joinedup.store import initialise

runner = CliRunner()


def test_link_prints_a_summary_and_export_writes_one_row_per_record(loaded_home, tmp_path):
    with session_factory(loaded_home)() as session:
        rows = session.scalar(select(func.count()).select_from(SourceRecord))
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


def test_link_incremental_before_a_full_link_says_to_link_first(settings):
    initialise(settings)
    result = runner.invoke(app, ["link", "--incremental"])
    assert result.exit_code == 2 and "full link first" in result.output


def test_link_incremental_attaches_new_records_and_says_what_it_did(held_back_home, small_place):
    with session_factory(held_back_home)() as session:
        before = session.scalar(select(func.count()).select_from(SourceRecord))
    for extract in place_extracts(small_place):
        ingest_file(held_back_home, load_mapping(extract["mapping"]), small_place / extract["file"], loaded_by="test")
    with session_factory(held_back_home)() as session:
        arrived = session.scalar(select(func.count()).select_from(SourceRecord)) - before
    assert arrived > 40
    result = runner.invoke(app, ["link", "--incremental"])
    assert result.exit_code == 0, result.output
    assert "Incremental link run" in result.output and "new source records" in result.output
    assert f"{arrived:,}" in result.output


def test_an_ingest_attaches_its_new_records_to_the_index_unless_told_not_to(held_back_home, small_place):
    first, second = sorted(place_extracts(small_place), key=lambda extract: -extract["rows"])[:2]  # rows held back

    def unlinked() -> int:
        with session_factory(held_back_home)() as session:
            return session.scalar(select(func.count()).select_from(SourceRecord)
                                  .where(SourceRecord.id.not_in(select(PersonRecord.source_record_id))))

    assert unlinked() == 0
    kept = runner.invoke(app, ["ingest", "--source", first["mapping"], "--no-link", str(small_place / first["file"])])
    assert kept.exit_code == 0, kept.output
    waiting = unlinked()
    assert waiting > 0 and "link run" not in kept.output
    result = runner.invoke(app, ["ingest", "--source", second["mapping"], str(small_place / second["file"])])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Incremental link run" in said and "new source records" in said
    assert unlinked() == 0  # this load's arrivals, and the earlier load's left waiting
