"""``joinedup monitor run`` and ``declare``, as the operator's timer and an administrator run them."""

from __future__ import annotations

from datetime import UTC, datetime

from monitoring_support import build_place, event
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.db import transaction
from joinedup.monitoring import StaffDeclaration
from joinedup.store import initialise

runner = CliRunner()


def _run(*arguments: str, code: int = 0) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == code, result.output
    return result.output


def test_a_scheduled_run_raises_each_finding_once(settings):
    engine = initialise(settings)
    place = build_place(engine, persons=3)
    event(engine, place, "sam.social", datetime(2026, 12, 1, 10, tzinfo=UTC), action="sharing.break_glass.start",
          outcome="success", subject_id=place.persons[0])
    first = _run("monitor", "run")
    assert "raised 1 new review tasks" in first and "Break-glass used" in first
    assert "raised 0 new review tasks" in _run("monitor", "run")


def test_a_rules_file_that_cannot_be_used_stops_the_run_and_names_the_setting(settings):
    initialise(settings)
    (settings.home / "monitoring.toml").write_text("[refusals]\nrefusals = 0\n")
    assert "monitoring.toml refusals.refusals" in _run("monitor", "run", code=1)


def test_an_administrator_records_a_staff_declaration(settings):
    engine = initialise(settings)
    place = build_place(engine, persons=1)
    assert "Declaration kept" in _run("monitor", "declare", "sam.social", "--surname", "Okafor", "--postcode",
                                      "ls1 4ap")
    with transaction(engine) as session:
        declared = session.get(StaffDeclaration, place.users["sam.social"])
        assert (declared.surname, declared.postcode) == ("Okafor", "LS14AP")
    assert "postcode" in _run("monitor", "declare", "sam.social", "--surname", "Okafor", "--postcode", "nowhere",
                              code=1)
