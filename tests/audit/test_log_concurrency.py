"""The log under concurrent writers and checkpoints (PostgreSQL), and after processes are
killed mid-work (both stores): every checkpoint ever signed still verifies."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from log_support import ACTOR, write_entries
from sqlalchemy import func, select

from joinedup.audit import record_event
from joinedup.audit.checkpoints import load_signer
from joinedup.audit.log import make_checkpoint, prove_consistency, stored_checkpoints
from joinedup.audit.merkle import verify_consistency
from joinedup.audit.models import AuditEvent
from joinedup.audit.verify import verify_log
from joinedup.db import session_factory
from joinedup.sharing.models import SharingDecision

HERE = Path(__file__).parent


@pytest.fixture
def signer(tmp_path):
    return load_signer(tmp_path / "audit-signing.key", "hub.example.org/audit")


def _every_checkpoint_verifies(engine, signer) -> list:
    """Each kept checkpoint against today's rows, and each consistent with the next."""
    with engine.connect() as connection:
        kept = stored_checkpoints(connection, signer.verifier)
        for stored in kept:
            result = verify_log(connection, stored.checkpoint, kept=kept)
            assert result.ok, [str(failure) for failure in result.failures[:3]]
        for old, new in itertools.pairwise(kept):
            if old.checkpoint.size:
                verify_consistency(old.checkpoint.size, new.checkpoint.size, old.checkpoint.root,
                                   new.checkpoint.root, prove_consistency(connection, old.checkpoint.size,
                                                                          new.checkpoint.size))
    return kept


@pytest.mark.postgres
def test_a_transaction_that_commits_after_a_checkpoint_is_placed_after_it(postgres_engine, signer):
    """An entry written before a checkpoint but committed after it cannot land inside it."""
    write_entries(postgres_engine, 2)
    with session_factory(postgres_engine)() as late, late.begin():
        record_event(late, ACTOR, action="person.view", outcome="allowed", subject_type="person", subject_id="P9")
        late.flush()
        first = make_checkpoint(postgres_engine, signer).checkpoint
    assert first.size == 4
    second = make_checkpoint(postgres_engine, signer).checkpoint
    with postgres_engine.connect() as connection:
        assert connection.execute(select(AuditEvent.log_index).where(AuditEvent.subject_id == "P9")).scalar_one() == 4
    assert second.size == 5
    _every_checkpoint_verifies(postgres_engine, signer)


@pytest.mark.postgres
def test_concurrent_writers_and_checkpoints_leave_every_checkpoint_verifiable(postgres_engine, signer):
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            for batch in range(15):
                write_entries(postgres_engine, 2, start=number * 1000 + batch * 2)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    def checkpointer() -> None:
        try:
            while not writers_done.is_set():
                make_checkpoint(postgres_engine, signer)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(number,)) for number in range(4)]
    checkpointers = [threading.Thread(target=checkpointer) for _ in range(2)]
    for thread in writers + checkpointers:
        thread.start()
    for thread in writers:
        thread.join()
    writers_done.set()
    for thread in checkpointers:
        thread.join()
    assert not errors, errors
    final = make_checkpoint(postgres_engine, signer).checkpoint
    assert final.size == 4 * 15 * 2 * 2
    kept = _every_checkpoint_verifies(postgres_engine, signer)
    assert len(kept) >= 3, "checkpoints were taken while the writers wrote"


def test_killing_writers_and_the_sequencer_mid_work_leaves_the_log_verifiable(engine, signer, tmp_path):
    """kill -9 during heavy writing and checkpointing: what committed is whole (every view
    has its event and its decision) and the log, sequenced afresh, verifies."""
    url = engine.url.render_as_string(hide_password=False)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    key = str(tmp_path / "audit-signing.key")
    workers = [subprocess.Popen([sys.executable, str(HERE / "audit_worker.py"), role, url, key],
                                stdout=subprocess.PIPE, env=environment)
               for role in ("write", "write", "checkpoint")]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                kept = stored_checkpoints(connection, signer.verifier)
                if len(kept) >= 3 and kept[-1].checkpoint.size >= 40:
                    break
            time.sleep(0.2)
        time.sleep(0.3)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
    make_checkpoint(engine, signer)
    kept = _every_checkpoint_verifies(engine, signer)
    assert len(kept) >= 3
    with engine.connect() as connection:
        events = connection.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        decisions = connection.execute(select(func.count()).select_from(SharingDecision)).scalar_one()
        viewed = set(connection.execute(select(AuditEvent.subject_id)).scalars())
        decided = set(connection.execute(select(SharingDecision.person_id)).scalars())
    assert events == decisions > 0 and viewed == decided
    assert kept[-1].checkpoint.size == events + decisions
