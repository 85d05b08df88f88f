"""Practitioners of the involved organisation record, end and correct involvements;
nobody else may, and each change is audited with what changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from involvement_support import PERSON
from sqlalchemy import select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.errors import Conflict, Forbidden, Refusal
from joinedup.involvements import (
    Involvement,
    InvolvementTerms,
    Team,
    Worker,
    correct_involvement,
    end_involvement,
    record_involvement,
)


def _directory(session, org_name):
    team = session.scalar(select(Team).where(Team.name == org_name))
    workers = list(session.scalars(select(Worker).where(Worker.team_id == team.id).order_by(Worker.name)))
    return team, workers


def test_a_practitioner_records_ends_and_corrects_their_organisations_involvement(world):
    hsg = world.actor("HSG", "practitioner")
    with transaction(world.engine) as session:
        team, (officer,) = _directory(session, "Tenancy Sustainment")
        recorded = record_involvement(session, hsg, PERSON, InvolvementTerms(
            "housing_officer", team.id, officer.id, "phone", date(2025, 2, 1), "Tenancy at risk"))
        corrected = correct_involvement(session, hsg, recorded.id, InvolvementTerms(
            "housing_officer", team.id, officer.id, "secure_email", date(2025, 1, 15), "Tenancy at risk"))
        end_involvement(session, hsg, recorded.id, date(2025, 12, 1), note="Tenancy sustained")
        events = {event.action: event.details for event in session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "involvement", AuditEvent.actor == hsg.username))}
        stored = session.get(Involvement, recorded.id)
    assert corrected.id == recorded.id
    assert (stored.status, stored.ends_on, stored.contact_route, stored.source) == (
        "ended", date(2025, 12, 1), "secure_email", "recorded")
    assert events["involvement.record"]["person"] == PERSON
    assert events["involvement.correct"]["changes"] == {"contact_route": ["phone", "secure_email"],
                                                        "starts_on": ["2025-02-01", "2025-01-15"]}
    assert events["involvement.end"]["ends_on"] == "2025-12-01"


def test_another_organisation_may_not_end_or_correct_it(world):
    with transaction(world.engine) as session:
        team, (officer,) = _directory(session, "Tenancy Sustainment")
        recorded = record_involvement(session, world.actor("HSG", "practitioner"), PERSON, InvolvementTerms(
            "housing_officer", team.id, officer.id, "phone", date(2025, 2, 1)))
        with pytest.raises(Forbidden):
            end_involvement(session, world.actor("CSC", "practitioner"), recorded.id, date(2025, 3, 1))
        with pytest.raises(Forbidden):
            correct_involvement(session, world.actor("CSC", "practitioner"), recorded.id, InvolvementTerms(
                "housing_officer", team.id, officer.id, "phone", date(2025, 2, 2)))


@pytest.mark.parametrize("roles", [("data_team",), ("ig_lead",), ("admin",), ("trainer",)])
def test_only_frontline_roles_record(world, roles):
    with transaction(world.engine) as session:
        team, (officer,) = _directory(session, "Tenancy Sustainment")
        with pytest.raises(Forbidden):
            record_involvement(session, world.actor("HSG", *roles), PERSON, InvolvementTerms(
                "housing_officer", team.id, officer.id, "phone", None))


def test_bad_terms_are_refused_naming_every_field(world):
    hsg = world.actor("HSG", "practitioner")
    with transaction(world.engine) as session:
        team, _ = _directory(session, "Tenancy Sustainment")
        _, (social_worker, _other) = _directory(session, "Child Protection Team")
        with pytest.raises(Refusal) as refused:
            record_involvement(session, hsg, PERSON, InvolvementTerms(
                "wizard", team.id, social_worker.id, "pigeon", date.today() + timedelta(days=2)))
        assert {name for name, _why in refused.value.problems} == {"role", "contact_route", "starts_on", "worker_id"}
        with pytest.raises(Refusal, match="duty line"):
            record_involvement(session, hsg, PERSON, InvolvementTerms("housing_officer", team.id, None, "phone", None))
        with pytest.raises(Refusal) as unknown:
            record_involvement(session, hsg, "PNOBODY99", InvolvementTerms(
                "housing_officer", team.id, None, "duty_line", None))
        assert unknown.value.field == "person"


def test_an_end_before_the_start_or_in_the_future_is_refused(world):
    hsg = world.actor("HSG", "practitioner")
    with transaction(world.engine) as session:
        team, (officer,) = _directory(session, "Tenancy Sustainment")
        recorded = record_involvement(session, hsg, PERSON, InvolvementTerms(
            "housing_officer", team.id, officer.id, "phone", date(2025, 2, 1)))
        for ends_on in (date(2025, 1, 1), date.today() + timedelta(days=1), None):
            with pytest.raises(Refusal) as refused:
                end_involvement(session, hsg, recorded.id, ends_on)
            assert refused.value.field == "ends_on"
        end_involvement(session, hsg, recorded.id, date(2025, 6, 1))
        with pytest.raises(Conflict):
            end_involvement(session, hsg, recorded.id, date(2025, 7, 1))


def test_an_involvement_from_an_extract_is_corrected_at_source(world):
    with transaction(world.engine) as session:
        from_extract = session.scalar(select(Involvement).where(Involvement.source_record_id == world.records["csc"]))
        with pytest.raises(Conflict, match="extract"):
            end_involvement(session, world.actor("CSC", "practitioner"), from_extract.id, date(2025, 6, 1))


def test_another_organisations_team_or_worker_is_refused_without_naming_them(world):
    """Ids are sequential: a refusal that named the worker of the id sent would let anyone
    read every organisation's staff, a sensitive service's included, one id at a time."""
    hsg = world.actor("HSG", "practitioner")
    with transaction(world.engine) as session:
        team, (officer,) = _directory(session, "Tenancy Sustainment")
        their_team, their_workers = _directory(session, "Child Protection Team")
        for terms in (InvolvementTerms("housing_officer", team.id, their_workers[0].id, "phone", None),
                      InvolvementTerms("housing_officer", None, their_workers[0].id, "phone", None),
                      InvolvementTerms("housing_officer", their_team.id, officer.id, "phone", None),
                      InvolvementTerms("housing_officer", their_team.id, None, "duty_line", None)):
            with pytest.raises(Refusal) as refused:
                record_involvement(session, hsg, PERSON, terms)
            said = " ".join(message for _field, message in refused.value.problems)
            assert not [name for name in (their_team.name, *(worker.name for worker in their_workers)) if name in said]
            assert {field for field, _why in refused.value.problems} <= {"team_id", "worker_id"}


def test_a_note_alone_is_corrected_and_the_log_says_so_without_its_words(world):
    hsg = world.actor("HSG", "practitioner")
    with transaction(world.engine) as session:
        team, (officer,) = _directory(session, "Tenancy Sustainment")
        recorded = record_involvement(session, hsg, PERSON, InvolvementTerms(
            "housing_officer", team.id, officer.id, "phone", date(2025, 2, 1), "Tenancy at risk"))
        correct_involvement(session, hsg, recorded.id, InvolvementTerms(
            "housing_officer", team.id, officer.id, "phone", date(2025, 2, 1), "Arrears cleared in March"))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "involvement.correct"))
        assert session.get(Involvement, recorded.id).note == "Arrears cleared in March"
    assert event.details == {"changes": {}, "note": "changed"}
    assert "Arrears" not in str(event.details)
