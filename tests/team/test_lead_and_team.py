"""The lead professional and the team around the family: one current lead at a time, each
change recorded with who, when and why; invited members; the family's members; every
involvement read through the disclosure layer, a sensitive service never named."""

from __future__ import annotations

import pytest
from chronology_support import CHILD, MOTHER, SAFEGUARDING, SECRETS
from sqlalchemy import select
from team_support import HOME, build_team

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.disclosure import view_person
from joinedup.errors import Conflict, Forbidden, NotFound, Refusal
from joinedup.involvements import (
    Involvement,
    LeadProfessional,
    TeamMember,
    Worker,
    family_key,
    invite_member,
    name_lead,
    remove_member,
    team_around,
    team_of_view,
    who_is_involved,
)
from joinedup.people.models import Person


def _team(session, actor, person_id=CHILD):
    return team_around(session, actor, person_id, action="record.view", purpose=SAFEGUARDING)


def test_the_family_is_known_by_its_home_and_its_team_holds_every_members_involvements(world):
    csc = world.actor("CSC", "practitioner")
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        child = session.scalar(select(Person).where(Person.person_id == CHILD))
        key = family_key(session, child)
        team = _team(session, csc)
        viewed = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "team.view")))
    assert key == f"uprn:{HOME}"
    assert team.allowed and team.family == key
    rows = {(row.person_id, row.involvement.id): row for row in team.rows}
    assert set(rows) == {(CHILD, ids["csc"]), (MOTHER, ids["housing"])}
    mother = rows[MOTHER, ids["housing"]]
    assert (mother.involvement.worker, mother.involvement.role, mother.relation) == (
        "Hal Porter", "Housing officer", "Parent")
    assert ("Phone", "0306 999 0301") in mother.involvement.contacts
    assert team.may_change
    assert viewed[-1].details == {"involvements_shown": 2, "invited_shown": 0}


@pytest.mark.parametrize(("org", "vcs_current"), [("CSC", False), ("CSC", True), ("VCS", True)])
def test_the_page_s_own_who_is_involved_gives_the_same_team_as_reading_it_again(world, org, vcs_current):
    """The person page hands the team the involvements it has already read (and audited);
    the team is the one a fresh read makes, shielded services included."""
    actor = world.actor(org, "practitioner")
    with transaction(world.engine) as session:
        build_team(session, world)
        if vcs_current:
            vcs = session.scalar(select(Involvement).where(Involvement.organisation_id == world.orgs["VCS"]))
            vcs.status, vcs.ends_on = "current", None
            session.flush()
        view = view_person(session, actor, CHILD, action="record.view", purpose=SAFEGUARDING)
        again = team_of_view(session, actor, view)
        reused = team_of_view(session, actor, view, involved=who_is_involved(session, actor, view))
    assert reused.rows and reused == again


def test_a_shielded_service_shows_only_that_a_service_is_involved(world):
    csc = world.actor("CSC", "practitioner")
    with transaction(world.engine) as session:
        build_team(session, world)
        vcs = session.scalar(select(Involvement).where(Involvement.organisation_id == world.orgs["VCS"]))
        vcs.status, vcs.ends_on = "current", None
        session.flush()
        team = _team(session, csc)
        seen_by_vcs = _team(session, world.actor("VCS", "practitioner"))
    shown = repr(team.rows)
    assert team.shielded == ("Mia Stone",)
    assert not any(secret in shown for secret in SECRETS)
    assert any(row.involvement.worker == SECRETS[3] for row in seen_by_vcs.rows)


def test_one_lead_at_a_time_and_every_change_recorded_with_who_when_and_why(world):
    csc, hsg = world.actor("CSC", "practitioner"), world.actor("HSG", "mash_officer")
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        first = name_lead(session, csc, CHILD, "family", ids["csc"], "Agreed at the strategy meeting")
        second = name_lead(session, hsg, MOTHER, "family", ids["housing"], "Housing leads the family plan")
        person_lead = name_lead(session, csc, CHILD, "person", ids["csc"], "Child protection plan")
        leads = list(session.scalars(select(LeadProfessional).order_by(LeadProfessional.id)))
        team = _team(session, csc)
        events = [event.details for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "lead.name").order_by(AuditEvent.id))]
    current = [lead for lead in leads if lead.ended_at is None]
    assert {(lead.scope, lead.involvement_id) for lead in current} == {("family", ids["housing"]),
                                                                       ("person", ids["csc"])}
    ended = next(lead for lead in leads if lead.id == first.id)
    assert (ended.ended_by, ended.end_reason) == (hsg.username, "Replaced: Housing leads the family plan")
    assert ended.ended_at is not None and second.named_by == hsg.username and person_lead.reason
    assert team.lead("family").involvement.id == ids["housing"]
    assert team.lead("person").involvement.id == ids["csc"]
    assert [change.reason for change in team.history if change.scope == "family"] == [
        "Housing leads the family plan", "Agreed at the strategy meeting"]
    assert events[1]["replaced"] == ids["csc"] and events[1]["reason"] == "Housing leads the family plan"


def test_naming_a_lead_is_refused_naming_the_field(world):
    csc = world.actor("CSC", "practitioner")
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        with pytest.raises(Refusal) as refused:
            name_lead(session, csc, CHILD, "person", ids["housing"], "The mother's officer")
        assert refused.value.field == "involvement_id"  # the mother's involvement is not the child's
        with pytest.raises(Refusal) as refused:
            name_lead(session, csc, CHILD, "family", ids["csc"], "  ")
        assert refused.value.field == "reason"
        with pytest.raises(Refusal) as refused:
            name_lead(session, csc, CHILD, "household", ids["csc"], "Why")
        assert refused.value.field == "scope"
        name_lead(session, csc, CHILD, "family", ids["csc"], "Agreed")
        with pytest.raises(Conflict):
            name_lead(session, csc, CHILD, "family", ids["csc"], "Again")
        with pytest.raises(NotFound):
            name_lead(session, csc, "PNOBODY001", "family", ids["csc"], "Why")


@pytest.mark.parametrize(("org", "roles"), [("POL", ("practitioner",)), ("CSC", ("ig_lead",)),
                                            ("CSC", ("data_team",)), ("CSC", ("admin",))])
def test_only_frontline_users_of_an_involved_organisation_change_the_team(world, org, roles):
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        actor = world.actor(org, *roles)
        with pytest.raises(Forbidden) as refused:
            name_lead(session, actor, CHILD, "family", ids["csc"], "Why")
        assert refused.value.field == ("organisation" if org == "POL" else "role")
        with pytest.raises(Forbidden):
            invite_member(session, actor, CHILD, ids["ivy"], "Why")


def test_only_frontline_users_read_the_team(world):
    with transaction(world.engine) as session:
        build_team(session, world)
        with pytest.raises(Forbidden):
            _team(session, world.actor("CSC", "ig_lead"))


def test_an_invited_member_joins_the_family_team_and_is_removed_with_a_reason(world):
    csc, hsg = world.actor("CSC", "practitioner"), world.actor("HSG", "practitioner")
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        member = invite_member(session, csc, CHILD, ids["ivy"], "Arrears support for the family")
        from_mother = _team(session, hsg, MOTHER)
        with pytest.raises(Conflict) as twice:
            invite_member(session, hsg, MOTHER, ids["ivy"], "Again")
        with pytest.raises(Refusal) as unknown:
            invite_member(session, csc, CHILD, 999_999, "Why")
        with pytest.raises(Refusal) as no_reason:
            remove_member(session, hsg, MOTHER, member.id, "")
        remove_member(session, hsg, MOTHER, member.id, "Arrears cleared")
        after = _team(session, csc)
        stored = session.get(TeamMember, member.id)
        actions = [event.action for event in session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "team_member").order_by(AuditEvent.id))]
    assert [(one.worker, one.reason, one.invited_by) for one in from_mother.invited] == [
        ("Ivy Moss", "Arrears support for the family", csc.username)]
    assert (twice.value.field, unknown.value.field, no_reason.value.field) == ("worker_id", "worker_id", "reason")
    assert after.invited == ()
    assert (stored.removed_by, stored.removed_reason) == (hsg.username, "Arrears cleared")
    assert stored.removed_at is not None
    assert actions == ["team.invite", "team.remove"]


def test_an_invited_sensitive_worker_is_named_only_to_their_own_organisation(world):
    vcs = world.actor("VCS", "practitioner")
    with transaction(world.engine) as session:
        build_team(session, world)
        involvement = session.scalar(select(Involvement).where(Involvement.organisation_id == world.orgs["VCS"]))
        involvement.status, involvement.ends_on = "current", None
        rowan = session.scalar(select(Worker).where(Worker.name == SECRETS[3]))
        invite_member(session, vcs, CHILD, rowan.id, "Support for the mother")
        seen_by_csc = _team(session, world.actor("CSC", "practitioner"))
        seen_by_vcs = _team(session, vcs)
    assert seen_by_csc.invited == () and seen_by_csc.invited_shielded
    assert not any(secret in repr(seen_by_csc) for secret in SECRETS)
    assert [one.worker for one in seen_by_vcs.invited] == [SECRETS[3]]


def test_a_lead_whose_involvement_ended_leads_no_more_but_stays_in_the_history(world):
    csc = world.actor("CSC", "practitioner")
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        name_lead(session, csc, CHILD, "person", ids["csc"], "The plan's social worker")
        session.get(Involvement, ids["csc"]).status = "ended"
        session.flush()
        team = _team(session, world.actor("HSG", "practitioner"))
    assert team.lead("person") is None and team.lead_hidden == ()
    assert [(change.scope, change.reason, change.ended_at) for change in team.history] == [
        ("person", "The plan's social worker", None)]


def test_nobody_who_may_not_see_the_person_is_told_of_their_team(world):
    with transaction(world.engine) as session:
        ids = build_team(session, world)
        invite_member(session, world.actor("CSC", "practitioner"), CHILD, ids["ivy"], "Arrears support")
        team = team_around(session, world.actor("POL", "practitioner"), CHILD, action="record.view")
        denied = session.scalar(select(AuditEvent).where(AuditEvent.action == "team.view",
                                                         AuditEvent.outcome == "denied"))
    assert not team.allowed and team.rows == () and team.invited == () and team.history == ()
    assert denied is not None
