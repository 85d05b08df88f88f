"""A practitioner's people: the current involvements naming them, their names and flags
read through disclosure, and the flags changed since they last looked."""

from __future__ import annotations

from datetime import date, timedelta

from chronology_support import CHILD, MOTHER
from factories import actor_of, user
from sqlalchemy import select

from joinedup.audit import AuditEvent, record_event
from joinedup.caseload import FIRST_LOOK, my_people
from joinedup.db import transaction
from joinedup.flags.models import Flag
from joinedup.involvements import Involvement, Team, Worker
from joinedup.people.models import Person

TODAY = date.today()


def _people(world, username, organisation, email=None, roles=("practitioner",)):
    with transaction(world.engine) as session:
        return actor_of(user(session, username, organisation, list(roles), email=email))


def _involve(world, person_id, *, organisation="CSC", worker=True, recorded_by="test", starts=date(2025, 9, 2),
             status="current"):
    with transaction(world.engine) as session:
        org = world.orgs[organisation]
        team = session.scalar(select(Team).where(Team.organisation_id == org))
        ada = session.scalar(select(Worker).where(Worker.organisation_id == org)) if worker else None
        person = session.scalar(select(Person).where(Person.person_id == person_id))
        session.add(Involvement(person_id=person.id, organisation_id=org, team_id=team.id if team else None,
                                worker_id=ada.id if ada else None, role="allocated_social_worker",
                                contact_route="duty_line", starts_on=starts, status=status, source="recorded",
                                recorded_by=recorded_by, note=""))


def _flag(world, kind="child_protection_plan", starts=date(2025, 3, 15), **changes):
    with transaction(world.engine) as session:
        flag = Flag(source_record_id=world.records["C1"], type=kind, category="social_care_status",
                    organisation_id=world.orgs["CSC"], starts_on=starts, status="current", source="extract:csc",
                    **changes)
        session.add(flag)
        session.flush()
        return flag.id


def _look(world, actor, **options):
    """The actor's people as of TODAY, the day the module was read, so a run that crosses
    midnight still compares like with like."""
    with transaction(world.engine) as session:
        return my_people(session, actor, **{"today": TODAY, **options})


def test_my_people_are_the_current_involvements_that_name_me_as_their_worker(world):
    ada = _people(world, "ada", "CSC", email="Ada.Lovelace@CSC.example")
    other = _people(world, "cat", "CSC", email="cat@csc.example")
    # The world's CSC involvement with the child naming Ada ended in 2025: not hers now.
    assert _look(world, ada).people == ()
    _involve(world, CHILD)
    mine = _look(world, ada)
    assert [(person.person_id, person.name, person.roles, person.since) for person in mine.people] == [
        (CHILD, "Mia Stone", ("Allocated social worker",), date(2025, 9, 2))]
    assert mine.people[0].date_of_birth == "2015-05-05"
    assert mine.people[0].age == TODAY.year - 2015 - ((TODAY.month, TODAY.day) < (5, 5))
    assert _look(world, other).people == ()  # the worker named is Ada, not another of her colleagues


def test_an_involvement_from_an_extract_row_counts_for_the_person_the_row_is_linked_into(world):
    ada = _people(world, "ada", "CSC", email="ada.lovelace@csc.example")
    with transaction(world.engine) as session:
        org = world.orgs["CSC"]
        worker = session.scalar(select(Worker).where(Worker.organisation_id == org))
        session.add(Involvement(source_record_id=world.records["C1"], organisation_id=org, team_id=worker.team_id,
                                worker_id=worker.id, role="allocated_social_worker", contact_route="phone",
                                starts_on=date(2025, 9, 2), status="current", source="extract", note=""))
    assert [(person.person_id, person.since) for person in _look(world, ada).people] == [(CHILD, date(2025, 9, 2))]


def test_an_involvement_naming_no_worker_is_the_one_who_recorded_it(world):
    cat = _people(world, "cat", "CSC")
    _involve(world, CHILD, worker=False, recorded_by="cat")
    _involve(world, CHILD, worker=False, recorded_by="someone.else")
    assert [person.person_id for person in _look(world, cat).people] == [CHILD]


def test_another_organisations_involvements_are_never_mine(world):
    # The same e-mail in another organisation, and another organisation's involvement it recorded.
    police = _people(world, "ada.police", "POL", email="ada.lovelace@csc.example")
    _involve(world, CHILD)
    _involve(world, MOTHER, organisation="CSC", worker=False, recorded_by="ada.police")
    assert _look(world, police).people == ()
    # The voluntary service's current involvement with the child names its own worker.
    rowan = _people(world, "rowan", "VCS", email="rowan@vcs.example")
    assert [person.person_id for person in _look(world, rowan).people] == [CHILD]


def test_a_person_whose_records_i_may_not_see_is_counted_never_named(world):
    ada = _people(world, "ada", "CSC", email="ada.lovelace@csc.example")
    _involve(world, MOTHER)  # her records are the police's and housing's: no purpose is stated here
    mine = _look(world, ada)
    assert mine.people == () and mine.withheld == 1


def test_past_the_limit_the_rest_are_counted(world):
    ada = _people(world, "ada", "CSC", email="ada.lovelace@csc.example")
    _involve(world, CHILD, starts=date(2026, 1, 1))
    _involve(world, MOTHER, starts=date(2025, 1, 1))
    mine = _look(world, ada, limit=1)
    assert [person.person_id for person in mine.people] == [CHILD] and mine.more == 1


def test_a_first_look_counts_from_the_involvement_or_thirty_days_ago(world):
    ada = _people(world, "ada", "CSC", email="ada.lovelace@csc.example")
    _involve(world, CHILD, starts=date(2025, 9, 2))
    _flag(world)  # set in 2025: before the first look's window
    _flag(world, "child_in_need", starts=TODAY - timedelta(days=5))
    _flag(world, "missing_episodes", starts=TODAY - FIRST_LOOK - timedelta(days=3))
    mine = _look(world, ada)
    assert mine.first_look and mine.first_look_from == TODAY - FIRST_LOOK
    assert [(change.flag.type, change.ended, change.since) for change in mine.changes] == [
        ("child_in_need", False, TODAY - FIRST_LOOK)]
    assert {flag.type for flag in mine.people[0].flags} == {"child_protection_plan", "child_in_need",
                                                           "missing_episodes"}


def test_a_first_look_counts_from_an_involvement_that_began_in_the_last_thirty_days(world):
    ada = _people(world, "ada", "CSC", email="ada.lovelace@csc.example")
    _involve(world, CHILD, starts=TODAY - timedelta(days=3))
    _flag(world, "child_in_need", starts=TODAY - timedelta(days=5))  # before the involvement began
    mine = _look(world, ada)
    assert mine.changes == ()
    assert mine.people[0].since == TODAY - timedelta(days=3)


def test_flags_set_or_ended_since_i_last_looked(world):
    ada = _people(world, "ada", "CSC", email="ada.lovelace@csc.example")
    _involve(world, CHILD)
    plan = _flag(world)
    first = _look(world, ada)
    assert first.first_look and first.changes == ()
    second = _look(world, ada)
    assert not second.first_look and second.changes == ()  # nothing changed since the first look
    # A flag loaded since, with a start long ago, is news; the plan ended since is too.
    _flag(world, "child_in_need", starts=date(2024, 1, 1))
    with transaction(world.engine) as session:
        ended = session.get(Flag, plan)
        ended.status, ended.ends_on = "ended", TODAY
    third = _look(world, ada)
    assert third.last_looked is not None and third.last_looked >= second.last_looked
    assert sorted((change.flag.type, change.ended) for change in third.changes) == [
        ("child_in_need", False), ("child_protection_plan", True)]
    assert [flag.type for flag in third.people[0].flags] == ["child_in_need"]  # current flags only
    assert _look(world, ada).changes == ()


def test_each_look_is_audited_with_whom_it_listed(world):
    ada = _people(world, "ada", "CSC", email="ada.lovelace@csc.example")
    _involve(world, CHILD)
    _look(world, ada)
    with transaction(world.engine) as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "home.view")))
        decided = session.scalar(select(AuditEvent).where(AuditEvent.action == "record.view",
                                                          AuditEvent.user_id == ada.user_id))
    assert [(event.outcome, event.details["people"]) for event in events] == [("success", [CHILD])]
    assert decided is not None  # the name was read through the sharing decision


def test_anyone_but_a_practitioner_or_mash_officer_has_no_people(world):
    lead = _people(world, "ian", "CSC", email="ada.lovelace@csc.example", roles=("ig_lead",))
    _involve(world, CHILD)
    assert _look(world, lead).people == ()


def test_looking_again_before_signing_in_again_keeps_the_changes(world):
    ada = _people(world, "ada", "CSC", email="ada.lovelace@csc.example")
    _involve(world, CHILD)
    _flag(world, "child_in_need", starts=TODAY - timedelta(days=2))

    def sign_in():
        with transaction(world.engine) as session:
            record_event(session, ada, action="sign_in", outcome="success", subject_type="user")

    sign_in()
    assert len(_look(world, ada).changes) == 1
    again = _look(world, ada)
    assert again.first_look and len(again.changes) == 1  # the same session: the look before it counts
    sign_in()
    later = _look(world, ada)
    assert not later.first_look and later.changes == ()
