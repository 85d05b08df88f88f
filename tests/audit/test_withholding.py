"""Withholding the log's oldest entries (tlog-tiles style): their rows go, their leaves
stay, the tree and every signed checkpoint are unchanged and the log still verifies; a
row deleted any other way is still named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from log_support import ACTOR, verify, write_entries
from sqlalchemy import func, insert, select, text, update

from joinedup.audit.checkpoints import load_signer
from joinedup.audit.log import make_checkpoint, make_receipt
from joinedup.audit.models import AuditEvent, AuditLogLeaf
from joinedup.audit.withholding import plan_withholding, withhold_before
from joinedup.db import transaction, utcnow
from joinedup.sharing.models import SharingDecision, SharingDecisionRecord


@pytest.fixture
def signer(tmp_path):
    return load_signer(tmp_path / "audit-signing.key", "hub.example.org/audit")


@pytest.fixture
def aged(engine, signer):
    """Ten views; the first four dated ten years ago; sequenced and signed."""
    write_entries(engine, 10)
    old = utcnow() - timedelta(days=3650)
    with engine.begin() as connection:
        for table in (AuditEvent.__table__, SharingDecision.__table__):
            connection.execute(update(table).where(table.c.id <= 4).values(at=old))
    make_checkpoint(engine, signer)
    return engine


def _rows(engine) -> int:
    with engine.connect() as connection:
        return sum(connection.execute(select(func.count()).select_from(table)).scalar_one()
                   for table in (AuditEvent.__table__, SharingDecision.__table__))


def test_old_entries_are_withheld_and_the_log_still_verifies(aged, signer):
    first = make_checkpoint(aged, signer).checkpoint
    cutoff = utcnow() - timedelta(days=365 * 8)
    with aged.connect() as connection:
        planned = plan_withholding(connection, cutoff)
    assert (planned.below, planned.entries) == (8, 8), "the four old views' events and decisions lead the log"
    assert _rows(aged) == 20
    with transaction(aged) as session:
        done = withhold_before(session, ACTOR, cutoff)
    assert done.entries == 8 and _rows(aged) == 20 - 8 + 1, "the withholding is itself an entry"
    with aged.connect() as connection:
        assert connection.execute(select(func.count()).select_from(AuditLogLeaf)).scalar_one() == 20
    after = make_checkpoint(aged, signer).checkpoint
    result = verify(aged, signer)
    assert result.ok, result.failures
    assert result.withheld == 8
    assert verify(aged, signer, first).ok, "a checkpoint a partner kept before still verifies"
    with aged.connect() as connection:
        assert make_receipt(connection, signer.verifier, f"#{after.size - 2}"), "a later entry still has its proof"


def test_nothing_new_is_withheld_twice(aged, signer):
    cutoff = utcnow() - timedelta(days=365 * 8)
    with transaction(aged) as session:
        withhold_before(session, ACTOR, cutoff)
    with transaction(aged) as session:
        again = withhold_before(session, ACTOR, cutoff)
    assert again.entries == 0
    with aged.connect() as connection:
        events = connection.execute(select(func.count()).where(AuditEvent.action == "audit.withhold")).scalar_one()
    assert events == 1


def test_a_row_deleted_above_the_mark_is_still_named(aged, signer):
    with transaction(aged) as session:
        withhold_before(session, ACTOR, utcnow() - timedelta(days=365 * 8))
    make_checkpoint(aged, signer)
    with aged.begin() as connection:
        connection.execute(text("delete from audit_events where id = 6"))
    result = verify(aged, signer)
    assert not result.ok and result.first.kind == "deleted" and result.first.row_id == 6


def test_a_forged_withholding_does_not_excuse_deleted_rows(aged, signer):
    """Someone deletes the newest entries and writes a withholding event claiming them: the
    forged event holds no place in the log, so the deleted rows are still named."""
    with aged.begin() as connection:
        connection.execute(text("delete from sharing_decisions where id >= 9"))
        connection.execute(AuditEvent.__table__.insert().values(
            at=utcnow(), actor="x", action="audit.withhold", outcome="success", details={"withheld_below": 20},
            log_index=5))
    result = verify(aged, signer)
    assert not result.ok
    assert {failure.kind for failure in result.failures} >= {"deleted", "forged"}


def test_a_withheld_decision_takes_the_index_of_its_records_with_it(engine, signer):
    """The index that finds a decision by its records (``sharing_decision_records``) keeps
    nothing of a withheld entry, and a later entry keeps its own."""
    write_entries(engine, 10)
    old = utcnow() - timedelta(days=3650)
    with transaction(engine) as session:
        for table in (AuditEvent.__table__, SharingDecision.__table__):
            session.execute(update(table).where(table.c.id <= 4).values(at=old))
        for decision_id in (2, 6):
            session.execute(update(SharingDecision.__table__).where(SharingDecision.id == decision_id).values(
                record_ids=[7, 8], record_count=2))
            session.execute(insert(SharingDecisionRecord.__table__), [
                {"decision_id": decision_id, "record_id": record_id} for record_id in (7, 8)])
    make_checkpoint(engine, signer)
    with transaction(engine) as session:
        withhold_before(session, ACTOR, utcnow() - timedelta(days=365 * 8))
    with engine.connect() as connection:
        kept = connection.execute(select(SharingDecisionRecord.decision_id, SharingDecisionRecord.record_id)
                                  .order_by(SharingDecisionRecord.record_id)).all()
    assert kept == [(6, 7), (6, 8)]
    make_checkpoint(engine, signer)
    assert verify(engine, signer).ok
