"""How much of a person page's time goes on writing its audit log entries.

    JOINEDUP_HOME=DIR .venv/bin/python benchmarks/audit_overhead.py [--persons 50] [--rounds 3]

Runs against a data directory the demo built, signed in as the demo's social worker, like
``benchmarks/person_page.py``. Every statement that writes an entry of the tamper-evident
log (``INSERT INTO audit_events``, ``INSERT INTO sharing_decisions`` and the index of a
decision's several records, ``INSERT INTO sharing_decision_records``) is timed where the
database driver runs it, and its time is taken off the page's: the page **without the log**
is the same page minus its entries' writes (nothing else of the page changes, since the
entries are only ever written). Sequencing and signing are not on the request path (the
scheduled checkpoint does them), so they are not counted here; ``benchmarks/audit.py``
times them.

Prints requests per second with and without the log, and the overhead against the target
of docs/audit.md: under 10%.
"""

from __future__ import annotations

import argparse
import json
import re
import time

from fastapi.testclient import TestClient
from person_page import USERNAME, persons_with_involvements
from sqlalchemy import event

from joinedup.accounts import find_user
from joinedup.config import load_settings
from joinedup.db import engine_for, session_factory
from joinedup.web import create_app

TARGET_OVERHEAD = 0.10
LOGGED = ("insert into audit_events", "insert into sharing_decisions", "insert into sharing_decision_records")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    engine = engine_for(settings.database_url)
    spent = {"log": 0.0, "statements": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _start(_connection, _cursor, statement, _parameters, context, _executemany):
        context._log_started = time.perf_counter() if statement.lstrip().lower().startswith(LOGGED) else None

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(_connection, _cursor, _statement, _parameters, context, _executemany):
        if getattr(context, "_log_started", None) is not None:
            spent["log"] += time.perf_counter() - context._log_started
            spent["statements"] += 1

    password = json.loads((settings.home / "demo-credentials.json").read_text())["password"]
    with session_factory(engine)() as session:
        organisation_id = find_user(session, USERNAME).organisation_id
    persons = persons_with_involvements(engine, organisation_id, args.persons)
    if not persons:
        raise SystemExit("no person with an involvement that sam.social's organisation holds: run the demo first")
    client = TestClient(create_app(settings, engine=engine))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
    client.post("/sign-in", data={"username": USERNAME, "password": password, "csrf_token": token})
    for person_id in persons[:5]:  # warm the caches, uncounted
        client.get(f"/persons/{person_id}")
    spent.update(log=0.0, statements=0)
    requests, total = 0, 0.0
    for _ in range(args.rounds):
        for person_id in persons:
            started = time.perf_counter()
            answer = client.get(f"/persons/{person_id}")
            total += time.perf_counter() - started
            requests += 1
            if answer.status_code != 200:
                raise SystemExit(f"/persons/{person_id} answered {answer.status_code}")
    with_log = requests / total
    without_log = requests / (total - spent["log"])
    overhead = spent["log"] / (total - spent["log"])
    print(f"{len(persons)} persons, {args.rounds} rounds, {requests} pages, store {engine.url.get_backend_name()}")
    print(f"log entries written: {spent['statements']} statements, {spent['statements'] / requests:.1f} per page, "
          f"{spent['log'] * 1000 / requests:.2f} ms per page")
    print(f"with the log:    {with_log:.1f} pages/s ({total * 1000 / requests:.1f} ms each)")
    print(f"without the log: {without_log:.1f} pages/s")
    print(f"overhead: {overhead:.1%} (target under {TARGET_OVERHEAD:.0%})")


if __name__ == "__main__":
    main()
