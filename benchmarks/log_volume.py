"""How much the log grows per person-page view and per search, and in a year.

Builds the demo place (``joinedup demo --no-serve``) in a temporary data directory, signs
in as a social worker through the JSON API in process, and runs a session of searches
(surnames the place holds) and person-page views with a safeguarding purpose stated, as a
practitioner would. For each kind of request it counts the rows added to the audit trail
(``audit_events``) and the decision log (``sharing_decisions``), and their bytes (each
row's values as text: what the store keeps, without its page overhead).

Beside each figure it prints what per-record logging would have written for the same
requests (an audit event and a decision row for every record decided, as before the log
was summarised per request): the records decided are in each request's audit event.

The one-year projection multiplies by the assumptions printed with it (a place of 300,000
people and 5,000 users; per working day, each frontline user makes ``--searches-a-day``
searches (with a purpose stated) and ``--views-a-day`` person-page views; 250 working days). A
search with no purpose stated, where most records are withheld, is measured too.

    .venv/bin/python benchmarks/log_volume.py
    .venv/bin/python benchmarks/log_volume.py --people 20000 --requests 100
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import Table, func, select

from joinedup.audit import AuditEvent
from joinedup.config import load_settings
from joinedup.db import make_engine, transaction
from joinedup.demo import demo_password
from joinedup.people.models import Person
from joinedup.sharing.models import SharingDecision
from joinedup.web import create_app

USERS = 5_000
WORKING_DAYS = 250
PLACE_PEOPLE = 300_000
PURPOSE = {"purpose": "safeguarding_child", "relationship": "Allocated social worker"}


def _bytes(session, table: Table, after_id: int) -> tuple[int, int]:
    """Rows of ``table`` added after ``after_id``, and their values' length as text."""
    rows = session.execute(select(table).where(table.c.id > after_id)).all()
    return len(rows), sum(len(str(value)) for row in rows for value in row if value is not None)


def _widest(session, most: int = 5) -> list[tuple[str, float]]:
    """The decision log's columns holding the most text, by mean bytes per row."""
    rows = session.execute(select(SharingDecision.__table__)).mappings().all()
    sizes = Counter()
    for row in rows:
        for column, value in row.items():
            sizes[column] += len(str(value)) if value is not None else 0
    return [(column, total / max(len(rows), 1)) for column, total in sizes.most_common(most)]


def _marks(session) -> tuple[int, int]:
    return (session.scalar(select(func.max(AuditEvent.id))) or 0,
            session.scalar(select(func.max(SharingDecision.id))) or 0)


def _measure(engine, client: TestClient, urls: list[str]) -> dict[str, float]:
    """Ask each url; what the log gained, per request, and what per-record logging would have."""
    with transaction(engine) as session:
        events_from, decisions_from = _marks(session)
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code, response.text[:200])
    with transaction(engine) as session:
        events, event_bytes = _bytes(session, AuditEvent.__table__, events_from)
        decisions, decision_bytes = _bytes(session, SharingDecision.__table__, decisions_from)
        decided = Counter()
        for details in session.scalars(select(AuditEvent.details).where(AuditEvent.id > events_from)):
            decided["records"] += (details or {}).get("shared", 0) + (details or {}).get("withheld", 0)
    count = len(urls)
    per_event = event_bytes / max(events, 1)
    per_decision = decision_bytes / max(decisions, 1)
    return {
        "rows": (events + decisions) / count,
        "bytes": (event_bytes + decision_bytes) / count,
        "records": decided["records"] / count,
        # Per-record logging: an event and a decision row of about today's sizes per record decided.
        "before_rows": 2 * decided["records"] / count,
        "before_bytes": decided["records"] * (per_event + per_decision) / count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2_000, help="Size of the demo place.")
    parser.add_argument("--requests", type=int, default=40, help="Searches, and person-page views, to make.")
    parser.add_argument("--searches-a-day", type=int, default=20)
    parser.add_argument("--views-a-day", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "JOINEDUP_HOME": home}
        env.pop("JOINEDUP_DATABASE_URL", None)
        print(f"Building the demo place of {args.people:,} people ...", flush=True)
        subprocess.run([sys.executable, "-m", "joinedup.cli", "demo", "--people", str(args.people), "--no-serve"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        os.environ["JOINEDUP_HOME"] = home
        settings = load_settings()
        engine = make_engine(settings.database_url)
        app = create_app(settings, engine=engine)
        with transaction(engine) as session:
            surnames = [name for name, _count in session.execute(
                select(Person.surname, func.count()).where(Person.surname.is_not(None)).group_by(Person.surname)
                .order_by(func.count().desc()).limit(args.requests))]
            persons = list(session.scalars(select(Person.person_id).order_by(Person.id).limit(args.requests)))
        with TestClient(app) as client:
            form = client.get("/sign-in").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            signed = client.post("/sign-in", data={"username": "sam.social", "password": demo_password(settings),
                                                   "csrf_token": token}, follow_redirects=False)
            assert signed.status_code == 303, signed.text[:300]
            query = "&".join(f"{key}={value.replace(' ', '+')}" for key, value in PURPOSE.items())
            plain = _measure(engine, client, [f"/api/v1/persons?q={name}" for name in surnames])
            search = _measure(engine, client, [f"/api/v1/persons?q={name}&{query}" for name in surnames])
            view = _measure(engine, client, [f"/api/v1/persons/{person}?{query}" for person in persons])
            with transaction(engine) as session:
                widest = _widest(session)

    print(f"\nPer request, on the demo place of {args.people:,} people (sam.social, safeguarding a child):")
    print(f"{'':28}{'rows':>8}{'bytes':>10}{'records decided':>17}{'rows before':>13}{'bytes before':>14}")
    for name, figures in (("a search, no purpose", plain), ("a search, safeguarding", search),
                          ("a person-page view", view)):
        print(f"{name:28}{figures['rows']:8.1f}{figures['bytes']:10,.0f}{figures['records']:17.1f}"
              f"{figures['before_rows']:13.1f}{figures['before_bytes']:14,.0f}")
    print("\nWhere a decision row's bytes go (mean per row, the widest columns): "
          + ", ".join(f"{column} {size:,.0f}" for column, size in widest))
    daily = args.searches_a_day * search["bytes"] + args.views_a_day * view["bytes"]
    daily_before = args.searches_a_day * search["before_bytes"] + args.views_a_day * view["before_bytes"]
    year, year_before = daily * USERS * WORKING_DAYS, daily_before * USERS * WORKING_DAYS
    print(f"\nOne year, {USERS:,} users, {WORKING_DAYS} working days, {args.searches_a_day} searches and "
          f"{args.views_a_day} person views a user a day (a place of {PLACE_PEOPLE:,} people: a search's refusals are "
          "one row whatever the place's size):")
    print(f"  log now:                 {year / 1e9:8.1f} GB")
    print(f"  per-record log (before): {year_before / 1e9:8.1f} GB   (the searches' records decided grow with the "
          "place; measured here on the demo's)")


if __name__ == "__main__":
    main()
