"""A person's summary: one domain call reads what their page shows, each part from the one
view of the person, and only what the reader may see (docs/architecture.md)."""

from __future__ import annotations

from chronology_support import CHILD, MOTHER, SAFEGUARDING, SECRETS
from sqlalchemy import func, select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.summary import person_summary


def test_a_practitioner_reads_the_child_the_plan_who_is_involved_and_the_team(world):
    with transaction(world.engine) as session:
        summary = person_summary(session, world.actor("CSC", "practitioner"), CHILD, purpose=SAFEGUARDING)
        assert summary.view.allowed and summary.person.person_id == CHILD
        assert [flag.type for flag in summary.flags if flag.current] == ["child_protection_plan"]
        assert [one.worker for one in summary.involved.current] == ["Ada Lovelace"]
        assert summary.involved.shielded  # the domestic-abuse service: that one is involved, never which
        assert summary.team is not None and summary.consents == ()
        shown = repr(summary)
        assert not any(secret in shown for secret in SECRETS)
        views = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "person.view"))
    assert views == 1  # the page's parts read the one view: the person is not read twice


def test_the_data_team_reads_the_index_and_nothing_a_frontline_user_is_shown(world):
    with transaction(world.engine) as session:
        summary = person_summary(session, world.actor("CSC", "data_team"), CHILD)
    assert summary.view.allowed and summary.view.action == "person.review"
    assert summary.flags == () and summary.team is None and summary.consents == ()
    assert not summary.involved.current and not summary.involved.shielded


def test_someone_who_may_not_see_the_person_reads_a_refusal_and_nothing_else(world):
    with transaction(world.engine) as session:
        summary = person_summary(session, world.actor("CSC", "practitioner"), MOTHER)
    assert not summary.view.allowed
    assert summary.flags == () and summary.team is None and not summary.involved.current


def test_no_such_person_is_none(world):
    with transaction(world.engine) as session:
        assert person_summary(session, world.actor("CSC", "practitioner"), "PNOBODY0001") is None
