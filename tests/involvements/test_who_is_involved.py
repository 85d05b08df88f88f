"""Who is involved, as each actor may see it: no purpose needed, every view audited, a
sensitive service never named to another organisation."""

from __future__ import annotations

from datetime import date

from involvement_support import PERSON, SECRETS
from sqlalchemy import select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.disclosure import access_action, view_person
from joinedup.involvements import (
    InvolvementTerms,
    Team,
    Worker,
    record_involvement,
    who_is_involved,
)
from joinedup.sharing.models import DataCategory, SharingDecision
from joinedup.sharing.policy import bump_rules


def _who(world, actor, purpose=None):
    with transaction(world.engine) as session:
        view = view_person(session, actor, PERSON, action=access_action(actor), purpose=purpose)
        return who_is_involved(session, actor, view)


def _everything(who) -> str:
    return repr(who)


def test_a_practitioner_who_may_see_the_person_sees_who_is_involved_without_a_purpose(world):
    school = world.actor("EDU", "practitioner")
    who = _who(world, school)
    by_role = {shown.role: shown for shown in who.current}
    social_worker = by_role["Allocated social worker"]
    assert (social_worker.organisation, social_worker.team, social_worker.worker) == (
        "Joinford CSC", "Child Protection Team", "Ada Lovelace")
    assert social_worker.contacts[0] == ("Phone", "0306 999 0101")
    assert ("Team duty line", "0306 999 0100") in social_worker.contacts
    assert social_worker.starts_on == date(2025, 3, 1) and not social_worker.own
    assert by_role["Designated safeguarding lead"].own
    # The domestic-abuse service: that a service is involved, never which.
    assert who.shielded
    assert not any(secret in _everything(who) for secret in SECRETS)


def test_every_involvement_read_is_audited_and_logged(world):
    """Issue 14: one event per request naming every involvement decided; what was shown is
    logged per person and organisation, and the refusals are summed up in one row."""
    school = world.actor("EDU", "practitioner")
    _who(world, school)
    with transaction(world.engine) as session:
        [event] = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "involvement.view", AuditEvent.actor == school.username)).all()
        logged = session.scalars(select(SharingDecision).where(
            SharingDecision.action == "involvement.view", SharingDecision.person_id == PERSON)
            .order_by(SharingDecision.id)).all()
    assert (event.outcome, event.details["shared"], event.details["withheld"], event.details["persons"]) == (
        "allowed", 2, 1, [PERSON])
    assert len(event.details["involvements"]["allowed"]) == 2 and len(event.details["involvements"]["denied"]) == 1
    shared = [row for row in logged if row.outcome == "shared"]
    [withheld] = [row for row in logged if row.outcome == "withheld"]
    assert sum(row.record_count for row in shared) == 2
    assert len({row.source_organisation_id for row in shared}) == len(shared)  # one row per organisation
    assert (withheld.record_count, withheld.reasons) == (1, {withheld.reason: 1})


def test_the_sensitive_services_own_practitioners_see_their_involvement(world):
    who = _who(world, world.actor("VCS", "practitioner"))
    assert not who.shielded
    assert [shown.team for shown in who.current if shown.own] == [SECRETS[0]]


def test_nobody_who_may_not_see_the_person_learns_who_is_involved(world):
    # Housing holds no record of the child and states no purpose: the page is refused,
    # and so is every involvement.
    housing = world.actor("HSG", "practitioner")
    who = _who(world, housing)
    assert who.empty
    # The data team sees identifying fields for the index, never who works with a person.
    assert _who(world, world.actor("CSC", "data_team")).empty
    assert _who(world, world.actor("CSC", "ig_lead")).empty


def test_a_recorded_involvement_of_a_sensitive_team_is_shielded_too(world):
    with transaction(world.engine) as session:
        team = session.scalar(select(Team).where(Team.name == SECRETS[0]))
        worker = session.scalar(select(Worker).where(Worker.secure_email == SECRETS[2]))
        # The row the extract gave is no longer of a sensitive need: only the team's category shields.
        session.execute(DataCategory.__table__.update().where(DataCategory.code == "sensitive_services")
                        .values(services=[]))
        bump_rules(session)
        record_involvement(session, world.actor("VCS", "practitioner"), PERSON,
                           InvolvementTerms("voluntary_key_worker", team.id, worker.id, "phone", date(2025, 7, 1)))
    who = _who(world, world.actor("EDU", "practitioner"))
    assert who.shielded
    assert not any(secret in _everything(who) for secret in SECRETS)


def test_the_shield_can_fail_when_nothing_is_sensitive(world):
    """The companion of the tests above: with no sensitive category or team, the service shows."""
    with transaction(world.engine) as session:
        session.execute(DataCategory.__table__.update().where(DataCategory.code == "sensitive_services")
                        .values(services=[]))
        session.execute(Team.__table__.update().values(sensitive_category=None))
        bump_rules(session)
    who = _who(world, world.actor("EDU", "practitioner"))
    assert not who.shielded and SECRETS[1] in _everything(who)


def test_the_category_decides_which_fields_show(world):
    with transaction(world.engine) as session:
        session.execute(DataCategory.__table__.update().where(DataCategory.code == "who_is_involved")
                        .values(fields=["organisation", "role", "dates"]))
        bump_rules(session)
    who = _who(world, world.actor("EDU", "practitioner"))
    social_worker = next(shown for shown in who.current if not shown.own)
    assert social_worker.organisation == "Joinford CSC" and social_worker.worker is None
    assert social_worker.contacts == () and social_worker.team is None


def test_recently_ended_involvements_show_and_old_ones_do_not(world):
    csc = world.actor("CSC", "practitioner")
    with transaction(world.engine) as session:
        team = session.scalar(select(Team).where(Team.name == "Child Protection Team"))
        worker = session.scalar(select(Worker).where(Worker.secure_email == "ben.ng@csc.example"))
        recent = record_involvement(session, csc, PERSON, InvolvementTerms(
            "key_worker", team.id, worker.id, "phone", date(2024, 1, 1)))
        old = record_involvement(session, csc, PERSON, InvolvementTerms(
            "key_worker", team.id, None, "duty_line", date(2020, 1, 1)))
        recent.status, recent.ends_on = "ended", date.today()
        old.status, old.ends_on = "ended", date(2021, 1, 1)
        recent_id = recent.id
    who = _who(world, world.actor("EDU", "practitioner"))
    assert [shown.id for shown in who.recently_ended] == [recent_id]
