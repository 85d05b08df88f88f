"""Time the person page with who is involved: GET /persons/{id}, signed in, in process.

Runs against a data directory the demo built (``joinedup demo --no-serve``, SQLite or
``JOINEDUP_DATABASE_URL``). It signs in as the demo's social worker (``sam.social``) and
opens every person their organisation's records reach that has at least one involvement,
up to ``--persons``, ``--rounds`` times, timing each answer; and times
:func:`joinedup.disclosure.view_person` (the page's read without who is involved) and
:func:`joinedup.involvements.who_is_involved`, :func:`joinedup.flags.flags_on_page` and
:func:`joinedup.involvements.team_of_view` alone
for the same persons (the policy point's decisions and their audit included, in a
transaction rolled back).

    JOINEDUP_HOME=DIR .venv/bin/python benchmarks/person_page.py
    JOINEDUP_HOME=DIR JOINEDUP_DATABASE_URL=postgresql://... .venv/bin/python benchmarks/person_page.py

Prints the median and 95th percentile in milliseconds against the issue's target: the
person page p95 at most 150 ms at 20,000 people.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from joinedup.accounts import find_user
from joinedup.audit import Actor
from joinedup.config import load_settings
from joinedup.db import engine_for, session_factory
from joinedup.disclosure import access_action, view_person
from joinedup.ingest.models import SourceRecord
from joinedup.flags import flags_on_page
from joinedup.involvements import Involvement, team_of_view, who_is_involved
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.web import create_app

TARGET_P95_MS = 150.0
USERNAME = "sam.social"


def persons_with_involvements(engine, organisation_id: int, limit: int) -> list[str]:
    """Persons the user's organisation holds a record of, with at least one involvement."""
    with session_factory(engine)() as session:
        involved = select(PersonRecord.person_id).join(
            Involvement, Involvement.source_record_id == PersonRecord.source_record_id)
        return list(session.scalars(
            select(Person.person_id).distinct()
            .join(PersonRecord, PersonRecord.person_id == Person.id)
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(SourceSystem.owner_organisation_id == organisation_id, Person.retired_at.is_(None),
                   Person.id.in_(involved))
            .order_by(Person.person_id).limit(limit)))


def summary(label: str, timings: list[float]) -> str:
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) >= 20 else max(timings)
    return (f"{label}: {len(timings)} answers, median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms "
            f"(target p95 <= {TARGET_P95_MS:.0f} ms for the page)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--purpose", default="",
                        help="State this purpose (e.g. safeguarding_child) on each person's page first, as a user "
                             "would: the page then shows partners' records, flags and family as that purpose allows. "
                             "The parts timed alone are read without it.")
    args = parser.parse_args()
    settings = load_settings()
    engine = engine_for(settings.database_url)
    password = json.loads((settings.home / "demo-credentials.json").read_text())["password"]
    with session_factory(engine)() as session:
        user = find_user(session, USERNAME)
        actor = Actor(user_id=user.id, username=user.username, organisation_id=user.organisation_id,
                      roles=frozenset(user.roles), channel="benchmark")
    persons = persons_with_involvements(engine, actor.organisation_id, args.persons)
    if not persons:
        raise SystemExit("no person with an involvement that sam.social's organisation holds: run the demo first")
    client = TestClient(create_app(settings, engine=engine))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
    client.post("/sign-in", data={"username": USERNAME, "password": password, "csrf_token": token})
    if args.purpose:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
        for person_id in persons:
            stated = client.post(f"/persons/{person_id}/purpose", data={"csrf_token": token, "purpose": args.purpose},
                                 follow_redirects=False)
            if stated.status_code != 303:
                raise SystemExit(f"stating {args.purpose} for {person_id} answered {stated.status_code}")
    pages, alone, viewed, flagged, teamed = [], [], [], [], []
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_):
        statements[0] += 1

    per_page = []
    for _ in range(args.rounds):
        for person_id in persons:
            before, started = statements[0], time.perf_counter()
            answer = client.get(f"/persons/{person_id}")
            pages.append((time.perf_counter() - started) * 1000)
            per_page.append(statements[0] - before)
            if answer.status_code != 200 or 'id="who-is-involved"' not in answer.text:
                raise SystemExit(f"/persons/{person_id} answered {answer.status_code} without who is involved")
            with session_factory(engine)() as session:
                started = time.perf_counter()
                view = view_person(session, actor, person_id, action=access_action(actor))
                viewed.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                who_is_involved(session, actor, view)
                alone.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                flags_on_page(session, actor, view)
                flagged.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                team_of_view(session, actor, view)
                teamed.append((time.perf_counter() - started) * 1000)
                session.rollback()
    print(f"{len(persons)} persons with involvements, {args.rounds} rounds, store {engine.url.get_backend_name()}, "
          f"purpose stated: {args.purpose or 'none'}")
    print(summary("GET /persons/{id}", pages))
    print(f"statements the page sends to the database: median {statistics.median(per_page):.0f}, "
          f"most {max(per_page)} (each one a round trip on PostgreSQL)")
    print(summary("view_person alone (the page's read before this issue)", viewed))
    print(summary("who_is_involved alone", alone))
    print(summary("flags_on_page alone (one query, the flags' decisions and their audit event)", flagged))
    print(summary("team_of_view alone (the team around the family, from the page's own view)", teamed))


if __name__ == "__main__":
    main()
