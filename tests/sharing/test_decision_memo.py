"""Deciding a request's records once per distinct set of decision inputs (issue 12's speed)
changes nothing that is decided, audited or logged: every record still has its own
decision and its own row, and a request's memo is never another actor's."""

import cedarpy
import pytest
from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners import Organisation, SourceSystem
from joinedup.sharing import DecisionMemo, decide_record_access
from joinedup.sharing.models import SharingDecision


def _place(session, per_agency: int = 4):
    police = Organisation(code="POL", name="Police", type="police")
    school = Organisation(code="EDU", name="Education", type="education")
    session.add_all([police, school])
    session.flush()
    niche = SourceSystem(code="police", name="Police records", owner_organisation_id=police.id)
    pupils = SourceSystem(code="education", name="Pupil register", owner_organisation_id=school.id)
    session.add_all([niche, pupils])
    session.flush()
    records = [SourceRecord(source_system_id=system.id, local_id=f"{system.code}{n}", forename="Ann",
                            surname=f"Lee{n}", row_hash=f"{system.code}{n}")
               for n in range(per_agency) for system in (niche, pupils)]
    session.add_all(records)
    session.flush()
    return police, records


def _rows(session):
    """The decision log and the audit trail, without when they were written or their keys."""
    decisions = [(row.record_id, row.outcome, row.basis, row.policy_ids, row.fields, row.reason, row.record_count,
                  row.reasons, row.source_organisation_id)
                 for row in session.scalars(select(SharingDecision).order_by(SharingDecision.id))]
    events = [(event.action, event.outcome, event.subject_type, event.subject_id, event.details)
              for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    return decisions, events


@pytest.fixture
def asked(monkeypatch):
    """How many reads Cedar was asked to decide."""
    counted = []
    real = cedarpy.is_authorized_batch

    def counting(requests, *args, **kwargs):
        counted.append(len(requests))
        return real(requests, *args, **kwargs)

    monkeypatch.setattr(cedarpy, "is_authorized_batch", counting)
    return counted


def test_records_with_the_same_inputs_are_asked_once_and_each_is_decided_and_logged(engine, asked):
    with transaction(engine) as session:
        police, records = _place(session)
        officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        decisions = decide_record_access(session, officer, records)
        assert [decision.record_id for decision in decisions] == [record.id for record in records]
        assert [decision.allowed for decision in decisions] == [True, False] * 4
        # Two sets of inputs (the police's records, the school's): two reads, not eight.
        assert sum(asked) == 2
        decisions_logged, _events = _rows(session)
    shared = [row for row in decisions_logged if row[1] == "shared"]
    assert [row[0] for row in shared] == [record.id for record in records[::2]]
    assert [row[6] for row in decisions_logged if row[1] == "withheld"] == [4]


def test_a_request_deciding_in_batches_with_a_memo_writes_what_it_wrote_without_one(engine, asked):
    """The same decisions, audit events and decision-log rows, batch by batch; fewer reads."""
    written = []
    for memo_used in (False, True):
        with transaction(engine) as session:
            police, records = _place(session)
            officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}),
                            channel="web")
            memo = DecisionMemo(officer) if memo_used else None
            decided = [decision for batch in (records[:3], records[3:6], records[6:])
                       for decision in decide_record_access(session, officer, batch, memo=memo)]
            ids = {record.id: n for n, record in enumerate(records)}  # compared by position in the place
            decisions, events = _rows(session)
            written.append((
                [(ids[d.record_id], d.allowed, d.fields, d.policy_ids, d.reason) for d in decided],
                [(ids.get(row[0]), *row[1:8]) for row in decisions],
                [(action, outcome, subject, {**details, "records": {k: [ids[i] for i in v]
                                                                      for k, v in details["records"].items()}})
                 for action, outcome, subject, _id, details in events],
            ))
            session.rollback()
        if not memo_used:
            without = sum(asked)
            asked.clear()
    assert written[0] == written[1]
    assert sum(asked) < without  # the memo asked the police's and the school's inputs once each
    assert sum(asked) == 2


def test_a_memo_is_one_actors(engine):
    with transaction(engine) as session:
        police, records = _place(session, per_agency=1)
        officer = Actor(username="pc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        other = Actor(username="dc", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        memo = DecisionMemo(officer)
        decide_record_access(session, officer, records, memo=memo)
        with pytest.raises(ValueError, match="one actor"):
            decide_record_access(session, other, records, memo=memo)
