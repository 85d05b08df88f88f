"""Involvements and flags in a large load: throughput and peak memory of the index commands.

Issue 13's performance table asks for "involvements and flags in a 200k-person load:
throughput and peak memory reported in benchmarks/". This builds a place of ``--people``
people the way a newcomer does (``joinedup demo --no-serve``: synthetic place, every
extract loaded, addresses matched, a link run, the indexes read once), or reuses the data
directory given with ``--home``; then, for every shipped mapping with an
``[involvements]`` or a ``[flags]`` section, runs ``joinedup involvements index --source S``
and ``joinedup flags index --source S`` each in its own process, and prints the rows read
per second and the process's peak memory (its maximum resident set size, from
``wait4``: the whole interpreter, imports and all, not just the index's data).

Each command reads every stored row of the source, as a nightly run after a load does. The
demo has already read them once, so the timed run finds them unchanged, unless
``--fresh``: then the source's involvements and flags read from extracts are deleted
first, so every one is written again (this writes to the data directory: use a copy).

    .venv/bin/python benchmarks/index_load.py --people 200000            # builds in a new directory
    .venv/bin/python benchmarks/index_load.py --home DIR [--fresh]      # reuses a built one
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, func, select

from joinedup.config import load_settings
from joinedup.db import engine_for, session_factory
from joinedup.flags import Flag
from joinedup.ingest import available_mappings, load_mapping
from joinedup.ingest.models import SourceRecord
from joinedup.involvements.models import Involvement
from joinedup.partners.models import SourceSystem

TARGET = "involvements and flags in a 200k-person load: throughput and peak memory reported in benchmarks/"


#: What every index command does before reading a row: start Python, import the CLI, open
#: (and check) the store. Timed alone, so the rows' own rate can be told from it.
STARTUP = ("from joinedup.cli import app; from joinedup.config import load_settings; "
           "from joinedup.store import initialise; initialise(load_settings())")


def run(command: list[str], home: Path, python: list[str] | None = None) -> tuple[float, float, int, str]:
    """Run a CLI command in its own process: (seconds, peak RSS in MB, exit status, output tail)."""
    environment = {**os.environ, "JOINEDUP_HOME": str(home)}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen([sys.executable, *(python or ["-m", "joinedup.cli", *command])], env=environment,
                                   stdout=output, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        output.seek(0)
        tail = output.read().decode("utf-8", "replace")[-600:]
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), tail


def rows_of(home: Path, source: str, fresh_model=None) -> int:
    """The source's stored rows; with ``fresh_model``, its rows of that model are deleted first."""
    settings = load_settings({**os.environ, "JOINEDUP_HOME": str(home)})
    engine = engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            system = session.scalar(select(SourceSystem.id).where(SourceSystem.code == source))
            if system is None:
                return 0
            stored = select(SourceRecord.id).where(SourceRecord.source_system_id == system)
            if fresh_model is not None:
                session.execute(delete(fresh_model).where(fresh_model.source_record_id.in_(stored)))
                session.commit()
            return session.scalar(select(func.count()).select_from(stored.subquery()))
    finally:
        engine.dispose()


def _net(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds >= 1 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a data directory the demo built (else one is built)")
    parser.add_argument("--people", type=int, default=200_000, help="size of the place to build")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="delete the indexed rows first (writes to --home)")
    arguments = parser.parse_args()
    home = arguments.home
    if home is None:
        home = Path(tempfile.mkdtemp(prefix=f"joinedup-{arguments.people}-"))
        print(f"building a {arguments.people:,}-person place in {home} (joinedup demo --no-serve) ...", flush=True)
        elapsed, peak, status, tail = run(["demo", "--people", str(arguments.people), "--seed", str(arguments.seed),
                                           "--no-serve"], home)
        if status:
            raise SystemExit(f"the demo failed ({status}):\n{tail}")
        print(f"built in {elapsed:,.0f} s, peak RSS {peak:,.0f} MB")
    print(f"target: \"{TARGET}\"")
    print(f"data directory {home}; load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    startup, startup_peak, status, tail = run([], home, ["-c", STARTUP])
    if status:
        raise SystemExit(f"starting the CLI failed ({status}):\n{tail}")
    print(f"startup alone (python, the CLI's imports, opening the store): {startup:.1f} s, peak RSS "
          f"{startup_peak:,.0f} MB")
    print(f"{'command':40} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'net rows/s':>11} {'peak RSS':>9}")
    commands = []
    for name in available_mappings():
        mapping = load_mapping(name)
        if mapping.involvements is not None:
            commands.append(("involvements", name, Involvement))
        if mapping.flags:
            commands.append(("flags", name, Flag))
    totals = {"involvements": [0, 0.0], "flags": [0, 0.0]}
    for kind, source, model in commands:
        rows = rows_of(home, source, model if arguments.fresh else None)
        if not rows:
            continue
        elapsed, peak, status, tail = run([kind, "index", "--source", source], home)
        if status:
            raise SystemExit(f"{kind} index --source {source} failed ({status}):\n{tail}")
        totals[kind][0] += rows
        totals[kind][1] += elapsed
        print(f"{kind + ' index --source ' + source:40} {rows:>9,} {elapsed:>8.1f} {rows / elapsed:>9,.0f} "
              f"{_net(rows, elapsed - startup):>11} {peak:>6,.0f} MB", flush=True)
    for kind, (rows, elapsed) in totals.items():
        if elapsed:
            print(f"{kind + ' index, every source':40} {rows:>9,} {elapsed:>8.1f} {rows / elapsed:>9,.0f}")
    print("net rows/s: rows over the command's time less the startup alone (none shown where that is under 1 s)")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
