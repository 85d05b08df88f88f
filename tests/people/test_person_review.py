"""Clerical review, kept pairs and their explanations, incremental linking, the persons export."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import func, select

from joinedup.audit import Actor
from joinedup.audit.models import AuditEvent
from joinedup.db import session_factory, transaction
from joinedup.disclosure import PERSON_COLUMNS, export_persons
from joinedup.ingest import ingest_file, load_mapping
from joinedup.ingest.models import SourceRecord
from joinedup.people import (
    LinkPair,
    PairDecision,
    Person,
    PersonRecord,
    ReviewRefused,
    explain_pair,
    link_new_records,
    link_people,
    link_thresholds,
    merge_persons,
    person_history,
    person_of,
    review_pair,
    review_queue,
    set_link_thresholds,
    split_record,
)

REVIEWER = Actor(username="rev.iewer", roles=frozenset({"data_team"}), channel="web")


def _person(engine, record_id):
    with session_factory(engine)() as session:
        person = person_of(session, record_id)
        return person.person_id if person else None


def test_thresholds_are_the_data_teams_and_checked(engine):
    with transaction(engine) as session:
        assert link_thresholds(session) == (0.99, 0.8)
        with pytest.raises(ValueError, match="review threshold"):
            set_link_thresholds(session, REVIEWER, 0.95, 0.97)
        with pytest.raises(ValueError, match="link threshold"):
            set_link_thresholds(session, REVIEWER, 0.3, 0.2)
        set_link_thresholds(session, REVIEWER, 0.995, 0.6)
    with session_factory(engine)() as session:
        assert link_thresholds(session) == (0.995, 0.6)
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "linkage.thresholds.change"))
        assert event.actor == "rev.iewer"


def test_the_queue_holds_pairs_between_the_thresholds_and_explains_each(linked_store):
    with transaction(linked_store) as session:
        set_link_thresholds(session, REVIEWER, 0.9999, 0.5)
    run = link_people(linked_store)
    assert run.threshold == 0.9999 and run.review_from == 0.5
    with session_factory(linked_store)() as session:
        queue, total = review_queue(session, limit=500)
        assert total == len(queue) > 0
        assert total <= run.pairs_for_review
        for pair in queue:
            assert pair.status in ("review", "refused", "conflict")
            if pair.status == "review":
                assert 0.5 <= pair.probability < 0.9999
            else:
                assert pair.reason
            assert person_of(session, pair.record_id_l).id != person_of(session, pair.record_id_r).id
        # Every kept pair's explanation adds up to Splink's own match weight.
        for pair in session.scalars(select(LinkPair).limit(300)):
            explanation = explain_pair(session, pair.record_id_r, pair.record_id_l)
            total_weight = explanation.prior + sum(step["weight"] for step in explanation.steps)
            assert total_weight == pytest.approx(pair.match_weight, abs=0.01)
            assert len(explanation.steps) == 9
            assert all(step["level"] for step in explanation.steps)


def test_rejecting_a_linked_pair_splits_it_now_and_every_rerun_keeps_it_apart(linked_once):
    linked_store = linked_once
    with session_factory(linked_store)() as session:
        # A pair that is a whole person of two records: rejecting it must split them.
        pairs = [pair for pair in session.scalars(select(LinkPair).where(LinkPair.status == "linked")
                                                  .order_by(LinkPair.probability))
                 if session.scalar(select(Person.record_count).join(PersonRecord, PersonRecord.person_id == Person.id)
                                   .where(PersonRecord.source_record_id == pair.record_id_l)) == 2]
        left, right = pairs[0].record_id_l, pairs[0].record_id_r
    assert _person(linked_store, left) == _person(linked_store, right)
    with transaction(linked_store) as session:
        with pytest.raises(ReviewRefused, match="reason") as refused:
            review_pair(session, REVIEWER, left, right, "reject", reason="  ")
        assert refused.value.field == "reason"
    with transaction(linked_store) as session:
        message = review_pair(session, REVIEWER, left, right, "reject", reason="Different people: twins")
    assert "split out" in message
    assert _person(linked_store, left) != _person(linked_store, right)
    for _ in range(2):
        link_people(linked_store)
        assert _person(linked_store, left) != _person(linked_store, right)
    with session_factory(linked_store)() as session:
        person = person_of(session, right)
        kinds = [entry["kind"] for entry in person_history(session, person)]
        assert "split" in kinds
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "linkage.person.split")) == 1


def test_accepting_a_pair_merges_two_persons_and_reruns_keep_them_together(linked_store):
    with transaction(linked_store) as session:
        set_link_thresholds(session, REVIEWER, 0.99999, 0.5)
    link_people(linked_store)
    with session_factory(linked_store)() as session:
        queue, _ = review_queue(session)
        pair = next(pair for pair in queue if pair.status == "review")
        left, right = pair.record_id_l, pair.record_id_r
        before = person_of(session, right).person_id
    with transaction(linked_store) as session:
        message = review_pair(session, REVIEWER, left, right, "accept", reason="Same person, confirmed by phone")
    assert "merged" in message
    assert _person(linked_store, left) == _person(linked_store, right)
    with session_factory(linked_store)() as session:
        # The second record's person is merged into the first's, and retired naming it.
        retired = session.scalar(select(Person).where(Person.person_id == before))
        assert retired.person_id != _person(linked_store, left)
        assert retired.retired_at is not None and retired.superseded_by == _person(linked_store, left)
        queue, _ = review_queue(session, limit=1000)
        assert (left, right) not in {(p.record_id_l, p.record_id_r) for p in queue}
    link_people(linked_store)
    assert _person(linked_store, left) == _person(linked_store, right)


def test_merging_persons_with_different_nhs_numbers_is_refused(linked_once):
    linked_store = linked_once
    with transaction(linked_store) as session:
        rows = session.execute(
            select(Person.id, SourceRecord.nhs_number).join(PersonRecord, PersonRecord.person_id == Person.id)
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .where(SourceRecord.nhs_number.is_not(None), Person.retired_at.is_(None)).limit(200)
        ).all()
        by_number = {}
        for pk, number in rows:
            by_number.setdefault(number, pk)
        first, second = list(by_number.values())[:2]
        keep, other = session.get(Person, first), session.get(Person, second)
        assume_valid = [record for record in keep.records + other.records]
        assert assume_valid
        with pytest.raises(ReviewRefused, match="different NHS numbers") as refused:
            merge_persons(session, REVIEWER, keep, other, reason="Looks the same")
        assert (refused.value.field, refused.value.status) == ("other", 409)


def test_splitting_a_record_out_makes_a_new_person_kept_apart_by_reruns(linked_once):
    linked_store = linked_once
    with session_factory(linked_store)() as session:
        person = session.scalar(select(Person).where(Person.record_count >= 3, Person.retired_at.is_(None))
                                .order_by(Person.id).limit(1))
        sources = {}
        for membership in person.records:
            sources.setdefault(membership.source_record.source_system_id, membership.source_record_id)
        record_id = list(sources.values())[-1]
        person_id = person.person_id
    with transaction(linked_store) as session:
        person = session.scalar(select(Person).where(Person.person_id == person_id))
        with pytest.raises(ReviewRefused, match="not one of") as refused:
            split_record(session, REVIEWER, person, 10**9, reason="x")
        assert refused.value.field == "record"
        new = split_record(session, REVIEWER, person, record_id, reason="Wrong person: different mother")
        new_id = new.person_id
    assert _person(linked_store, record_id) == new_id != person_id
    link_people(linked_store)
    assert _person(linked_store, record_id) != person_id
    with session_factory(linked_store)() as session:
        rejected = session.scalar(select(func.count()).select_from(PairDecision)
                                  .where(PairDecision.decision == "reject"))
        assert rejected >= 1


def test_one_nhs_number_on_two_different_people_goes_to_the_queue_with_the_reason(linked_store):
    with transaction(linked_store) as session:
        first, second = session.scalars(
            select(SourceRecord).where(SourceRecord.nhs_number.is_not(None), SourceRecord.date_of_birth.is_not(None))
            .order_by(SourceRecord.id).limit(400)
        ).all()[::199][:2]
        assert first.surname != second.surname
        second.nhs_number = first.nhs_number
        second.flags = [flag for flag in second.flags if flag.get("field") != "nhs_number"]
        left, right = sorted((first.id, second.id))
    link_people(linked_store)
    assert _person(linked_store, left) != _person(linked_store, right)
    with session_factory(linked_store)() as session:
        queue, _ = review_queue(session, limit=1000)
        found = {(p.record_id_l, p.record_id_r): p for p in queue}
        assert (left, right) in found
        assert "same NHS number" in found[(left, right)].reason


def _extracts(place):
    return json.loads((place / "manifest.json").read_text())["extracts"]


def test_new_records_are_attached_without_a_full_rerun(engine, small_place, tmp_path):
    from joinedup.demo import load_place_gazetteer
    from joinedup.gazetteer import match_addresses

    extracts = _extracts(small_place)
    held_back = next(extract for extract in extracts if extract["source"] == "dwp")
    for extract in extracts:
        if extract is not held_back:
            ingest_file(engine, load_mapping(extract["mapping"]), small_place / extract["file"], loaded_by="test")
    load_place_gazetteer(engine, small_place)
    match_addresses(engine, full=True, address_engine=None)
    link_people(engine)
    with session_factory(engine)() as session:
        before = dict(session.execute(select(PersonRecord.source_record_id, Person.person_id)
                                      .join(Person, Person.id == PersonRecord.person_id)).all())
    ingest_file(engine, load_mapping(held_back["mapping"]), small_place / held_back["file"], loaded_by="test")
    match_addresses(engine, full=False, address_engine=None)
    run = link_new_records(engine)
    assert run.kind == "incremental" and run.status == "completed"
    with session_factory(engine)() as session:
        after = dict(session.execute(select(PersonRecord.source_record_id, Person.person_id)
                                     .join(Person, Person.id == PersonRecord.person_id)).all())
        records = session.scalar(select(func.count()).select_from(SourceRecord))
        keys = {row.id: (row.local_id) for row in session.execute(select(SourceRecord.id, SourceRecord.local_id))}
    assert len(after) == records and run.records == records - len(before)
    assert all(after[record_id] == person_id for record_id, person_id in before.items())
    assert run.linked_persons > 0 and run.ids_new > 0
    # Attached records are checked against the truth: each joins a person of the same true person.
    with (small_place / "truth" / "records.csv").open(encoding="utf-8", newline="") as handle:
        true = {row["local_id"]: row["person_id"] for row in csv.DictReader(handle)}
    members = {}
    for record_id, person_id in after.items():
        members.setdefault(person_id, set()).add(true[keys[record_id]])
    new_people = {after[record_id] for record_id in after if record_id not in before}
    wrong = [person for person in new_people if len(members[person]) > 1]
    assert len(wrong) <= 0.01 * len(new_people), wrong
    with pytest.raises(LookupError):
        link_new_records(_empty_engine(tmp_path))


def _empty_engine(tmp_path):
    from joinedup.db import make_engine
    from joinedup.db.migrate import upgrade

    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(empty)
    return empty


def test_export_persons_writes_golden_records_through_the_sharing_decision(linked_store, tmp_path):
    link_people(linked_store)
    out = tmp_path / "persons.csv"
    with transaction(linked_store) as session:
        rows = export_persons(session, out, actor=REVIEWER)
        live = session.scalar(select(func.count()).select_from(Person).where(Person.retired_at.is_(None)))
        person = session.scalar(select(Person).where(Person.record_count > 2).limit(1))
        audited = session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "person.export"))
    with out.open(encoding="utf-8", newline="") as handle:
        exported = {row["person_id"]: row for row in csv.DictReader(handle)}
        assert tuple(next(csv.reader(out.open(encoding="utf-8")))) == PERSON_COLUMNS
    assert rows == live == len(exported)
    assert audited > 0
    row = exported[person.person_id]
    assert row["surname"] == person.golden["surname"]["value"]
    assert row["surname_source"] == f"{person.golden['surname']['source']}:{person.golden['surname']['local_id']}"
    # Someone with no rule allowing it sees nothing, and that is audited too.
    nobody = Actor(username="no.one", roles=frozenset({"practitioner"}), channel="cli")
    with transaction(linked_store) as session:
        export_persons(session, tmp_path / "none.csv", actor=nobody)
    with (tmp_path / "none.csv").open(encoding="utf-8", newline="") as handle:
        assert all(not row["surname"] and not row["date_of_birth"] for row in csv.DictReader(handle))
