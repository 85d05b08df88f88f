"""The tamper-evident log on both stores: sequencing, checkpoints, receipts, consistency,
and tampering done straight to the database, each named by its first failing entry."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from log_support import verify, write_entries
from sqlalchemy import select, text, update

from joinedup.audit.checkpoints import CheckpointError, load_signer
from joinedup.audit.entries import EntryReader, logged_table
from joinedup.audit.log import (
    LogError,
    check_consistency,
    check_receipt,
    consistency_text,
    make_checkpoint,
    make_receipt,
    prove_consistency,
)
from joinedup.audit.merkle import ProofError
from joinedup.audit.models import AuditEvent, AuditLogLeaf, AuditLogState
from joinedup.audit.sequencer import sequence
from joinedup.db import transaction, utcnow
from joinedup.sharing.models import SharingDecision


@pytest.fixture
def signer(tmp_path):
    return load_signer(tmp_path / "audit-signing.key", "hub.example.org/audit")


@pytest.fixture
def logged(engine, signer):
    """Six views (twelve entries), sequenced and signed."""
    write_entries(engine, 6)
    make_checkpoint(engine, signer)
    return engine


def _position(engine, table, row_id: int) -> int:
    with engine.connect() as connection:
        return connection.execute(select(table.c.log_index).where(table.c.id == row_id)).scalar_one()


def test_every_committed_entry_gets_one_dense_place_and_the_checkpoint_verifies(logged, signer):
    with logged.connect() as connection:
        places = sorted([*connection.execute(select(AuditEvent.log_index)).scalars(),
                         *connection.execute(select(SharingDecision.log_index)).scalars()])
    assert places == list(range(12))
    result = verify(logged, signer)
    assert result.ok, [str(failure) for failure in result.failures]
    assert (result.checkpoint.size, result.sequenced, result.unsequenced) == (12, 12, 0)


def test_a_checkpoint_covers_only_what_is_sequenced_and_repeats_when_nothing_is_new(logged, signer):
    first = make_checkpoint(logged, signer)
    assert not first.new and first.checkpoint.size == 12
    write_entries(logged, 2, start=6)
    result = verify(logged, signer)
    assert result.ok and result.unsequenced == 4
    second = make_checkpoint(logged, signer)
    assert second.new and second.checkpoint.size == 16
    assert verify(logged, signer).ok


def test_the_checkpoint_text_is_a_signed_note_of_origin_size_and_root(logged, signer):
    note = make_checkpoint(logged, signer).checkpoint.note
    origin, size, root, blank, signature, end = note.split("\n")
    assert (origin, size, blank, end) == ("hub.example.org/audit", "12", "", "")
    assert len(base64.b64decode(root)) == 32
    assert signature.startswith("\u2014 hub.example.org/audit ")
    assert base64.b64decode(signature.split(" ")[2])[:4] == signer.verifier.key_id


def test_a_receipt_is_checked_with_the_public_key_alone(logged, signer, tmp_path):
    decision = _position(logged, SharingDecision.__table__, 3)
    with logged.connect() as connection:
        receipt = make_receipt(connection, signer.verifier, "sharing_decisions:3")
        by_place = make_receipt(connection, signer.verifier, f"#{decision}")
    checked = check_receipt(receipt, signer.verifier)
    assert (checked.index, checked.entry["table"], checked.entry["id"]) == (decision, "sharing_decisions", 3)
    assert checked.entry["person_id"] == "P000002"
    assert by_place == receipt
    forged = receipt.replace("P000002", "P000009")
    with pytest.raises(ProofError):
        check_receipt(forged, signer.verifier)
    other = load_signer(tmp_path / "other.key", "hub.example.org/audit")
    with pytest.raises(CheckpointError):
        check_receipt(receipt, other.verifier)


def test_an_entry_not_yet_checkpointed_gets_no_receipt(logged, signer):
    write_entries(logged, 1, start=6)
    with logged.connect() as connection, pytest.raises(LogError, match="not sequenced yet"):
        make_receipt(connection, signer.verifier, "audit_events:7")
    sequence(logged)
    with logged.connect() as connection, pytest.raises(LogError, match="not covered by a checkpoint"):
        make_receipt(connection, signer.verifier, "audit_events:7")
    with logged.connect() as connection, pytest.raises(LogError, match="no entry"):
        make_receipt(connection, signer.verifier, "audit_events:999")


def test_a_partner_checks_consistency_between_the_checkpoints_they_kept(logged, signer):
    old = make_checkpoint(logged, signer).checkpoint
    write_entries(logged, 5, start=6)
    new = make_checkpoint(logged, signer).checkpoint
    with logged.connect() as connection:
        proof = consistency_text(old, new, prove_consistency(connection, old.size, new.size))
    assert check_consistency(old.note, new.note, proof, signer.verifier) == (old, new)
    with pytest.raises(ProofError):
        check_consistency(new.note, old.note, proof, signer.verifier)
    bent = proof.replace(proof.split('"')[proof.split('"').index("proof") + 2][:4], "AAAA")
    with pytest.raises(ProofError):
        check_consistency(old.note, new.note, bent, signer.verifier)


def test_an_edited_entry_is_named(logged, signer):
    place = _position(logged, AuditEvent.__table__, 4)
    with logged.begin() as connection:
        connection.execute(update(AuditEvent.__table__).where(AuditEvent.id == 4).values(outcome="denied"))
    result = verify(logged, signer)
    assert not result.ok
    assert (result.first.index, result.first.source, result.first.row_id, result.first.kind) == \
        (place, "audit_events", 4, "edited")


@pytest.mark.parametrize(("row_id", "records"), [(2, None), (2, [7]), (2, [7, 8, 9]), (2, "null"), (1, "null"),
                                                 (1, [7, 8])])
def test_an_entry_naming_several_records_verifies_and_its_records_cannot_be_edited(engine, signer, row_id, records):
    """docs/audit.md: an entry holding ``record_ids`` is encoded as version 2. It verifies
    beside version 1 entries, and dropping, changing or adding one of its records, giving
    records to an entry that had none, or writing JSON null for none, is an edit."""
    write_entries(engine, 2)
    with transaction(engine) as session:
        session.execute(update(SharingDecision.__table__).where(SharingDecision.id == 2).values(
            record_ids=[7, 8], record_count=2))
    make_checkpoint(engine, signer)
    assert verify(engine, signer).ok
    with engine.begin() as connection:
        if records == "null":
            connection.execute(text("update sharing_decisions set record_ids = 'null' where id = :id"), {"id": row_id})
        else:
            connection.execute(update(SharingDecision.__table__).where(SharingDecision.id == row_id).values(
                record_ids=records))
    result = verify(engine, signer)
    assert (result.ok, result.first.source, result.first.row_id, result.first.kind) == (
        False, "sharing_decisions", row_id, "edited")


def test_a_deleted_entry_is_named(logged, signer):
    place = _position(logged, SharingDecision.__table__, 2)
    with logged.begin() as connection:
        connection.execute(text("delete from sharing_decisions where id = 2"))
    result = verify(logged, signer)
    assert (result.first.index, result.first.source, result.first.row_id, result.first.kind) == \
        (place, "sharing_decisions", 2, "deleted")


def test_two_swapped_entries_are_named_at_the_first(logged, signer):
    first, second = _position(logged, AuditEvent.__table__, 2), _position(logged, AuditEvent.__table__, 5)
    with logged.begin() as connection:
        connection.execute(text("update audit_events set log_index = -1 where id = 2"))
        connection.execute(text("update audit_events set log_index = :place where id = 5"), {"place": first})
        connection.execute(text("update audit_events set log_index = :place where id = 2"), {"place": second})
    result = verify(logged, signer)
    assert (result.first.index, result.first.row_id, result.first.kind) == (first, 5, "moved")
    assert [failure.index for failure in result.failures] == [first, second]


def test_two_entries_with_swapped_contents_are_named_at_the_first(logged, signer):
    with logged.begin() as connection:
        connection.execute(text("update sharing_decisions set person_id = 'P000004' where id = 2"))
        connection.execute(text("update sharing_decisions set person_id = 'P000001' where id = 5"))
    result = verify(logged, signer)
    assert (result.first.index, result.first.row_id, result.first.kind) == \
        (_position(logged, SharingDecision.__table__, 2), 2, "edited")


def test_an_entry_inserted_into_the_sequence_is_named(logged, signer):
    place = _position(logged, AuditEvent.__table__, 3)
    with logged.begin() as connection:
        connection.execute(text(
            "insert into audit_events (id, at, actor, action, subject_type, subject_id, outcome, channel,"
            " client_address, reason, details, log_index) values (100, :at, 'sam.social', 'person.view', 'person',"
            " 'P000099', 'allowed', 'web', '10.0.0.7', '', '{}', :place)"), {"at": utcnow(), "place": place + 100})
        connection.execute(text("update audit_events set log_index = log_index + 1000 where log_index >= :place"),
                           {"place": place})
        connection.execute(text("update sharing_decisions set log_index = log_index + 1000 where log_index >= :place"),
                           {"place": place})
        connection.execute(text("update audit_events set log_index = log_index - 999 where log_index >= 1000"))
        connection.execute(text("update sharing_decisions set log_index = log_index - 999 where log_index >= 1000"))
        connection.execute(text("update audit_events set log_index = :place where id = 100"), {"place": place})
    result = verify(logged, signer)
    assert (result.first.index, result.first.source, result.first.row_id, result.first.kind) == \
        (place, "audit_events", 100, "moved")


def test_a_forged_entry_claiming_a_taken_place_is_named(logged, signer):
    with logged.begin() as connection:
        connection.execute(text(
            "insert into sharing_decisions (id, at, username, person_id, action, purpose, outcome, basis,"
            " policy_ids, fields, reason, channel, log_index) values (100, :at, 'sam.social', 'P000099',"
            " 'person.view', 'safeguarding', 'shared', '', '[]', '[]', '', 'web', 2)"), {"at": utcnow()})
    result = verify(logged, signer)
    assert [(failure.index, failure.row_id, failure.kind) for failure in result.failures] == [(2, 100, "forged")]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_forged_entry_in_the_table_read_first_is_named_not_the_row_it_displaces(logged, signer, monkeypatch,
                                                                                  workers):
    """The tables are read one after the other: a forger in the first one is read before
    the genuine row of the place it claims, and must still be the one named."""
    monkeypatch.setattr("joinedup.audit.verify.RANGE_MINIMUM", 1)
    place = _position(logged, SharingDecision.__table__, 2)
    with logged.begin() as connection:
        connection.execute(text(
            "insert into audit_events (id, at, actor, action, subject_type, subject_id, outcome, channel,"
            " client_address, reason, details, log_index) values (100, :at, 'sam.social', 'person.view', 'person',"
            " 'P000099', 'allowed', 'web', '10.0.0.7', '', '{}', :place)"), {"at": utcnow(), "place": place})
    result = verify(logged, signer, workers=workers)
    assert [(failure.index, failure.source, failure.row_id, failure.kind) for failure in result.failures] == \
        [(place, "audit_events", 100, "forged")]


def test_workers_checking_ranges_find_what_one_process_finds(logged, signer, monkeypatch):
    monkeypatch.setattr("joinedup.audit.verify.RANGE_MINIMUM", 1)
    seen = []
    assert verify(logged, signer, workers=3, progress=lambda done, total: seen.append((done, total))).ok
    assert seen[-1] == (12, 12)
    with logged.begin() as connection:
        connection.execute(update(AuditEvent.__table__).where(AuditEvent.id == 6).values(outcome="denied"))
        connection.execute(text("delete from sharing_decisions where id = 2"))
        swapped = [_position(logged, SharingDecision.__table__, row_id) for row_id in (4, 5)]
        connection.execute(text("update sharing_decisions set log_index = -1 where id = 4"))
        connection.execute(text("update sharing_decisions set log_index = :place where id = 5"), {"place": swapped[0]})
        connection.execute(text("update sharing_decisions set log_index = :place where id = 4"), {"place": swapped[1]})
        connection.execute(text(
            "insert into sharing_decisions (id, at, username, person_id, action, purpose, outcome, basis,"
            " policy_ids, fields, reason, channel, log_index) values (100, :at, 'sam.social', 'P000099',"
            " 'person.view', 'safeguarding', 'shared', '', '[]', '[]', '', 'web', :place)"),
            {"at": utcnow(), "place": _position(logged, AuditEvent.__table__, 1)})
        connection.execute(text("update audit_events set log_index = 40 where id = 3"))
    alone = verify(logged, signer)
    shared = verify(logged, signer, workers=3)
    assert {failure.kind for failure in alone.failures} == {"edited", "deleted", "moved", "forged"}
    assert [str(failure) for failure in shared.failures] == [str(failure) for failure in alone.failures]
    assert shared.first == alone.first


def test_a_backdated_entry_written_after_a_checkpoint_is_named(logged, signer):
    with logged.begin() as connection:
        connection.execute(text(
            "insert into audit_events (id, at, actor, action, subject_type, subject_id, outcome, channel,"
            " client_address, reason, details) values (100, :at, 'sam.social', 'person.view', 'person',"
            " 'P000099', 'allowed', 'web', '10.0.0.7', '', '{}')"), {"at": utcnow() - timedelta(days=2)})
    result = verify(logged, signer)
    assert [(failure.index, failure.row_id, failure.kind) for failure in result.failures] == [
        (None, 100, "backdated")]


def test_an_entry_rewritten_with_its_stored_leaf_is_found_by_the_kept_checkpoints(logged, signer):
    """Rows and stored leaves rewritten together leave no local trace; the signed roots
    of the kept checkpoints narrow it to the range that holds it."""
    write_entries(logged, 4, start=6)
    make_checkpoint(logged, signer)
    write_entries(logged, 4, start=10)
    make_checkpoint(logged, signer)
    place = _position(logged, AuditEvent.__table__, 8)
    with logged.begin() as connection:
        connection.execute(update(AuditEvent.__table__).where(AuditEvent.id == 8).values(outcome="denied"))
    with transaction(logged) as session:
        reader = EntryReader(logged_table("audit_events"), session.get_bind().dialect)
        [row] = reader.rows(session.connection(), AuditEvent.__table__.c.id == 8)
        session.execute(update(AuditLogLeaf.__table__).where(AuditLogLeaf.log_index == place)
                        .values(leaf_hash=reader.hash(8, row[2:])))
    result = verify(logged, signer)
    first = result.first
    assert (first.index, first.row_id, first.kind) == (12, 20, "rewritten")
    assert 12 <= place < 20


def test_a_checkpoint_is_never_signed_over_a_forked_tree(logged, signer):
    """Whatever is done to the sequencer's state, the next checkpoint must extend the last."""
    with logged.begin() as connection:
        connection.execute(update(AuditLogState.__table__).values(frontier=["00" * 32, "00" * 32]))
    write_entries(logged, 1, start=6)
    with pytest.raises(LogError, match="does not extend"):
        make_checkpoint(logged, signer)


def test_a_json_value_damaged_beyond_parsing_is_an_edit_not_a_crash(sqlite_engine, signer):
    """SQLite stores JSON as text and does not check it: a value made unreadable is named
    like any other edit, and the sequencer still places an entry holding one."""
    write_entries(sqlite_engine, 3)
    make_checkpoint(sqlite_engine, signer)
    with sqlite_engine.begin() as connection:
        connection.execute(text("update audit_events set details = '{\"fields\": [' where id = 2"))
        connection.execute(text("insert into audit_events (at, actor, action, subject_type, subject_id, outcome,"
                                " channel, client_address, reason, details) values (:at, 'sam.social', 'person.view',"
                                " 'person', 'P7', 'allowed', 'web', '', '', 'not json')"), {"at": utcnow()})
    result = verify(sqlite_engine, signer)
    assert [(failure.row_id, failure.kind) for failure in result.failures] == [(2, "edited")]
    assert make_checkpoint(sqlite_engine, signer).checkpoint.size == 7


def test_a_kept_checkpoint_altered_in_the_database_is_named(logged, signer):
    with logged.begin() as connection:
        connection.execute(text("update audit_checkpoints set note = replace(note, '\n12\n', '\n11\n')"))
    with pytest.raises(CheckpointError, match="kept as number 1 .* does not match"):
        verify(logged, signer)
