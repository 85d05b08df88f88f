"""A link run is one at a time, never left 'running' for ever, and never writes over a
review decision made while it was about to write."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.audit import Actor, AuditEvent
from joinedup.cli import app
from joinedup.db import session_factory, transaction
from joinedup.db.locks import AlreadyRunning, exclusive
from joinedup.disclosure.records import fetch_record
from joinedup.ingest import SourceRecord
from joinedup.people import LinkRun, Person, PersonRecord, link_people, linking
from joinedup.people.models import PersonEvent

runner = CliRunner()


def _killed_run(engine) -> int:
    """A run as a killed process leaves it: marked running, never finished."""
    with transaction(engine) as session:
        run = LinkRun(status="running", kind="full", ran_by="cli", threshold=0.99, review_from=0.5)
        session.add(run)
        session.flush()
        return run.id


def test_a_run_left_running_is_marked_failed_by_the_next_run(linked_store):
    killed = _killed_run(linked_store)
    told = []
    run = link_people(linked_store, on_abandoned=lambda run_id, reason: told.append((run_id, reason)))

    assert run.status == "completed"
    reason = ("the run stopped before it finished, without recording why (its process was killed or lost);"
              f" found when run {run.id} started")
    assert told == [(killed, reason)]
    with session_factory(linked_store)() as session:
        stale = session.get(LinkRun, killed)
        assert (stale.status, stale.error) == ("failed", reason)
        assert stale.finished_at is not None
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "linkage.run",
                                                        AuditEvent.subject_id == str(killed)))
        assert (event.outcome, event.reason) == ("failure", reason)


def test_a_run_is_refused_while_another_holds_the_index(linked_store):
    running = _killed_run(linked_store)
    with exclusive(linked_store, "link"):
        with pytest.raises(AlreadyRunning, match=rf"a link run is already running \(run {running}, started .* UTC "
                                                 r"by cli\); wait for it to finish"):
            link_people(linked_store)
    with session_factory(linked_store)() as session:
        assert session.scalar(select(func.count()).select_from(LinkRun)) == 1
        assert session.get(LinkRun, running).status == "running"


def test_a_merge_decided_while_a_run_plans_its_writing_fails_the_run_and_keeps_the_merge(
    linked_store, monkeypatch
):
    first = link_people(linked_store)
    plan = linking._plan_persons

    def planned_then_a_reviewer_merges(engine, *args):
        made = plan(engine, *args)
        with transaction(engine) as session:
            person = session.scalar(select(Person).order_by(Person.id).limit(1))
            session.add(PersonEvent(person_id=person.id, kind="merged", decided_by="rita.reviewer"))
        return made

    monkeypatch.setattr(linking, "_plan_persons", planned_then_a_reviewer_merges)
    with session_factory(linked_store)() as session:
        before = session.execute(select(PersonRecord.source_record_id, PersonRecord.person_id,
                                        PersonRecord.run_id)).all()
    with pytest.raises(linking.IndexChanged):
        link_people(linked_store)

    with session_factory(linked_store)() as session:
        failed = session.scalar(select(LinkRun).order_by(LinkRun.id.desc()).limit(1))
        assert failed.id != first.id and failed.status == "failed"
        assert failed.error == ("IndexChanged: the person index changed while the run was writing it (a merge or "
                                "split was decided); nothing was written: run it again")
        after = session.execute(select(PersonRecord.source_record_id, PersonRecord.person_id,
                                       PersonRecord.run_id)).all()
    assert sorted(after) == sorted(before)


def test_the_cli_says_an_abandoned_run_is_now_failed(loaded_home):
    engine = loaded_home
    killed = _killed_run(engine)
    result = runner.invoke(app, ["link"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"Link run {killed} never finished, and is now marked failed: the run stopped before it finished" in said
    with session_factory(engine)() as session:
        assert session.get(LinkRun, killed).status == "failed"


def test_a_read_and_its_audit_event_succeed_while_a_run_works_out_its_golden_records(linked_store, monkeypatch):
    """The golden records are built before the run's write transaction, not inside it: a
    read (which writes its audit event) while they are built does not wait. On SQLite the
    reader's busy timeout is short, so a run holding the write lock fails the read."""
    link_people(linked_store)
    with session_factory(linked_store)() as session:
        record = session.scalar(select(SourceRecord).order_by(SourceRecord.id).limit(1))
        record_id, organisation_id = record.id, record.source_system.owner_organisation_id
    reached, release = threading.Event(), threading.Event()
    built = linking.golden_record
    calls = []

    def pausing_golden_record(records):
        calls.append(1)
        if len(calls) == 50:
            reached.set()
            release.wait(60)
        return built(records)

    monkeypatch.setattr(linking, "golden_record", pausing_golden_record)
    runs = []
    running = threading.Thread(target=lambda: runs.append(link_people(linked_store)))
    running.start()
    try:
        assert reached.wait(120), "the run did not reach its golden records"
        reader = Actor(username="sam.social", organisation_id=organisation_id, roles=frozenset({"practitioner"}),
                       channel="web")
        with transaction(linked_store) as session:
            if linked_store.dialect.name == "sqlite":
                session.connection().exec_driver_sql("PRAGMA busy_timeout = 500")
            shown = fetch_record(session, reader, record_id)
    finally:
        release.set()
        running.join(120)
    assert shown is not None and shown.allowed
    assert runs[0].status == "completed"
    with session_factory(linked_store)() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor == "sam.social", AuditEvent.subject_id == str(record_id))) == 1


def test_the_garbage_collector_is_paused_while_a_run_works_and_resumed_after_it_even_when_it_fails(
    linked_store, monkeypatch
):
    seen = []
    plan = linking._plan_persons

    def planning(engine, *args):
        seen.append(gc.isenabled())
        return plan(engine, *args)

    monkeypatch.setattr(linking, "_plan_persons", planning)
    link_people(linked_store)
    assert seen == [False] and gc.isenabled()

    def failing(engine, *args):
        seen.append(gc.isenabled())
        raise RuntimeError("disk full")

    monkeypatch.setattr(linking, "_plan_persons", failing)
    with pytest.raises(RuntimeError):
        link_people(linked_store)
    assert seen == [False, False] and gc.isenabled()
