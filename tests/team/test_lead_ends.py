"""A lead professional simply ends, with no successor named: who, when and why are
recorded, the person or family then has no lead until one is named, and only those who
may name a lead may end one."""

from __future__ import annotations

import pytest
from chronology_support import CHILD, MOTHER, SAFEGUARDING
from sqlalchemy import select
from team_support import build_team

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.errors import Forbidden, NotFound, Refusal
from joinedup.involvements import LeadProfessional, end_lead, name_lead, team_around


def _team(session, actor, person_id=CHILD):
    return team_around(session, actor, person_id, action="record.view", purpose=SAFEGUARDING)


def test_a_lead_ends_with_no_successor_and_the_family_then_has_none(world):
    csc, hsg = world.actor("CSC", "practitioner"), world.actor("HSG", "practitioner")
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        name_lead(session, csc, CHILD, "family", ids["csc"], "Agreed at the strategy meeting")
        name_lead(session, csc, CHILD, "person", ids["csc"], "Child protection plan")
        ended = end_lead(session, hsg, MOTHER, "family", "The plan ended at the review on 3 May")
        leads = list(session.scalars(select(LeadProfessional).order_by(LeadProfessional.id)))
        team = _team(session, csc)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "lead.end")).one()
    assert (ended.ended_by, ended.end_reason) == (hsg.username, "The plan ended at the review on 3 May")
    assert ended.ended_at is not None
    # No successor was named: the family has no current lead; the child's own lead stays.
    assert [(lead.scope, lead.ended_at is None) for lead in leads] == [("family", False), ("person", True)]
    assert team.lead("family") is None and team.lead("person").involvement.id == ids["csc"]
    family = [change for change in team.history if change.scope == "family"]
    assert [(change.end_reason, change.ended_by) for change in family] == [
        ("The plan ended at the review on 3 May", hsg.username)]
    assert event.details["reason"] == "The plan ended at the review on 3 May" and event.details["scope"] == "family"
    assert event.actor == hsg.username


def test_a_new_lead_can_be_named_after_one_ended(world):
    csc = world.actor("CSC", "practitioner")
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        name_lead(session, csc, CHILD, "family", ids["csc"], "Agreed")
        end_lead(session, csc, CHILD, "family", "Case closed")
        again = name_lead(session, csc, CHILD, "family", ids["housing"], "Housing leads now")
        team = _team(session, csc)
    assert team.lead("family").involvement.id == ids["housing"] and again.ended_at is None
    assert [change.end_reason for change in team.history if change.scope == "family"] == ["", "Case closed"]


def test_ending_a_lead_is_refused_naming_the_field(world):
    csc = world.actor("CSC", "practitioner")
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        with pytest.raises(NotFound) as refused:
            end_lead(session, csc, CHILD, "family", "Nothing to end")
        assert refused.value.field == "scope"
        name_lead(session, csc, CHILD, "family", ids["csc"], "Agreed")
        with pytest.raises(Refusal) as refused:
            end_lead(session, csc, CHILD, "family", "   ")
        assert refused.value.field == "reason"
        with pytest.raises(Refusal) as refused:
            end_lead(session, csc, CHILD, "household", "Why")
        assert refused.value.field == "scope"
        # The person's own lead is not the family's: there is none to end.
        with pytest.raises(NotFound) as refused:
            end_lead(session, csc, CHILD, "person", "Why")
        assert refused.value.field == "scope"
        with pytest.raises(NotFound):
            end_lead(session, csc, "PNOBODY001", "family", "Why")


@pytest.mark.parametrize(("org", "roles"), [("POL", ("practitioner",)), ("CSC", ("ig_lead",)),
                                            ("CSC", ("admin",))])
def test_only_frontline_users_of_an_involved_organisation_end_a_lead(world, org, roles):
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        name_lead(session, world.actor("CSC", "practitioner"), CHILD, "family", ids["csc"], "Agreed")
        with pytest.raises(Forbidden) as refused:
            end_lead(session, world.actor(org, *roles), CHILD, "family", "Why")
        assert refused.value.field == ("organisation" if org == "POL" else "role")
        assert session.scalar(select(LeadProfessional.ended_at)) is None
