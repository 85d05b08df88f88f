"""The single access-decision seam: own organisation only, deny by default, always audited."""

import json
from datetime import date

from factories import person_of
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent
from joinedup.audit.entries import EntryReader, logged_table
from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners import Organisation, SourceSystem
from joinedup.sharing import (
    RECORD_FIELDS,
    AccessDecision,
    decide_record_access,
    disclosed_fields,
)
from joinedup.sharing.decision import DENIED
from joinedup.sharing.models import SharingDecision, SharingDecisionRecord


def _place(session):
    police = Organisation(code="POL", name="Police", type="police")
    school = Organisation(code="EDU", name="Education", type="education")
    session.add_all([police, school])
    session.flush()
    niche = SourceSystem(code="police", name="Police records", owner_organisation_id=police.id)
    pupils = SourceSystem(code="education", name="Pupil register", owner_organisation_id=school.id)
    session.add_all([niche, pupils])
    session.flush()
    records = [
        SourceRecord(source_system_id=niche.id, local_id="N1", forename="Ann", surname="Lee", row_hash="x"),
        SourceRecord(source_system_id=pupils.id, local_id="P1", forename="Ann", surname="Lee", row_hash="y"),
    ]
    session.add_all(records)
    session.flush()
    return police, school, records


def test_own_organisation_sees_its_records_and_nothing_else(engine):
    with transaction(engine) as session:
        police, _school, (police_record, school_record) = _place(session)
        officer = Actor(user_id=None, username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}),
                        channel="web", client_address="10.0.0.1")
        own, other = decide_record_access(session, officer, [police_record, school_record])
        assert own.allowed and own.fields == RECORD_FIELDS
        assert not other.allowed and other.fields == frozenset()
        assert disclosed_fields(school_record, other) == {}
        assert disclosed_fields(police_record, own)["surname"] == "Lee"


def test_only_frontline_roles_read_their_own_organisations_records(engine):
    """docs/sharing.md: the data team never sees a fact; a trainer sees training samples
    only; IG leads govern sharing. None of them reads a record by belonging to its
    organisation."""
    with transaction(engine) as session:
        police, _school, (police_record, _school_record) = _place(session)
        for roles in ({"data_team"}, {"admin"}, {"trainer"}, {"ig_lead"}, {"programme_manager"}, frozenset()):
            colleague = Actor(username="x", organisation_id=police.id, roles=frozenset(roles), channel="web")
            (own,) = decide_record_access(session, colleague, [police_record])
            assert not own.allowed and own.fields == frozenset(), roles


def test_no_organisation_means_no_access(engine):
    with transaction(engine) as session:
        _police, _school, records = _place(session)
        anonymous = Actor(channel="api")
        assert [d.allowed for d in decide_record_access(session, anonymous, records)] == [False, False]


def test_every_request_is_audited_with_who_where_and_outcome(engine):
    """One audit event per request, saying how many records were shared and withheld."""
    with transaction(engine) as session:
        police, _school, records = _place(session)
        officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="api",
                        client_address="10.0.0.9")
        decide_record_access(session, officer, records)
        decide_record_access(session, officer, records[1:])
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.subject_type, e.subject_id, e.outcome, e.details["shared"], e.details["withheld"]) for e in events] == [
        ("source_records", "", "allowed", 1, 1), ("source_record", str(records[1].id), "denied", 0, 1)]
    assert events[1].reason == DENIED
    assert {(e.actor, e.channel, e.client_address, e.action) for e in events} == {("pc", "api", "10.0.0.9", "record.view")}


def test_a_shared_record_is_a_row_and_the_withheld_ones_are_counted_in_one(engine):
    """A log designed to be read and kept: what was disclosed, per person; refusals summed up."""
    with transaction(engine) as session:
        police, school, (police_record, school_record) = _place(session)
        more = [SourceRecord(source_system_id=school_record.source_system_id, local_id=f"S{n}", row_hash=f"s{n}")
                for n in range(3)]
        session.add_all(more)
        session.flush()
        officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        decide_record_access(session, officer, [police_record, school_record, *more])
    with transaction(engine) as session:
        rows = session.scalars(select(SharingDecision).order_by(SharingDecision.id)).all()
    assert [(row.outcome, row.record_id, row.record_count) for row in rows] == [
        ("shared", police_record.id, 1), ("withheld", None, 4)]
    assert rows[0].fields and rows[0].policy_ids
    assert rows[1].reasons == {DENIED: 4} and rows[1].reason == DENIED and rows[1].fields == []
    assert rows[1].source_organisation_id == school.id  # all four were the school's


def test_what_a_request_shared_of_one_person_on_one_basis_is_one_row(engine):
    """Issue 14: "per request, the person and the fields shown". Two records of one person
    are one row naming both, with the fields either showed; another person, and a record
    of no person yet, are rows of their own: a row never mixes two people."""
    with transaction(engine) as session:
        police, _school, (police_record, _school_record) = _place(session)
        police_record.facts = {"incident_type": "Missing episode"}
        second, third, unlinked = (
            SourceRecord(source_system_id=police_record.source_system_id, local_id=f"N{n}", forename="Ann",
                         date_of_birth=date(2015, 1, 1), row_hash=f"n{n}") for n in (2, 3, 4))
        session.add_all([second, third, unlinked])
        session.flush()
        person_of(session, "PANN0000001", [police_record.id, second.id])
        person_of(session, "PBOB0000001", [third.id])
        officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        decide_record_access(session, officer, [police_record, third, second, unlinked])
    with transaction(engine) as session:
        rows = session.scalars(select(SharingDecision).order_by(SharingDecision.id)).all()
        indexed = session.execute(select(SharingDecisionRecord.decision_id, SharingDecisionRecord.record_id)
                                  .order_by(SharingDecisionRecord.record_id)).all()
    assert [(row.person_id, row.record_id, row.record_ids, row.record_count) for row in rows] == [
        ("PANN0000001", None, sorted([police_record.id, second.id]), 2), ("PBOB0000001", third.id, None, 1),
        (None, unlinked.id, None, 1)]
    assert rows[0].fields == ["date_of_birth", "facts", "forename", "local_id", "source", "surname"]
    assert rows[0].source_organisation_id == police.id
    assert indexed == [(rows[0].id, police_record.id), (rows[0].id, second.id)]


def test_one_persons_records_of_two_providers_are_two_rows(engine):
    """docs/sharing.md: a row never mixes two providers, so each provider's IG lead can say
    what of theirs was shown: the data team's identity check reads both agencies' records
    of one person on one basis (processing), and writes a row per provider."""
    with transaction(engine) as session:
        police, school, (police_record, school_record) = _place(session)
        person_of(session, "PANN0000001", [police_record.id, school_record.id])
        council = Organisation(code="LA", name="Council", type="local_authority")
        session.add(council)
        session.flush()
        analyst = Actor(username="dt", organisation_id=council.id, roles=frozenset({"data_team"}), channel="web")
        decide_record_access(session, analyst, [police_record, school_record], action="person.review")
    with transaction(engine) as session:
        rows = session.scalars(select(SharingDecision).order_by(SharingDecision.id)).all()
    assert sorted((row.person_id, row.record_id, row.source_organisation_id, row.outcome) for row in rows) == sorted([
        ("PANN0000001", police_record.id, police.id, "shared"), ("PANN0000001", school_record.id, school.id, "shared")])


def test_an_entry_naming_several_records_is_encoded_as_version_2_and_one_record_as_version_1(engine):
    """docs/audit.md: entries written before ``record_ids`` existed still verify, because an
    entry holding none is encoded exactly as version 1 was."""
    with transaction(engine) as session:
        police, _school, (police_record, _school_record) = _place(session)
        second = SourceRecord(source_system_id=police_record.source_system_id, local_id="N2", row_hash="n2")
        lone = SourceRecord(source_system_id=police_record.source_system_id, local_id="N3", row_hash="n3")
        session.add_all([second, lone])
        session.flush()
        person_of(session, "PANN0000001", [police_record.id, second.id])
        officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        decide_record_access(session, officer, [police_record, second, lone])
    reader = EntryReader(logged_table("sharing_decisions"), engine.dialect)
    with engine.connect() as connection:
        several, one = [reader.encode(row[0], row[2:])
                        for row in reader.rows(connection, SharingDecision.id.is_not(None))]
    head, _, body = several.partition(b"\n")
    assert head == b"joinedup-audit-entry/v2"
    assert json.loads(body)["record_ids"] == sorted([police_record.id, second.id])
    head, _, body = one.partition(b"\n")
    assert head == b"joinedup-audit-entry/v1" and "record_ids" not in json.loads(body)


def test_a_shared_row_names_the_fields_the_record_showed_not_every_field_allowed(engine):
    """What was disclosed is logged: the fields the decision allowed that the record holds."""
    with transaction(engine) as session:
        police, _school, (police_record, _school_record) = _place(session)
        police_record.facts = {"incident_type": "Missing episode"}
        officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        (own,) = decide_record_access(session, officer, [police_record])
        assert own.fields == RECORD_FIELDS  # allowed: every field
    with transaction(engine) as session:
        row = session.scalar(select(SharingDecision))
    assert row.fields == ["facts", "forename", "local_id", "source", "surname"]


@given(fields=st.frozensets(st.sampled_from(sorted(RECORD_FIELDS))))
def test_disclosure_never_exceeds_the_decision(fields):
    record = SourceRecord(id=1, local_id="L", forename="A", surname="B", facts={"x": 1}, flags=[], row_hash="h")
    record.source_system = SourceSystem(code="s", name="s")
    shown = disclosed_fields(record, AccessDecision(1, True, "test", fields))
    assert set(shown) == set(fields)


def test_a_decision_for_another_record_discloses_nothing():
    record = SourceRecord(id=1, local_id="L", row_hash="h")
    record.source_system = SourceSystem(code="s", name="s")
    assert disclosed_fields(record, AccessDecision(2, True, "other", RECORD_FIELDS)) == {}


# --- address data-quality processing -------------------------------------------------

from joinedup.sharing import ADDRESS_ACTIONS, ADDRESS_FIELDS  # noqa: E402

ADDRESS_ONLY = {"source", "local_id", "record_ref", "address_text", "postcode"}


def test_the_address_rule_discloses_exactly_the_address_fields():
    assert ADDRESS_FIELDS == ADDRESS_ONLY
    assert ADDRESS_FIELDS < RECORD_FIELDS
    assert {"address.review", "address.report", "address.export"} == ADDRESS_ACTIONS


def test_the_data_team_sees_another_agencys_address_fields_only(engine):
    with transaction(engine) as session:
        police, _school, (police_record, school_record) = _place(session)
        school_record.address_text, school_record.postcode = "1 School Lane", "JU1 2CC"
        school_record.nhs_number, school_record.facts = "9434765919", {"sen": True}
        analyst = Actor(username="dana", organisation_id=police.id, roles=frozenset({"data_team"}), channel="web")
        for action in sorted(ADDRESS_ACTIONS):
            own, other = decide_record_access(session, analyst, [police_record, school_record], action=action)
            # Their own organisation's records too: the data team never sees a fact.
            assert own.allowed and own.fields == ADDRESS_FIELDS and own.policy_ids == ("address-data-quality",)
            assert other.allowed and other.fields == ADDRESS_FIELDS and other.policy_ids == ("address-data-quality",)
            shown = disclosed_fields(school_record, other)
            assert shown == {"source": "education", "local_id": "P1", "record_ref": "", "address_text": "1 School Lane",
                             "postcode": "JU1 2CC"}
            assert "Lee" not in repr(shown) and "9434765919" not in repr(shown)
        # The rule is for address processing only: any other action sees nothing of it.
        (viewed,) = decide_record_access(session, analyst, [school_record], action="record.view")
        assert not viewed.allowed and viewed.fields == frozenset()
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("address.%"))).all()
    # One event per request, each deciding both records by the address rule alone.
    assert len(events) == len(ADDRESS_ACTIONS)
    assert all(e.details["shared"] == 2 and e.details["policy_ids"] == ["address-data-quality"] for e in events)


def test_an_administrator_without_an_organisation_sees_address_fields_only(engine):
    with transaction(engine) as session:
        _police, _school, records = _place(session)
        admin = Actor(username="root", roles=frozenset({"admin"}), channel="cli")
        assert {d.fields for d in decide_record_access(session, admin, records, action="address.export")} == {
            ADDRESS_FIELDS
        }


def test_a_practitioner_is_refused_other_agencies_addresses(engine):
    with transaction(engine) as session:
        police, _school, (police_record, school_record) = _place(session)
        officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        for action in sorted(ADDRESS_ACTIONS):
            own, other = decide_record_access(session, officer, [police_record, school_record], action=action)
            assert own.allowed and not other.allowed and other.fields == frozenset()
            assert disclosed_fields(school_record, other) == {}
