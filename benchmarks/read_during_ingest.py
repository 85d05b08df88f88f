"""Time a practitioner's person page while the GP extract of a large place is loaded.

Every read of a person writes its audit events, so on SQLite a read waits for any write
transaction in progress. This measures GET /persons/{id} through the real app, signed
in, served by ``joinedup serve`` in a process of its own, while ``joinedup ingest
--source gp`` loads a 200,000-person place's GP extract (185,285 rows) in another.

    .venv/bin/python benchmarks/read_during_ingest.py
    .venv/bin/python benchmarks/read_during_ingest.py --database-url postgresql://joinedup@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/read_during_ingest.py --people 20000 --place /tmp/place-20k

Before the timed load, the place's other extracts are loaded and linked (so there are
persons to read), and a practitioner of children's social care is created; the page read
is a person with one of that organisation's records. With ``--database-url`` the script
creates a fresh database on that server and drops it afterwards. Reads are started on a
fixed schedule (every 0.5 s by default), whether or not earlier ones have answered, so a
stretch when reads wait is sampled as densely as any other. Prints the latency of the
page with nothing else running and during the load (median, 95th percentile, max), the
failed reads, and whether every read left its audit event, beside the target: a median
under 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

TARGET_MS = 300
#: Reads in flight at most: a read is started on schedule even while earlier ones wait,
#: so a read held up by the load is counted as often as it would happen, not once.
READERS = 32
USERNAME = "bench.reader"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _place(people: int, given: Path | None, tmp: Path) -> Path:
    from joinedup.synth import generate_place

    place = given or tmp / f"place-{people}"
    if not (place / "manifest.json").exists():
        print(f"Generating a place of {people:,} people in {place} ...", flush=True)
        generate_place(place, people=people, seed=1)
    return place


def _database(url: str | None, home: Path) -> tuple[str, str | None]:
    """The store's URL, and the PostgreSQL database to drop afterwards (if one was made)."""
    if url is None:
        return f"sqlite:///{home / 'joinedup.db'}", None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(url if not url.startswith("postgresql://") else "postgresql+psycopg://" + url[13:])
    name = f"joinedup_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), name


def _drop(url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def _prepare(url: str, place: Path) -> tuple[str, Path, int]:
    """Everything but the GP extract loaded and linked; a reader; the person they read."""
    from sqlalchemy import select

    from joinedup.accounts import create_user
    from joinedup.db import make_engine, transaction
    from joinedup.db.migrate import upgrade
    from joinedup.ingest import SourceRecord, ingest_file, load_mapping
    from joinedup.partners import Organisation, SourceSystem
    from joinedup.people import Person, PersonRecord, link_people

    engine = make_engine(url)
    upgrade(engine)
    manifest = json.loads((place / "manifest.json").read_text())
    gp = None
    for extract in manifest["extracts"]:
        if extract["source"] == "gp":
            gp = extract
            continue
        started = time.perf_counter()
        load = ingest_file(engine, load_mapping(extract["mapping"]), place / extract["file"], loaded_by="benchmark")
        print(f"  loaded {extract['source']}: {load.rows_loaded:,} records ({time.perf_counter() - started:.0f} s)",
              flush=True)
    started = time.perf_counter()
    run = link_people(engine, ran_by="benchmark")
    print(f"  linked {run.records:,} records into {run.persons:,} persons ({time.perf_counter() - started:.0f} s)",
          flush=True)
    organisation = load_mapping("csc").organisation
    with transaction(engine) as session:
        council = session.scalar(select(Organisation).where(Organisation.code == organisation))
        create_user(session, username=USERNAME, password=PASSWORD, display_name="Bench Reader",
                    organisation=council, roles=["practitioner"])
        person_id = session.scalar(
            select(Person.person_id)
            .join(PersonRecord, PersonRecord.person_id == Person.id)
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(SourceSystem.owner_organisation_id == council.id, Person.retired_at.is_(None),
                   Person.record_count >= 2)
            .order_by(Person.id).limit(1)
        )
    engine.dispose()
    return person_id, place / gp["file"], gp["rows"]


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as errors:
        server = subprocess.Popen(
            [sys.executable, "-c", "from joinedup.cli import app; app()", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=errors,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the server stopped: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def _signed_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=120, follow_redirects=False,
                          limits=httpx.Limits(max_connections=READERS))
    page = client.get("/sign-in")
    token = CSRF.search(page.text).group(1)
    answer = client.post("/sign-in", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token,
                                           "next": ""})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    return client


def _read(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        status = client.get(path).status_code
    except httpx.HTTPError:
        status = 0
    return (time.perf_counter() - started) * 1000, status


def _figures(label: str, reads: list[tuple[float, int]]) -> None:
    times = sorted(ms for ms, _ in reads)
    failed = sum(1 for _, status in reads if status != 200)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<28}{len(times):>7}{statistics.median(times):>12.0f}{p95:>10.0f}{times[-1]:>10.0f}{failed:>8}")


def _audited(url: str, person_id: str) -> int:
    from sqlalchemy import func, select

    from joinedup.audit import AuditEvent
    from joinedup.db import make_engine, session_factory

    engine = make_engine(url)
    with session_factory(engine)() as session:
        count = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor == USERNAME, AuditEvent.action == "person.view", AuditEvent.subject_id == person_id))
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=200_000, help="place size (default 200,000)")
    parser.add_argument("--place", type=Path, help="a place generated earlier (joinedup synth), reused")
    parser.add_argument("--database-url", help="a PostgreSQL server (a fresh database is made on it); "
                        "default: a fresh SQLite file")
    parser.add_argument("--every", type=float, default=0.5,
                        help="start a read every so many seconds, whether or not the last has answered (default 0.5)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="joinedup-bench-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir(mode=0o700)
        place = _place(args.people, args.place, Path(tmp))
        url, made = _database(args.database_url, home)
        server = None
        try:
            print(f"Preparing the store ({url.split('@')[-1]}) ...", flush=True)
            person_id, gp_file, gp_rows = _prepare(url, place)
            env = {**os.environ, "JOINEDUP_HOME": str(home), "JOINEDUP_DATABASE_URL": url}
            port = _free_port()
            log = Path(tmp) / "server.log"
            server = _serve(env, port, log)
            client = _signed_in(f"http://127.0.0.1:{port}")
            path = f"/persons/{person_id}"
            idle = [_read(client, path) for _ in range(30)]
            ingest = subprocess.Popen(
                [sys.executable, "-c", "from joinedup.cli import app; app()", "ingest", "--source", "gp", str(gp_file)],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=READERS) as readers:
                reading = []
                while ingest.poll() is None:
                    reading.append(readers.submit(_read, client, path))
                    time.sleep(args.every)
                seconds = time.perf_counter() - started
                during = [read.result() for read in reading]
            output = ingest.stdout.read()
            client.close()
            completed = ingest.returncode == 0 and "(completed)" in output
            audited = _audited(url, person_id)
            ok_reads = sum(1 for _, status in idle + during if status == 200)
            print(f"\n{args.people:,} people; GP extract {gp_rows:,} rows; database "
                  f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}; a read of {path} started every "
                  f"{args.every} s")
            print(f"{'':<28}{'reads':>7}{'median ms':>12}{'p95 ms':>10}{'max ms':>10}{'failed':>8}")
            _figures("nothing else running", idle)
            _figures("during the GP ingest", during)
            median = statistics.median(ms for ms, _ in during) if during else float("nan")
            print(f"target: median under {TARGET_MS} ms during the ingest: {median:.0f} ms, "
                  f"{'met' if median < TARGET_MS else 'NOT met'}")
            print(f"ingest: {'completed' if completed else 'FAILED'} in {seconds:.1f} s; "
                  f"audit events for the reads: {audited:,} of {ok_reads:,} answered; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            failures = Counter(status for _, status in idle + during if status != 200)
            if failures:
                print("failed reads by status (0: no answer):", dict(failures))
                print(f"the server's log ends:\n{log.read_text()[-3000:]}")
            if not completed:
                print(output[-2000:])
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            if made is not None:
                _drop(url, made)


if __name__ == "__main__":
    main()
