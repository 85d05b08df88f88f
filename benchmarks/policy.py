"""Time the policy point: per decision, and per page of 50 search results.

A synthetic set of rules (the starting catalogue, and N random active agreements between
M organisations, each with some purposes and a minimum dataset of some categories, some
needing consent), a person index of records held by those organisations, some consents,
and a practitioner stating a purpose. Three things are timed:

- **cedarpy, sliced**: :func:`joinedup.sharing.policy.evaluate` as the policy point
  calls it, each request over the pre-parsed set for the user's organisation, the stated
  purpose and the record's owner (the fixed rules and the clauses that can apply,
  :meth:`CompiledRules.slice`), with the request entities already built: the cost of
  the decision itself;
- **cedarpy, every policy**: the same requests over one set holding every clause
  (:meth:`CompiledRules.whole`). Cedar evaluates every policy of a set for every request,
  so this grows with the number of agreements. The two must decide the same, and the
  benchmark says whether they did;
- **decide_record_access**: the whole policy point as pages call it: reading the records'
  owners, persons, consents and break-glass, building the Cedar requests, evaluating, and
  writing the request's audit event and decision-log rows (in a transaction that is
  rolled back, so every round starts alike).

    .venv/bin/python benchmarks/policy.py
    .venv/bin/python benchmarks/policy.py --agreements 200 --organisations 40
    .venv/bin/python benchmarks/policy.py --database-url postgresql://joinedup@127.0.0.1/bench

Prints the median and 95th percentile in milliseconds, against the targets: under 0.2 ms
per decision and under 20 ms per page of 50 results.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select

from joinedup.audit import Actor
from joinedup.db import make_engine, transaction
from joinedup.db.migrate import upgrade
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing import StatedPurpose, decide_record_access
from joinedup.sharing.catalogue import CATEGORIES, PURPOSES, ensure_catalogue
from joinedup.sharing.consent import record_consent
from joinedup.sharing.policy import compile_rules, evaluate, rules_for
from joinedup.sharing.rules import create_agreement, set_status, sign

SYSTEM = Actor.system("cli", "benchmark")
PAGE = 50
TARGET_DECISION_MS = 0.2
TARGET_PAGE_MS = 20.0


def seed(engine, *, organisations: int, agreements: int, persons: int, seed_value: int) -> dict:
    """The synthetic rules and records; returns what the timings need."""
    rng = random.Random(seed_value)
    purposes = [code for code, *_ in PURPOSES]
    categories = [code for code, *_ in CATEGORIES]
    with transaction(engine) as session:
        orgs = [Organisation(code=f"ORG{number:03d}", name=f"Organisation {number}", type="other")
                for number in range(organisations)]
        session.add_all(orgs)
        session.flush()
        systems = [SourceSystem(code=f"sys{number:03d}", name=f"System {number}", owner_organisation_id=org.id)
                   for number, org in enumerate(orgs)]
        # The sensitive-services category covers the voluntary system's records of some needs.
        systems[-1].code = "voluntary"
        session.add_all(systems)
        session.flush()
        ensure_catalogue(session, SYSTEM)
        me = orgs[0].code
        for number in range(agreements):
            parties = rng.sample([org.code for org in orgs], k=min(len(orgs), rng.randint(3, 8)))
            if number % 2 == 0 and me not in parties:
                parties[0] = me  # half the agreements involve the user's organisation
            datasets = {purpose: rng.sample(categories, k=rng.randint(2, 5))
                        for purpose in rng.sample(purposes, k=rng.randint(1, 3))}
            version = create_agreement(
                session, SYSTEM, f"BENCH-{number:04d}", f"Agreement {number}",
                parties=[{"organisation": code, "provides": True, "receives": True} for code in parties],
                datasets=datasets, lawful_basis={"article6": ["6(1)(e) public task"]},
                consent_required=rng.random() < 0.3, safeguarding_overrides=rng.random() < 0.5,
                starts_on=date(2020, 1, 1),
            )
            for code in parties:
                sign(session, SYSTEM, version, organisation=code, name="Signatory")
            set_status(session, SYSTEM, version, "active")
        records = []
        for number in range(persons):
            person = Person(person_id=f"PBENCH{number:05d}", golden={}, record_count=3)
            session.add(person)
            session.flush()
            for system in rng.sample(systems, k=3):
                facts = {"incident_type": "Concern", "need": rng.choice(["Mental health support", "Food bank"]),
                         "school_name": "Joinford Academy", "arrears": "120.00", "cp_category": "Neglect"}
                record = SourceRecord(source_system_id=system.id, local_id=f"R{number}-{system.code}",
                                      forename="Ann", surname=f"Lee{number}", date_of_birth=date(2012, 1, 1),
                                      postcode="JU1 1AA", phone="07700900000", facts=facts,
                                      row_hash=f"{number}-{system.code}")
                session.add(record)
                session.flush()
                session.add(PersonRecord(source_record_id=record.id, person_id=person.id))
                records.append(record.id)
            if rng.random() < 0.2:
                record_consent(session, SYSTEM, person, decision=rng.choice(["given", "refused", "withdrawn"]),
                               form="verbal", purposes=rng.sample(purposes, k=1))
        return {"organisation_id": orgs[0].id, "organisation": me, "records": records}


def timed(work, rounds: int) -> list[float]:
    for _ in range(min(5, rounds)):
        work()
    times = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        work()
        times.append((time.perf_counter_ns() - started) / 1e6)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=12)
    parser.add_argument("--agreements", type=int, default=30)
    parser.add_argument("--persons", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--purpose", default="safeguarding_child")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'policy.db'}"
        engine = make_engine(url)
        upgrade(engine)
        setup = seed(engine, organisations=args.organisations, agreements=args.agreements, persons=args.persons,
                     seed_value=args.seed)
        actor = Actor(user_id=None, username="bench.practitioner", organisation_id=setup["organisation_id"],
                      roles=frozenset({"practitioner"}), channel="benchmark")
        purpose = StatedPurpose(args.purpose, safeguarding_risk=False, relationship="Allocated worker")
        results = []
        with transaction(engine) as session:
            started = time.perf_counter()
            compiled = compile_rules(session)
            compile_ms = (time.perf_counter() - started) * 1000
            rules_for(session)
            records = list(session.scalars(select(SourceRecord).where(SourceRecord.id.in_(setup["records"]))
                                           .order_by(SourceRecord.id)))
            page = records[:PAGE]
            one = records[PAGE:PAGE + 1]

            # cedarpy alone: the requests as decide_record_access builds them, built once.
            principal = {"uid": {"type": "User", "id": actor.username},
                         "attrs": {"organisation": setup["organisation"], "roles": ["practitioner"]}, "parents": []}
            today = date.today()
            day = today.year * 10000 + today.month * 100 + today.day
            owners = dict(session.execute(select(SourceSystem.id, Organisation.code)
                                          .join(Organisation, Organisation.id == SourceSystem.owner_organisation_id)).all())
            codes = dict(session.execute(select(SourceSystem.id, SourceSystem.code)).all())

            def requests(batch):
                resources = [{"uid": {"type": "Record", "id": str(record.id)},
                              "attrs": {"owner": owners[record.source_system_id],
                                        "sensitive": compiled.sensitive(codes[record.source_system_id],
                                                                        record.facts or {})}, "parents": []}
                             for record in batch]
                contexts = [{"purpose": purpose.code, "processing": "", "consent": "none", "safeguarding_risk": False,
                             "safeguarding_purpose": purpose.code in compiled.safeguarding_purposes,
                             "break_glass": False, "today": day} for _ in batch]
                return resources, contexts

            page_requests, one_request = requests(page), requests(one)
            whole = compiled.whole()

            def sliced(*request):
                return evaluate(compiled, principal, *request)

            def unsliced(*request):
                return whole.evaluate(principal, *request)

            def decided(how):
                return [(ok, {c.policy_id for c in clauses}) for ok, clauses in how(*page_requests)]

            same = decided(sliced) == decided(unsliced)
            allowed = sum(1 for ok, _ids in decided(sliced) if ok)
            for label, how in (("cedarpy, sliced", sliced), (f"cedarpy, every policy ({len(whole.clauses)})", unsliced)):
                results.append((f"{label}: 1 decision", timed(lambda how=how: how(*one_request), args.rounds),
                                TARGET_DECISION_MS))
                page_times = timed(lambda how=how: how(*page_requests), args.rounds)
                results.append((f"{label}: page of 50", page_times, TARGET_PAGE_MS))
                results.append((f"{label}: per decision in a page", [t / PAGE for t in page_times],
                                TARGET_DECISION_MS))

            # The whole policy point, as the pages call it (reads, Cedar, audit and log writes).
            results.append(("decide_record_access: 1 record", timed(
                lambda: decide_record_access(session, actor, one, action="record.search", purpose=purpose),
                args.rounds), TARGET_DECISION_MS))
            page_times = timed(lambda: decide_record_access(session, actor, page, action="record.search",
                                                            purpose=purpose), args.rounds)
            results.append(("decide_record_access: page of 50", page_times, TARGET_PAGE_MS))
            results.append(("decide_record_access: per decision in a page", [t / PAGE for t in page_times],
                            TARGET_DECISION_MS))
            session.rollback()

    print(f"Policy point: {args.organisations} organisations, {args.agreements} active agreements "
          f"({len(compiled.clauses)} Cedar policies, compiled in {compile_ms:.0f} ms), "
          f"{len(setup['records'])} records; purpose {args.purpose}; {allowed} of {PAGE} on the page allowed; "
          f"{args.rounds} rounds; {engine.dialect.name}; the slice decides the same: {'yes' if same else 'NO'}")
    print(f"{'measure':<56} {'median ms':>10} {'p95 ms':>10} {'target ms':>10}  ")
    for name, times, target in results:
        median, p95 = summary(times)
        verdict = "ok" if median < target else "OVER"
        print(f"{name:<56} {median:>10.3f} {p95:>10.3f} {target:>10.1f}  {verdict}")


if __name__ == "__main__":
    main()
