"""Measure a monitoring run: the first over a day's backlog, then a scheduled one.

    .venv/bin/python benchmarks/monitoring.py                     # 200,000 events, 1,000 users, SQLite
    .venv/bin/python benchmarks/monitoring.py --events 20000      # a quicker look
    .venv/bin/python benchmarks/monitoring.py --database-url postgresql://joinedup@127.0.0.1:5432/postgres

A fresh store gets users spread over five organisations and a working day of their audit
events as the app writes them: person views (most with a relationship stated, some with
none, some at night), refusals, and a few break-glass starts. The log is sequenced
first (as the scheduled checkpoint would have), then timed on their own:

- **the first run**: every event read and the rules applied, tasks raised;
- **a scheduled run**: 1,000 more events, as 15 minutes of a busy place might write.

Figures are wall-clock seconds on whatever machine runs this.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _store import fresh_store
from sqlalchemy import func, insert, select

import joinedup.schema  # noqa: F401 - every logged table registered
from joinedup.accounts.models import User
from joinedup.audit import Actor
from joinedup.audit.models import AuditEvent
from joinedup.audit.sequencer import sequence
from joinedup.db import transaction
from joinedup.monitoring import MonitoringRules, MonitoringTask, run_monitoring
from joinedup.partners.models import Organisation

DAY = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def _people(engine, users: int) -> list[tuple[int, int]]:
    with transaction(engine) as session:
        organisations = []
        for number in range(5):
            organisation = Organisation(code=f"ORG{number}", name=f"Organisation {number}", type="local_authority")
            session.add(organisation)
            session.flush()
            organisations.append(organisation.id)
        session.execute(insert(User.__table__), [
            {"username": f"user{number:05d}", "password_hash": "-", "display_name": f"User {number}",
             "organisation_id": organisations[number % 5], "team": "", "job_title": "", "roles": ["practitioner"],
             "active": True, "created_at": DAY}
            for number in range(users)])
        return list(session.execute(select(User.id, User.organisation_id)))


def _events(people: list[tuple[int, int]], start: int, count: int, began: datetime) -> list[dict]:
    rows = []
    for number in range(start, start + count):
        user_id, organisation_id = people[number % len(people)]
        at = began + timedelta(seconds=number * 86_400 // max(count, 1) if start == 0 else number - start)
        kind = number % 50
        action, outcome, details = "person.view", "allowed", {"purpose": "record.view", "records_shown": 2,
                                                               "relationship": "Allocated social worker"}
        if kind == 0:
            outcome, details = "denied", {"purpose": "record.view", "records_shown": 0}
        elif kind == 1:
            details = {"purpose": "record.view", "records_shown": 1}
        elif kind == 2 and number % 1000 == 2:
            action, outcome, details = "sharing.break_glass.start", "success", {"break_glass_id": number}
        rows.append({"at": at, "user_id": user_id, "actor": f"user{user_id:05d}", "organisation_id": organisation_id,
                     "action": action, "subject_type": "person", "subject_id": f"P{number % 300_000:010d}",
                     "outcome": outcome, "channel": "web", "client_address": "10.0.0.1", "reason": "",
                     "details": details})
    return rows


def _fill(engine, rows: list[dict]) -> None:
    for offset in range(0, len(rows), 25_000):
        with engine.begin() as connection:
            connection.execute(insert(AuditEvent.__table__), rows[offset:offset + 25_000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000, help="audit events in the day's backlog")
    parser.add_argument("--users", type=int, default=1_000, help="users writing them")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server to make a fresh database on")
    arguments = parser.parse_args()
    actor = Actor.system("cli", "benchmark")
    with tempfile.TemporaryDirectory() as folder:
        engine, drop = fresh_store(arguments.database_url, Path(folder), "monitoring-bench")
        try:
            people = _people(engine, arguments.users)
            _fill(engine, _events(people, 0, arguments.events, DAY))
            sequence(engine)
            started = time.perf_counter()
            first = run_monitoring(engine, actor, MonitoringRules())
            took = time.perf_counter() - started
            print(f"store: {engine.dialect.name}; {arguments.users:,} users")
            print(f"first run: {first.read:,} events read, {first.total:,} tasks raised "
                  f"({', '.join(f'{rule} {count:,}' for rule, count in first.raised.items())}) in {took:.1f} s")
            _fill(engine, _events(people, arguments.events, 1_000, DAY + timedelta(days=1)))
            sequence(engine)
            started = time.perf_counter()
            later = run_monitoring(engine, actor, MonitoringRules())
            took = time.perf_counter() - started
            with transaction(engine) as session:
                tasks = session.scalar(select(func.count()).select_from(MonitoringTask))
            print(f"scheduled run: {later.read:,} new events read, {later.total:,} tasks raised in "
                  f"{took * 1000:.0f} ms ({tasks:,} tasks in all)")
        finally:
            drop()


if __name__ == "__main__":
    main()
