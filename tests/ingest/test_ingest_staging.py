"""Staging: a load's rows wait in ingest_staged_records until the whole file is read.

A failed load leaves the stored records exactly as they were; staged rows never outlive
their load; a load left running by a killed process is marked failed by the next load
of its source.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from joinedup.audit import AuditEvent
from joinedup.db import session_factory, transaction, utcnow
from joinedup.ingest import IngestLoad, LoadIssue, SourceRecord, get_load, ingest_file
from joinedup.ingest import rows as rows_module
from joinedup.ingest.models import StagedRecord

HEADER = "PersonID,Forename,Surname,DOB,NHSNumber\n"


def people_file(tmp_path, name: str, rows: int, surname: str):
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"P{n},Amy,{surname},,\n" for n in range(rows)))
    return path


def count(engine, model) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_load_that_fails_mid_file_leaves_the_stored_records_as_they_were(
    engine, fixture_mapping, tmp_path, monkeypatch, stored
):
    mapping = fixture_mapping("people")
    first = ingest_file(engine, mapping, people_file(tmp_path, "v1.csv", 5000, "Smith"))
    assert (first.status, first.rows_loaded) == ("completed", 5000)
    assert count(engine, StagedRecord) == 0
    shape = rows_module.RecordBuilder.shape

    def failing_shape(self, row_number, row, careful):
        if row_number == 4500:
            raise RuntimeError("disk on fire")
        return shape(self, row_number, row, careful)

    monkeypatch.setattr(rows_module.RecordBuilder, "shape", failing_shape)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest_file(engine, mapping, people_file(tmp_path, "v2.csv", 6000, "Jones"))

    records = stored(engine, "test-people")
    assert len(records) == 5000
    assert {record.surname for record in records.values()} == {"Smith"}
    assert {record.last_load_id for record in records.values()} == {first.id}
    assert count(engine, StagedRecord) == 0
    with session_factory(engine)() as session:
        failed = session.scalar(select(IngestLoad).where(IngestLoad.file_name == "v2.csv"))
        assert (failed.status, failed.error) == ("failed", "the load stopped: RuntimeError: disk on fire")
        assert session.scalar(select(func.count()).select_from(LoadIssue).where(LoadIssue.load_id == failed.id)) == 0


def test_a_load_left_running_by_a_killed_process_is_marked_failed_by_the_next_load(
    engine, fixture_mapping, tmp_path
):
    mapping = fixture_mapping("people")
    first = ingest_file(engine, mapping, people_file(tmp_path, "v1.csv", 3, "Smith"))
    with transaction(engine) as session:
        killed = IngestLoad(source_system_id=first.source_system_id, file_name="v2.csv", status="running",
                            started_at=utcnow(), loaded_by="cli")
        session.add(killed)
        session.flush()
        session.add(StagedRecord(load_id=killed.id, change="new", local_id="P9", record_ref="", surname="Jones"))
        session.add(LoadIssue(load_id=killed.id, row_number=2, field="forename", severity="flagged", message="x"))
        killed_id = killed.id

    after = ingest_file(engine, mapping, people_file(tmp_path, "v3.csv", 3, "Smith"))

    assert (after.status, after.rows_unchanged) == ("completed", 3)
    with session_factory(engine)() as session:
        abandoned = get_load(session, killed_id)
        assert abandoned.status == "failed"
        assert abandoned.error == (
            "the load stopped before it finished, without recording why (its process was killed or lost);"
            f" found when load {after.id} started"
        )
        assert abandoned.issues == [] and abandoned.finished_at is not None
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "ingest.load",
                                                        AuditEvent.subject_id == str(killed_id)))
        assert (event.outcome, event.reason) == ("failure", abandoned.error)
    assert count(engine, StagedRecord) == 0
    assert count(engine, SourceRecord) == 3
