"""kill -9 the served app while a practitioner opens person pages (issue 14, "a crash
test"): every page that reached its reader has its entry, and the log, sequenced afresh,
verifies. The app is the real one, served by ``joinedup serve`` over a demo place, so
each access goes through the web layer, the policy point and its audit, as in use. The
demo is built, and the log checkpointed and verified, by the same commands in this process
(quicker than starting one for each)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from joinedup.audit.models import AuditEvent
from joinedup.cli import app
from joinedup.db import make_engine
from joinedup.people.models import Person

JOINEDUP = str(Path(sys.executable).with_name("joinedup"))
READER = "gita.gp"  # the GP practice holds nearly everyone in the place: most pages open
READERS = 3
ANSWERS_BEFORE_THE_KILL = 40


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _signed_in(base: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/sign-in").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/sign-in", data={"username": READER, "password": password, "csrf_token": token})
    return client


def test_killing_the_app_mid_access_leaves_no_page_without_its_entry(settings):
    home = settings.home
    environment = {key: value for key, value in os.environ.items() if key != "JOINEDUP_DATABASE_URL"}
    environment["JOINEDUP_HOME"] = str(home)
    runner = CliRunner()
    built = runner.invoke(app, ["demo", "--people", "50", "--no-serve"])
    assert built.exit_code == 0, built.output
    password = json.loads((home / "demo-credentials.json").read_text())["password"]
    engine = make_engine(f"sqlite:///{home / 'joinedup.db'}")
    with engine.connect() as connection:
        persons = list(connection.execute(select(Person.person_id).where(Person.retired_at.is_(None))).scalars())
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([JOINEDUP, "serve", "--port", str(port)], env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answered: Counter[str] = Counter()
    wrong: list[str] = []
    lock = threading.Lock()

    def read(offset: int) -> None:
        client = _signed_in(base, password)
        try:
            for turn in range(10_000):
                person_id = persons[(offset + turn) % len(persons)]
                answer = client.get(f"/persons/{person_id}")
                if answer.status_code == 200:
                    with lock:
                        answered[person_id] += 1
                        if 'id="who-is-involved"' not in answer.text:  # not the person page
                            wrong.append(person_id)
        except httpx.TransportError:
            return  # the server is gone
        finally:
            client.close()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/sign-in", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "joinedup serve did not start"
                time.sleep(0.2)
        readers = [threading.Thread(target=read, args=(n * 7,)) for n in range(READERS)]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + 120
        while sum(answered.values()) < ANSWERS_BEFORE_THE_KILL:
            assert time.monotonic() < deadline, f"only {sum(answered.values())} pages answered"
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)  # mid-request: the readers are still asking
        server.wait()
        for reader in readers:
            reader.join(timeout=60)
    finally:
        server.kill()
        server.wait()
    with engine.connect() as connection:
        logged = Counter(connection.execute(select(AuditEvent.subject_id).where(
            AuditEvent.action == "person.view", AuditEvent.actor == READER,
            AuditEvent.outcome == "allowed")).scalars())
    assert sum(answered.values()) >= ANSWERS_BEFORE_THE_KILL and not wrong
    missing = {person_id: (count, logged[person_id]) for person_id, count in answered.items()
               if logged[person_id] < count}
    assert not missing, f"pages shown without their entry (pages, entries): {missing}"
    checkpoint = runner.invoke(app, ["audit", "checkpoint"])
    assert checkpoint.exit_code == 0, checkpoint.output
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
