"""A load in progress never stops a practitioner's read, nor the read's audit event.

The load is paused mid-file (its row shaping waits on an event) while the main thread
reads a record, which writes the read's audit event. On SQLite the reader is given a
short busy timeout, so a load that held the write lock for its whole file fails the read
at once instead of after the store's usual wait.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import session_factory, transaction
from joinedup.db.locks import AlreadyRunning
from joinedup.ingest import SourceRecord, ingest_file, list_loads, load_mapping
from joinedup.ingest import rows as rows_module
from joinedup.partners import SourceSystem
from joinedup.disclosure.records import fetch_record

MAPPING = """
[source]
code = "test-register"
organisation = "TESTLA"
organisation_type = "local_authority"
format = "csv"
local_id = "Id"

[fields]
forename = "Forename"
surname = "Surname"
"""
PAUSE_AT_ROW = 4500


def register(tmp_path, name: str, rows: int):
    path = tmp_path / name
    path.write_text("Id,Forename,Surname\n" + "".join(f"R{n},Amy,Smith{n}\n" for n in range(rows)))
    return path


def test_a_read_and_its_audit_event_succeed_while_a_load_is_under_way(engine, tmp_path, monkeypatch):
    mapping_path = tmp_path / "register.toml"
    mapping_path.write_text(MAPPING)
    mapping = load_mapping(mapping_path)
    assert ingest_file(engine, mapping, register(tmp_path, "first.csv", 3)).status == "completed"
    with session_factory(engine)() as session:
        record_id, organisation_id = session.execute(
            select(SourceRecord.id, SourceSystem.owner_organisation_id).join(SourceRecord.source_system)
            .where(SourceRecord.local_id == "R1")
        ).one()

    reached, release = threading.Event(), threading.Event()
    shape = rows_module.RecordBuilder.shape

    def pausing_shape(self, row_number, row, careful):
        if row_number == PAUSE_AT_ROW:
            reached.set()
            release.wait(60)
        return shape(self, row_number, row, careful)

    monkeypatch.setattr(rows_module.RecordBuilder, "shape", pausing_shape)
    loads = []
    loading = threading.Thread(target=lambda: loads.append(
        ingest_file(engine, mapping, register(tmp_path, "second.csv", 6000))))
    loading.start()
    try:
        assert reached.wait(60), "the load did not reach the row it pauses at"
        reader = Actor(username="sam.social", organisation_id=organisation_id,
                       roles=frozenset({"practitioner"}), channel="web")
        with transaction(engine) as session:
            if engine.dialect.name == "sqlite":
                session.connection().exec_driver_sql("PRAGMA busy_timeout = 500")
            shown = fetch_record(session, reader, record_id)
    finally:
        release.set()
        loading.join(60)

    assert shown is not None and shown.allowed
    with session_factory(engine)() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.actor == "sam.social", AuditEvent.subject_id == str(record_id))).all()
    assert [event.outcome for event in events] == ["allowed"]
    [load] = loads
    assert (load.status, load.rows_loaded, load.rows_updated) == ("completed", 5997, 0)


def test_a_second_load_of_a_source_while_one_is_under_way_is_refused(engine, tmp_path, monkeypatch):
    mapping_path = tmp_path / "register.toml"
    mapping_path.write_text(MAPPING)
    mapping = load_mapping(mapping_path)
    reached, release = threading.Event(), threading.Event()
    shape = rows_module.RecordBuilder.shape

    def pausing_shape(self, row_number, row, careful):
        if row_number == 3:
            reached.set()
            release.wait(60)
        return shape(self, row_number, row, careful)

    monkeypatch.setattr(rows_module.RecordBuilder, "shape", pausing_shape)
    loads = []
    loading = threading.Thread(target=lambda: loads.append(ingest_file(engine, mapping, register(tmp_path, "a.csv", 5))))
    loading.start()
    try:
        assert reached.wait(60)
        with pytest.raises(AlreadyRunning, match=r"a load of source 'test-register' is already running \(load 1 of "
                                                 r"a.csv, started .* UTC by cli\); wait for it to finish"):
            ingest_file(engine, mapping, register(tmp_path, "b.csv", 5))
    finally:
        release.set()
        loading.join(60)
    assert loads[0].status == "completed"
    with session_factory(engine)() as session:
        assert [load.file_name for load in list_loads(session)] == ["a.csv"]
