"""The single access-decision seam: own organisation only, deny by default, always audited."""

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners import Organisation, SourceSystem
from joinedup.sharing import RECORD_FIELDS, AccessDecision, decide_record_access, disclosed_fields


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
        officer = Actor(user_id=None, username="pc", organisation_id=police.id, channel="web", client_address="10.0.0.1")
        own, other = decide_record_access(session, officer, [police_record, school_record])
        assert own.allowed and own.fields == RECORD_FIELDS
        assert not other.allowed and other.fields == frozenset()
        assert disclosed_fields(school_record, other) == {}
        assert disclosed_fields(police_record, own)["surname"] == "Lee"


def test_no_organisation_means_no_access(engine):
    with transaction(engine) as session:
        _police, _school, records = _place(session)
        anonymous = Actor(channel="api")
        assert [d.allowed for d in decide_record_access(session, anonymous, records)] == [False, False]


def test_every_decision_is_audited_with_who_where_and_outcome(engine):
    with transaction(engine) as session:
        police, _school, records = _place(session)
        officer = Actor(username="pc", organisation_id=police.id, channel="api", client_address="10.0.0.9")
        decide_record_access(session, officer, records)
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.subject_id, e.outcome) for e in events] == [(str(records[0].id), "allowed"), (str(records[1].id), "denied")]
    assert {(e.actor, e.channel, e.client_address, e.action) for e in events} == {("pc", "api", "10.0.0.9", "record.view")}


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
