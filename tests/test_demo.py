"""The demo pipeline end to end, as `joinedup demo --no-serve` runs it for a newcomer."""

import json
import subprocess
from pathlib import Path

from factories import actor_of
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.accounts import authenticate, find_user
from joinedup.caseload import my_people
from joinedup.cli import app
from joinedup.db import make_engine, transaction
from joinedup.demo import DEMO_USERS
from joinedup.ingest.models import IngestLoad, SourceRecord
from joinedup.involvements import Worker

runner = CliRunner()


def test_demo_builds_loads_and_creates_users_who_can_sign_in_and_a_rerun_adds_nothing(settings):
    result = runner.invoke(app, ["demo", "--people", "300", "--no-serve"])
    assert result.exit_code == 0, result.output
    password = json.loads((settings.home / "demo-credentials.json").read_text())["password"]
    assert password in result.output
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        loads = session.scalars(select(IngestLoad)).all()
        assert {load.status for load in loads} == {"completed"}
        assert len(loads) == 7
        records = session.scalar(select(func.count()).select_from(SourceRecord))
        assert records == sum(load.rows_loaded for load in loads)
        for user in DEMO_USERS:
            signed_in = authenticate(
                session, username=user.username, password=password, client_address="test"
            )
            assert signed_in.outcome == "success", user.username
        # The demo's social worker is a worker of their organisation's directory, so their home page lists people.
        social = find_user(session, "sam.social")
        worker = session.scalar(select(Worker).where(Worker.organisation_id == social.organisation_id,
                                                     Worker.secure_email == social.email))
        assert worker is not None and worker.role == "allocated_social_worker"
        assert social.display_name == worker.name
        assert my_people(session, actor_of(social)).people, "the demo social worker's 'my people' is empty"
    # A second run reuses the place and duplicates nothing (one test, to build the place once).
    second = runner.invoke(app, ["demo", "--people", "300", "--no-serve"])
    assert second.exit_code == 0, second.output
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == records
        latest = session.scalars(select(IngestLoad).order_by(IngestLoad.id.desc()).limit(7)).all()
        assert all(load.rows_loaded == 0 and load.rows_unchanged == load.rows_read - load.rows_rejected for load in latest)


def test_a_tiny_demo_with_an_empty_extract_still_has_every_demo_user(settings):
    result = runner.invoke(app, ["demo", "--people", "50", "--seed", "1", "--no-serve"])
    assert result.exit_code == 0, result.output
    password = json.loads((settings.home / "demo-credentials.json").read_text())["password"]
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        loads = session.scalars(select(IngestLoad)).all()
        assert {load.status for load in loads} == {"completed"}
        extracts = list((settings.home / "place" / "people-50-seed-1" / "extracts").iterdir())
        empty = [path for path in extracts if len(path.read_text().splitlines()) <= 1]
        assert empty, "the tiny place has an extract with no rows: the case this test is about"
        assert len(loads) == len(extracts) - len(empty), "an extract with no rows is not loaded"
        for user in DEMO_USERS:
            signed_in = authenticate(session, username=user.username, password=password, client_address="test")
            assert signed_in.outcome == "success", user.username


def test_synth_then_ingest_through_the_cli(settings, tmp_path):
    place = tmp_path / "place"
    made = runner.invoke(app, ["synth", "--out", str(place), "--people", "200", "--seed", "7"])
    assert made.exit_code == 0, made.output
    manifest = json.loads((place / "manifest.json").read_text())
    police = next(e for e in manifest["extracts"] if e["source"] == "police")
    loaded = runner.invoke(app, ["ingest", "--source", "police", str(place / police["file"])])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded (new)" in loaded.output and "Field completeness" in loaded.output
    assert "There is no person index yet, so the new records were not linked" in " ".join(loaded.output.split())


def test_ingest_of_an_unreadable_file_fails_with_the_reason(settings, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(app, ["ingest", "--source", "csc", str(empty)])
    assert result.exit_code == 1
    assert "empty" in result.output


def test_make_demo_passes_the_port_through():
    def demo_command(*variables: str) -> str:
        dry_run = subprocess.run(["make", "--dry-run", "demo", *variables],
                                 cwd=Path(__file__).parents[1], capture_output=True, text=True, check=True)
        return [line for line in dry_run.stdout.splitlines() if "joinedup demo" in line][-1]

    assert demo_command().endswith("joinedup demo --port 8000")
    assert demo_command("PORT=8001").endswith("joinedup demo --port 8001")
