"""Time the chronology: GET /persons/{id}/chronology and /chronology/family, signed in, in
process, with safeguarding a child stated for each person as a user would.

Runs against a data directory the demo built (``joinedup demo --no-serve``, SQLite or
``JOINEDUP_DATABASE_URL``). It signs in as the demo's social worker (``sam.social``),
takes the persons their organisation's records reach, up to ``--persons``, states the
purpose on each person's page, then opens each chronology and family chronology
``--rounds`` times, timing each answer, and counts the events shown.

    JOINEDUP_HOME=DIR .venv/bin/python benchmarks/chronology.py

The chronology is read only when asked for (the person page holds a link): its figures
are not the person page's. Prints the median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.accounts import find_user
from joinedup.config import load_settings
from joinedup.db import engine_for, session_factory
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.web import create_app

USERNAME = "sam.social"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
COUNT = re.compile(r'id="event-count">(\d+) event')


def persons_reached(engine, organisation_id: int, limit: int) -> list[str]:
    """Live persons the user's organisation holds a record of."""
    with session_factory(engine)() as session:
        return list(session.scalars(
            select(Person.person_id).distinct()
            .join(PersonRecord, PersonRecord.person_id == Person.id)
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(SourceSystem.owner_organisation_id == organisation_id, Person.retired_at.is_(None))
            .order_by(Person.person_id).limit(limit)))


def summary(label: str, timings: list[float], events: list[int]) -> str:
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) >= 20 else max(timings)
    return (f"{label}: {len(timings)} answers, median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms; "
            f"events shown median {statistics.median(events):.0f}, max {max(events)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    engine = engine_for(settings.database_url)
    password = json.loads((settings.home / "demo-credentials.json").read_text())["password"]
    with session_factory(engine)() as session:
        organisation_id = find_user(session, USERNAME).organisation_id
    persons = persons_reached(engine, organisation_id, args.persons)
    if not persons:
        raise SystemExit("no person that sam.social's organisation holds: run the demo first")
    client = TestClient(create_app(settings, engine=engine))
    token = TOKEN.search(client.get("/sign-in").text).group(1)
    client.post("/sign-in", data={"username": USERNAME, "password": password, "csrf_token": token})
    token = TOKEN.search(client.get("/").text).group(1)
    for person_id in persons:
        client.post(f"/persons/{person_id}/purpose", data={"csrf_token": token, "purpose": "safeguarding_child"})
    timings: dict[str, list[float]] = {"person": [], "family": []}
    events: dict[str, list[int]] = {"person": [], "family": []}
    for _ in range(args.rounds):
        for person_id in persons:
            for kind, path in (("person", f"/persons/{person_id}/chronology"),
                               ("family", f"/persons/{person_id}/chronology/family")):
                started = time.perf_counter()
                answer = client.get(path)
                timings[kind].append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"{path} answered {answer.status_code}")
                events[kind].append(int(COUNT.search(answer.text).group(1)))
    print(f"{len(persons)} persons, {args.rounds} rounds, store {engine.url.get_backend_name()}")
    print(summary("GET /persons/{id}/chronology", timings["person"], events["person"]))
    print(summary("GET /persons/{id}/chronology/family", timings["family"], events["family"]))


if __name__ == "__main__":
    main()
