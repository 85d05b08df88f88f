"""Each rule fires past its threshold and not at it; the rules file names what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from monitoring_support import SYSTEM, TUESDAY, build_place, event, involve, run, views
from sqlalchemy import select

from joinedup.db import transaction
from joinedup.monitoring import (
    MonitoringRules,
    MonitoringTask,
    RulesRefused,
    declare,
    rules_from,
)
from joinedup.monitoring.rules import OutOfHours, Refusals, UnrelatedViews


def _tasks(engine, rule: str | None = None) -> list[MonitoringTask]:
    with transaction(engine) as session:
        statement = select(MonitoringTask).order_by(MonitoringTask.id)
        if rule:
            statement = statement.where(MonitoringTask.rule == rule)
        found = list(session.scalars(statement))
        session.expunge_all()
        return found


SMALL = MonitoringRules(unrelated_views=UnrelatedViews(people=5, window_minutes=60),
                        refusals=Refusals(refusals=3, window_minutes=60),
                        out_of_hours=OutOfHours(people=4))


@pytest.fixture
def place(sqlite_engine):
    return build_place(sqlite_engine)


def test_unrelated_views_fire_past_the_threshold_not_at_it(sqlite_engine, place):
    views(sqlite_engine, place, "sam.social", TUESDAY, 5)
    run(sqlite_engine, SMALL)
    assert _tasks(sqlite_engine, "unrelated_views") == []
    views(sqlite_engine, place, "sam.social", TUESDAY + timedelta(minutes=5), 1, start=5)
    run(sqlite_engine, SMALL)
    (task,) = _tasks(sqlite_engine, "unrelated_views")
    assert (task.count, task.threshold, task.username) == (6, 5, "sam.social")
    assert len(task.persons) == 6 and len(task.events) == 6


def test_views_with_an_involvement_or_a_stated_relationship_do_not_count(sqlite_engine, place):
    involve(sqlite_engine, place, "CSC", place.persons[0])
    views(sqlite_engine, place, "sam.social", TUESDAY, 1, start=1, relationship="Allocated social worker")
    views(sqlite_engine, place, "sam.social", TUESDAY, 1, start=0)
    views(sqlite_engine, place, "sam.social", TUESDAY, 5, start=2)
    run(sqlite_engine, SMALL)
    assert _tasks(sqlite_engine, "unrelated_views") == []
    # Another organisation's involvement is no reason for this user to look.
    involve(sqlite_engine, place, "POL", place.persons[8])
    views(sqlite_engine, place, "sam.social", TUESDAY, 1, start=8)
    run(sqlite_engine, SMALL)
    (task,) = _tasks(sqlite_engine, "unrelated_views")
    assert place.persons[0] not in task.persons and place.persons[1] not in task.persons and task.count == 6


def test_involvements_the_user_records_in_the_window_do_not_excuse_their_views(sqlite_engine, place):
    """Recording involvements with everyone one looks at is no reason to look: the ones
    recorded before the window are."""
    for number in range(6):
        involve(sqlite_engine, place, "CSC", place.persons[number], recorded_by="sam.social",
                recorded_at=TUESDAY + timedelta(minutes=1))
    views(sqlite_engine, place, "sam.social", TUESDAY + timedelta(minutes=2), 6)
    run(sqlite_engine, SMALL)
    (task,) = _tasks(sqlite_engine, "unrelated_views")
    assert task.count == 6
    later = TUESDAY + timedelta(hours=2)
    for number in range(6, 9):
        involve(sqlite_engine, place, "CSC", place.persons[number], recorded_by="bea.social", recorded_at=later)
    for number in range(9, 12):
        involve(sqlite_engine, place, "CSC", place.persons[number], recorded_by="sam.social",
                recorded_at=TUESDAY - timedelta(days=7))
    views(sqlite_engine, place, "sam.social", later + timedelta(minutes=1), 6, start=6)
    run(sqlite_engine, SMALL)
    assert len(_tasks(sqlite_engine, "unrelated_views")) == 1  # a colleague's, and sam's of last week, excuse


def test_views_in_different_windows_are_counted_apart(sqlite_engine, place):
    views(sqlite_engine, place, "sam.social", TUESDAY, 4)
    views(sqlite_engine, place, "sam.social", TUESDAY + timedelta(hours=1), 4, start=4)
    run(sqlite_engine, SMALL)
    assert _tasks(sqlite_engine, "unrelated_views") == []


def test_refusals_fire_past_the_threshold_not_at_it(sqlite_engine, place):
    for number in range(3):
        event(sqlite_engine, place, "pat.police", TUESDAY + timedelta(minutes=number), outcome="denied",
              subject_id=place.persons[number])
    run(sqlite_engine, SMALL)
    assert _tasks(sqlite_engine, "refusals") == []
    event(sqlite_engine, place, "pat.police", TUESDAY + timedelta(minutes=50), action="sharing.view",
          outcome="denied", subject_type="sharing")
    run(sqlite_engine, SMALL)
    (task,) = _tasks(sqlite_engine, "refusals")
    assert (task.count, task.threshold, task.username) == (4, 3, "pat.police")


def test_bulk_access_out_of_hours_fires_past_the_threshold_not_at_it(sqlite_engine, place):
    evening = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)  # 19:30 in London
    views(sqlite_engine, place, "sam.social", TUESDAY, 10, relationship="Key worker")  # in hours: not counted
    views(sqlite_engine, place, "sam.social", evening, 4, relationship="Key worker")
    run(sqlite_engine, SMALL)
    assert _tasks(sqlite_engine, "out_of_hours") == []
    views(sqlite_engine, place, "sam.social", evening + timedelta(hours=3), 1, start=4, relationship="Key worker")
    run(sqlite_engine, SMALL)
    (task,) = _tasks(sqlite_engine, "out_of_hours")
    assert (task.count, task.threshold) == (5, 4)


def test_weekends_are_out_of_hours_and_the_hours_are_the_configured_ones(sqlite_engine, place):
    saturday_noon = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    views(sqlite_engine, place, "sam.social", saturday_noon, 5, relationship="Key worker")
    run(sqlite_engine, MonitoringRules(out_of_hours=OutOfHours(people=4, weekends=False)))
    assert _tasks(sqlite_engine, "out_of_hours") == []
    views(sqlite_engine, place, "pat.police", saturday_noon, 5, relationship="Key worker")
    run(sqlite_engine, MonitoringRules(out_of_hours=OutOfHours(people=4)))
    assert [task.username for task in _tasks(sqlite_engine, "out_of_hours")] == ["pat.police"]


def test_every_break_glass_use_raises_a_task(sqlite_engine, place):
    run(sqlite_engine)
    assert _tasks(sqlite_engine, "break_glass") == []
    event(sqlite_engine, place, "sam.social", TUESDAY, action="sharing.break_glass.start", outcome="success",
          subject_id=place.persons[3], details={"break_glass_id": 7})
    run(sqlite_engine)
    (task,) = _tasks(sqlite_engine, "break_glass")
    assert task.persons == [place.persons[3]] and "access 7" in task.summary


def test_a_view_of_someone_sharing_the_declared_surname_and_postcode(sqlite_engine, place):
    views(sqlite_engine, place, "sam.social", TUESDAY, 1, start=2, relationship="Key worker")
    run(sqlite_engine)
    assert _tasks(sqlite_engine, "household") == []  # no declaration: not checked
    with transaction(sqlite_engine) as session:
        declare(session, SYSTEM, "sam.social", surname="surname2", postcode="ls14ap")
        declare(session, SYSTEM, "pat.police", surname="Surname2", postcode="LS2 7EW")
    views(sqlite_engine, place, "pat.police", TUESDAY, 1, start=2, relationship="Key worker")  # another postcode
    views(sqlite_engine, place, "sam.social", TUESDAY, 1, start=3, relationship="Key worker")  # another surname
    run(sqlite_engine)
    assert _tasks(sqlite_engine, "household") == []
    views(sqlite_engine, place, "sam.social", TUESDAY + timedelta(hours=1), 1, start=2, relationship="Key worker")
    run(sqlite_engine)
    (task,) = _tasks(sqlite_engine, "household")
    assert (task.username, task.persons) == ("sam.social", [place.persons[2]])


def test_a_disabled_rule_raises_nothing(sqlite_engine, place):
    event(sqlite_engine, place, "sam.social", TUESDAY, action="sharing.break_glass.start", outcome="success",
          subject_id=place.persons[3])
    run(sqlite_engine, rules_from({"break_glass": {"enabled": False}}))
    assert _tasks(sqlite_engine) == []


def test_the_rules_file_sets_thresholds_over_the_defaults():
    rules = rules_from({"refusals": {"refusals": 4}, "out_of_hours": {"starts": "07:30", "timezone": "UTC"}})
    assert rules.refusals.refusals == 4 and rules.refusals.window_minutes == 60
    assert rules.out_of_hours.starts == "07:30" and rules.unrelated_views == UnrelatedViews()


def test_the_rules_file_names_every_field_it_refuses():
    with pytest.raises(RulesRefused) as refused:
        rules_from({"refusals": {"refusals": 0, "colour": "red"}, "mystery": {},
                    "out_of_hours": {"starts": "19:00", "ends": "08:00"}})
    assert {field for field, _ in refused.value.problems} == {"refusals.refusals", "refusals.colour", "mystery",
                                                               "out_of_hours.ends"}
