"""Runs are idempotent and read on; tasks go to the IG leads of the user's organisation,
who record outcomes; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from monitoring_support import SYSTEM, TUESDAY, actor, build_place, event, run, views
from sqlalchemy import func, select

from joinedup.accounts.models import User
from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.errors import NotFound
from joinedup.monitoring import (
    MonitoringRules,
    MonitoringTask,
    OutcomeRefused,
    evidence,
    record_outcome,
    review_tasks,
    run_monitoring,
    summary,
    task_to_review,
)
from joinedup.monitoring.rules import UnrelatedViews

RULES = MonitoringRules(unrelated_views=UnrelatedViews(people=3))


@pytest.fixture
def place(engine):
    found = build_place(engine, persons=8)
    views(engine, found, "sam.social", TUESDAY, 4)
    event(engine, found, "pat.police", TUESDAY, action="sharing.break_glass.start", outcome="success",
          subject_id=found.persons[5], details={"break_glass_id": 1})
    return found


def _count(engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(MonitoringTask))


def test_a_second_run_raises_nothing_again_and_reads_only_what_is_new(engine, place):
    counted = []
    first = run_monitoring(engine, SYSTEM, RULES, progress=lambda done, total: counted.append((done, total)))
    assert counted == [(5, 5)]
    assert first.raised["unrelated_views"] == 1 and first.raised["break_glass"] == 1 and first.read == 5
    again = run(engine, RULES)
    assert (again.read, again.total, _count(engine)) == (0, 0, 2)
    # A later view in the same window is read on its own, and the window's finding is not raised twice.
    views(engine, place, "sam.social", TUESDAY + timedelta(minutes=2), 1, start=4)
    later = run(engine, RULES)
    assert (later.read, later.total, _count(engine)) == (1, 0, 2)


def test_a_run_is_audited_with_what_it_read_and_raised(engine, place):
    run(engine, RULES)
    with transaction(engine) as session:
        (details,) = session.scalars(select(AuditEvent.details).where(AuditEvent.action == "monitoring.run"))
    assert details["read"] == 5 and details["raised"]["break_glass"] == 1


def test_tasks_go_to_the_ig_lead_of_the_users_organisation(engine, place):
    run(engine, RULES)
    with transaction(engine) as session:
        ivy, pia = actor(engine, "ivy.ig"), actor(engine, "pia.ig")
        theirs, total = review_tasks(session, ivy)
        assert total == 1 and [task.username for task in theirs] == ["sam.social"]
        (police,) = review_tasks(session, pia)[0]
        assert police.username == "pat.police" and police.rule == "break_glass"
        # An administrator reviews neither: each organisation has its IG lead.
        assert review_tasks(session, actor(engine, "ada.admin"))[1] == 0
        assert task_to_review(session, ivy, theirs[0].id) is theirs[0]
        with pytest.raises(NotFound):
            task_to_review(session, ivy, police.id)


def test_the_evidence_names_the_people_viewed(engine, place):
    run(engine, RULES)
    with transaction(engine) as session:
        ivy = actor(engine, "ivy.ig")
        (task,) = review_tasks(session, ivy)[0]
        shown = evidence(session, task)
    assert [row.person_name for row in shown] == [f"Name{n} Surname{n}" for n in range(4)]
    assert {row.action for row in shown} == {"person.view"}


def test_an_outcome_is_recorded_with_who_and_when_and_closes_the_task(engine, place):
    run(engine, RULES)
    ivy = actor(engine, "ivy.ig")
    with transaction(engine) as session:
        (task,) = review_tasks(session, ivy)[0]
        with pytest.raises(OutcomeRefused) as refused:
            record_outcome(session, ivy, task, outcome="shrug", note=" ")
        assert {field for field, _ in refused.value.problems} == {"outcome", "note"}
        record_outcome(session, ivy, task, outcome="advice_given", note="Reminded of the purpose rule.")
        task_id = task.id
    with transaction(engine) as session:
        task = session.get(MonitoringTask, task_id)
        assert (task.status, task.outcome, task.decided_by) == ("closed", "advice_given", "ivy.ig")
        assert task.decided_at is not None
        assert review_tasks(session, ivy)[1] == 0 and review_tasks(session, ivy, status="closed")[1] == 1
        with pytest.raises(OutcomeRefused):
            record_outcome(session, ivy, task, outcome="no_concern", note="Again")
        (counts,) = summary(session, ivy)
        assert counts.organisation == "Children's Social Care" and counts.counts["unrelated_views"]["advice_given"] == 1
        decided = session.scalar(select(func.count()).where(AuditEvent.action == "monitoring.decide"))
    assert decided == 1


def test_no_one_reviews_a_task_about_themselves(engine, place):
    """With no IG lead in the organisation, the administrators review; never their own task."""
    views(engine, place, "ada.admin", TUESDAY, 4)
    with transaction(engine) as session:
        for lead in session.scalars(select(User).where(User.username == "ivy.ig")):
            lead.active = False
    run(engine, RULES)
    with transaction(engine) as session:
        found = [task.username for task in review_tasks(session, actor(engine, "ada.admin"))[0]]
    assert found == ["sam.social"]
