"""Measure the tamper-evident audit log: verifying a million entries, and sequencing them.

    .venv/bin/python benchmarks/audit.py                       # 1,000,000 entries, SQLite
    .venv/bin/python benchmarks/audit.py --entries 100000      # a quicker look
    .venv/bin/python benchmarks/audit.py --database-url postgresql://joinedup@127.0.0.1:5432/postgres

A fresh store (a temporary SQLite file, or a new database on the PostgreSQL server named)
is filled with person views as the policy point writes them: an audit event and a
sharing decision each, half the entries of each kind, with the columns a real view fills.
Then, each timed on its own:

- **sequencing the backlog**: every entry given its place and its leaf, in the
  sequencer's batches (what the first checkpoint after the log's introduction does);
- **sequencing steady work**: 1,000 more views (2,000 entries) written after it, then
  sequenced and signed in one ``make_checkpoint``, as the scheduled checkpoint does;
- **verifying**: ``joinedup audit verify``'s work (``verify_checkpoint``): every entry
  read, encoded and hashed again, compared with its leaf, and the tree rebuilt and
  checked against the signed checkpoint. Target: under 10 s for 1,000,000 entries.

Figures are wall-clock seconds on whatever machine runs this; the docs quote them with
the command and the date.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _store import fresh_store
from sqlalchemy import insert

import joinedup.schema  # noqa: F401 - every logged table registered
from joinedup.audit.checkpoints import load_signer
from joinedup.audit.log import make_checkpoint
from joinedup.audit.models import AuditEvent
from joinedup.audit.sequencer import sequence
from joinedup.audit.verify import DEFAULT_WORKERS, verify_checkpoint
from joinedup.db import utcnow
from joinedup.sharing.models import SharingDecision

TARGET_VERIFY_SECONDS = 10.0


def _views(start: int, count: int):
    """Audit events and decisions of ``count`` person views, as the policy point writes them."""
    began = utcnow() - timedelta(days=30)
    events, decisions = [], []
    for number in range(start, start + count):
        at = began + timedelta(seconds=number)
        person = f"P{number % 300_000:07d}"
        events.append({
            "at": at, "user_id": None, "actor": f"user{number % 5000:04d}", "organisation_id": None,
            "action": "person.view", "subject_type": "person", "subject_id": person, "outcome": "allowed",
            "channel": "web", "client_address": f"10.0.{number % 250}.{number % 200}", "reason": "",
            "details": {"purpose": "safeguarding", "fields": ["forename", "surname", "date_of_birth"],
                        "policies": ["agreement-3-v2"], "records": [number, number + 7]},
        })
        decisions.append({
            "at": at, "user_id": None, "username": f"user{number % 5000:04d}", "organisation_id": None,
            "person_id": person, "record_id": None, "source_organisation_id": None, "action": "person.view",
            "purpose": "safeguarding", "outcome": "shared" if number % 4 else "withheld",
            "basis": "Agreement MASH v2, clause 4.1", "agreement_version_id": None,
            "policy_ids": ["agreement-3-v2"], "fields": ["forename", "surname", "date_of_birth"],
            "reason": "", "channel": "web", "break_glass_id": None,
        })
    return events, decisions


def _fill(engine, views: int, start: int = 0) -> None:
    step = 25_000
    for offset in range(start, start + views, step):
        events, decisions = _views(offset, min(step, start + views - offset))
        with engine.begin() as connection:
            connection.execute(insert(AuditEvent.__table__), events)
            connection.execute(insert(SharingDecision.__table__), decisions)


def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (the verifying workers)."""
    times = os.times()
    return times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries in the log (half events, half decisions)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server to make a fresh database on")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"processes verifying (default {DEFAULT_WORKERS}, as joinedup audit verify)")
    arguments = parser.parse_args()
    views = arguments.entries // 2
    with tempfile.TemporaryDirectory() as folder:
        engine, drop = fresh_store(arguments.database_url, Path(folder), "audit-bench")
        try:
            signer = load_signer(Path(folder) / "audit-signing.key", "bench.example.org/audit")
            started = time.perf_counter()
            _fill(engine, views)
            print(f"store: {engine.dialect.name}; {2 * views:,} entries written in {time.perf_counter() - started:.1f} s")

            started, cpu = time.perf_counter(), time.process_time()
            sequence(engine)
            backlog, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"sequencing the backlog: {backlog:.1f} s, {backlog / (2 * views) * 1e6:.1f} µs per entry "
                  f"({cpu / (2 * views) * 1e6:.1f} µs of this process's CPU)")
            make_checkpoint(engine, signer)

            _fill(engine, 1_000, start=views)
            started, cpu = time.perf_counter(), time.process_time()
            checkpoint = make_checkpoint(engine, signer).checkpoint
            steady, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"sequencing steady work: 2,000 entries sequenced and signed in {steady * 1000:.0f} ms, "
                  f"{steady / 2000 * 1e6:.1f} µs per entry ({cpu / 2000 * 1e6:.1f} µs of this process's CPU)")

            started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
            with engine.connect() as connection:
                result = verify_checkpoint(connection, signer.verifier, workers=arguments.workers)
            took = time.perf_counter() - started
            cpu = time.process_time() - cpu + _children_cpu() - children
            assert result.ok, [str(failure) for failure in result.failures[:5]]
            target = TARGET_VERIFY_SECONDS * checkpoint.size / 1_000_000
            print(f"verifying {checkpoint.size:,} entries with {arguments.workers} worker(s): {took:.1f} s wall, "
                  f"{cpu:.1f} s of CPU (this process and its workers) "
                  f"(target: under {target:.1f} s; {'meets' if took < target else 'misses'} it)")
            print(f"load average while measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        finally:
            drop()


if __name__ == "__main__":
    main()
