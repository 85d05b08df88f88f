"""The organisation's administrator keeps its directory in the app, row by row: teams and
workers added, corrected and retired (never deleted while named), each field checked as
a file's row is, each problem naming its field, each change audited with what changed."""

from __future__ import annotations

from datetime import date

import pytest
from involvement_support import SYSTEM
from sqlalchemy import select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.errors import Conflict, Forbidden, Refusal
from joinedup.involvements import (
    Involvement,
    InvolvementTerms,
    Team,
    TeamTerms,
    Worker,
    WorkerTerms,
    add_team,
    add_worker,
    correct_team,
    correct_worker,
    directory_of,
    invitable_workers,
    kept_directory,
    load_directory,
    record_involvement,
    retire_team,
    retire_worker,
)

HEADER = "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"


def _events(session, action: str) -> list[dict]:
    return [event.details for event in session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                       .order_by(AuditEvent.id))]


def _named(session, org: int, email: str) -> Worker:
    return session.scalar(select(Worker).where(Worker.organisation_id == org, Worker.secure_email == email))


def test_an_administrator_adds_a_team_and_a_worker_audited_with_their_fields(world):
    admin = world.actor("CSC", "admin")
    with transaction(world.engine) as session:
        team = add_team(session, admin, TeamTerms(" Leaving Care Team ", "0306 999 0150", "lct@csc.example"))
        worker = add_worker(session, admin, WorkerTerms(team.id, "Fay Wu", "key_worker", "0306 999 0151",
                                                        "Fay.Wu@CSC.example"))
        offered = {team.name: [one.name for one in workers] for team, workers in directory_of(session,
                                                                                              world.orgs["CSC"])}
        teams, workers = _events(session, "directory.team.add"), _events(session, "directory.worker.add")
    assert (team.name, team.duty_phone, team.secure_email, team.active) == (
        "Leaving Care Team", "0306 999 0150", "lct@csc.example", True)
    assert worker.secure_email == "fay.wu@csc.example" and worker.team_id == team.id and worker.active
    assert offered["Leaving Care Team"] == ["Fay Wu"]
    assert teams == [{"fields": {"team": "Leaving Care Team", "team_duty_phone": "0306 999 0150",
                                 "team_secure_email": "lct@csc.example", "sensitive_category": None},
                      "brought_back": False}]
    assert workers[0]["fields"] == {"team": "Leaving Care Team", "worker": "Fay Wu", "role": "key_worker",
                                    "phone": "0306 999 0151", "secure_email": "fay.wu@csc.example"}


def test_bad_input_names_every_field_and_nothing_is_kept(world):
    admin = world.actor("CSC", "admin")
    with transaction(world.engine) as session:
        with pytest.raises(Refusal) as refused:
            add_team(session, admin, TeamTerms("", "call me", "not-an-address", "made_up"))
        assert [field for field, _ in refused.value.problems] == [
            "team", "team_duty_phone", "team_secure_email", "sensitive_category"]
        with pytest.raises(Refusal) as refused:
            add_worker(session, admin, WorkerTerms(None, "", "chief_wizard", "call me", "nobody"))
        assert [field for field, _ in refused.value.problems] == ["team", "worker", "role", "phone", "secure_email"]
        with pytest.raises(Refusal) as refused:
            add_team(session, admin, TeamTerms("A" * 201))
        assert refused.value.problems == [("team", "The team's name must be at most 200 characters")]
        assert session.scalar(select(Team).where(Team.name == "")) is None


def test_the_form_and_the_file_refuse_a_row_with_the_same_words(world):
    """One check for both paths: a phone that is not one is refused alike."""
    admin = world.actor("CSC", "admin")
    with transaction(world.engine) as session:
        team = session.scalar(select(Team).where(Team.organisation_id == world.orgs["CSC"]))
        with pytest.raises(Refusal) as refused:
            add_worker(session, admin, WorkerTerms(team.id, "Hal Ek", "key_worker", "call me", "hal@csc.example"))
        report = load_directory(session, SYSTEM, "CSC", HEADER + f"{team.name},,,,Hal Ek,key_worker,call me,"
                                "hal@csc.example\n")
    assert [(row.field, row.reason) for row in report.refused] == refused.value.problems


def test_a_correction_is_audited_field_by_field_and_duplicates_are_refused(world):
    admin = world.actor("CSC", "admin")
    with transaction(world.engine) as session:
        ada = _named(session, world.orgs["CSC"], "ada.lovelace@csc.example")
        team = ada.team
        other = add_team(session, admin, TeamTerms("Leaving Care Team"))
        correct_team(session, admin, team.id, TeamTerms(team.name, "0306 999 0199", team.secure_email or ""))
        correct_worker(session, admin, ada.id, WorkerTerms(other.id, "Ada King", ada.role, ada.phone or "",
                                                           "ada.king@csc.example"))
        with pytest.raises(Refusal, match="Nothing was changed"):
            correct_team(session, admin, team.id, TeamTerms(team.name, "0306 999 0199", team.secure_email or ""))
        with pytest.raises(Conflict) as refused:
            correct_team(session, admin, other.id, TeamTerms(team.name))
        assert refused.value.field == "team"
        with pytest.raises(Conflict) as refused:
            correct_worker(session, admin, ada.id, WorkerTerms(other.id, "Ada King", ada.role, "",
                                                               "ben.ng@csc.example"))
        assert refused.value.field == "secure_email"
        with pytest.raises(Conflict):
            add_team(session, admin, TeamTerms("Leaving Care Team"))
        involvement = session.scalar(select(Involvement).where(Involvement.worker_id == ada.id))
        teams, workers = _events(session, "directory.team.correct"), _events(session, "directory.worker.correct")
    assert teams == [{"changes": {"team_duty_phone": ["0306 999 0100", "0306 999 0199"]}}]
    assert workers == [{"changes": {"team": ["Child Protection Team", "Leaving Care Team"],
                                    "worker": ["Ada Lovelace", "Ada King"],
                                    "secure_email": ["ada.lovelace@csc.example", "ada.king@csc.example"]}}]
    assert involvement is not None  # the involvement follows the worker through the new e-mail


def test_a_retired_worker_is_kept_for_what_names_them_and_no_longer_offered(world):
    admin = world.actor("CSC", "admin")
    with transaction(world.engine) as session:
        ada = _named(session, world.orgs["CSC"], "ada.lovelace@csc.example")
        retire_worker(session, admin, ada.id)
        with pytest.raises(Conflict):
            retire_worker(session, admin, ada.id)
        kept = session.get(Worker, ada.id)
        was_active = kept.active
        involvement = session.scalar(select(Involvement).where(Involvement.worker_id == ada.id))
        offered = [worker.id for _team, workers in directory_of(session, world.orgs["CSC"]) for worker in workers]
        invitable = [worker_id for _organisation, workers in invitable_workers(session, world.actor("EDU", "practitioner"))
                     for worker_id, _label in workers]
        listed = {worker.secure_email: worker.active for kept_team in kept_directory(session, admin)
                  for worker in kept_team.workers}
        retired = _events(session, "directory.worker.retire")
        # Adding the same secure e-mail again brings them back.
        back = add_worker(session, admin, WorkerTerms(kept.team_id, "Ada Lovelace", "allocated_social_worker", "",
                                                      "ADA.lovelace@csc.example"))
        brought = _events(session, "directory.worker.add")
    assert kept is not None and not was_active and involvement.status == "current"
    assert ada.id not in offered and ada.id not in invitable
    assert listed["ada.lovelace@csc.example"] is False
    assert retired == [{"secure_email": "ada.lovelace@csc.example", "changes": {"active": [True, False]},
                        "current_involvements": 1}]
    assert back.id == ada.id and back.active and brought[-1]["brought_back"] is True


def test_a_team_is_retired_only_once_its_workers_are_and_then_is_not_offered(world):
    admin = world.actor("CSC", "admin")
    with transaction(world.engine) as session:
        team = session.scalar(select(Team).where(Team.organisation_id == world.orgs["CSC"]))
        with pytest.raises(Refusal) as refused:
            retire_team(session, admin, team.id)
        assert refused.value.field == "team_id" and "2 active workers" in refused.value.message
        for worker in session.scalars(select(Worker).where(Worker.team_id == team.id)):
            retire_worker(session, admin, worker.id)
        retire_team(session, admin, team.id)
        offered = [one.name for one, _workers in directory_of(session, world.orgs["CSC"])]
        with pytest.raises(Refusal) as recorded:
            record_involvement(session, world.actor("CSC", "practitioner"), "PINVOLVED1",
                               InvolvementTerms("key_worker", team.id, None, "duty_line", date(2025, 1, 1)))
        with pytest.raises(Refusal) as moved:
            add_worker(session, admin, WorkerTerms(team.id, "New Person", "key_worker", "", "new@csc.example"))
        # Loading a file that names the team again brings it back.
        load_directory(session, SYSTEM, "CSC", HEADER + f"{team.name},,,,,,,\n")
        back = session.get(Team, team.id).active
    assert team.name not in offered
    assert recorded.value.field == "team_id" and moved.value.field == "team"
    assert back


@pytest.mark.parametrize(("org", "roles", "field"), [("CSC", ("practitioner",), "role"),
                                                     ("CSC", ("data_team",), "role"),
                                                     ("EDU", ("admin",), "organisation")])
def test_only_the_organisations_own_administrator_keeps_its_rows(world, org, roles, field):
    actor = world.actor(org, *roles)
    with transaction(world.engine) as session:
        ada = _named(session, world.orgs["CSC"], "ada.lovelace@csc.example")
        with pytest.raises(Forbidden) as refused:
            correct_worker(session, actor, ada.id, WorkerTerms(ada.team_id, "Ada King", ada.role, "",
                                                               ada.secure_email))
        assert refused.value.field == field
        with pytest.raises(Forbidden):
            retire_team(session, actor, ada.team_id)
        assert session.get(Worker, ada.id).name == "Ada Lovelace"


def test_an_administrator_of_no_organisation_has_no_directory_to_keep(world):
    with transaction(world.engine) as session, pytest.raises(Forbidden) as refused:
        add_team(session, SYSTEM.__class__(username="root", roles=frozenset({"admin"})), TeamTerms("A team"))
    assert refused.value.field == "organisation"
