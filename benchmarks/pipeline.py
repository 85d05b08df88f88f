"""Time the foundation pipeline: synth, then ingest of every extract into the store.

Each phase runs in a fresh child process so that its peak memory is its own.

    .venv/bin/python benchmarks/pipeline.py                 # 20k and 200k people
    .venv/bin/python benchmarks/pipeline.py --people 20000  # one size
    .venv/bin/python benchmarks/pipeline.py --database-url postgresql://joinedup@127.0.0.1/test

Prints one table per size: rows, seconds, rows per second and peak RSS per phase.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
phase, place, people, url = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
started = time.perf_counter()
if phase == "synth":
    from joinedup.synth import generate_place
    summary = generate_place(place, people=people, seed=1)
    rows = sum(summary.extract_rows.values())
    result = {"rows": rows, "detail": {"gazetteer addresses": summary.addresses}}
else:
    from joinedup.db import make_engine
    from joinedup.db.migrate import upgrade
    from joinedup.ingest import ingest_file, load_mapping
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()  # the schema is not what we are timing
    manifest = json.loads((place / "manifest.json").read_text())
    rows, detail = 0, {}
    for extract in manifest["extracts"]:
        t = time.perf_counter()
        load = ingest_file(engine, load_mapping(extract["mapping"]), place / extract["file"], loaded_by="benchmark")
        rows += load.rows_read
        detail[extract["source"]] = {"rows": load.rows_read, "seconds": time.perf_counter() - t}
    result = {"rows": rows, "detail": detail}
result["seconds"] = time.perf_counter() - started
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def run_phase(phase: str, place: Path, people: int, url: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", CHILD, phase, str(place), str(people), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, action="append", help="place size; repeat for several")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per size")
    args = parser.parse_args()
    sizes = args.people or [20_000, 200_000]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="joinedup-bench-") as tmp:
        for people in sizes:
            place = Path(tmp) / f"place-{people}"
            url = args.database_url or f"sqlite:///{Path(tmp) / f'bench-{people}.db'}"
            print(f"\n{people:,} people (database: {url.split('@')[-1]})")
            print(f"{'phase':<26}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'peak MB':>10}")
            for phase in ("synth", "ingest"):
                result = run_phase(phase, place, people, url)
                rate = result["rows"] / result["seconds"]
                print(f"{phase:<26}{result['rows']:>10,}{result['seconds']:>10.1f}{rate:>10,.0f}{result['peak_rss_mb']:>10,.0f}")
                if phase == "ingest":
                    for source, figures in result["detail"].items():
                        each = figures["rows"] / figures["seconds"] if figures["seconds"] else 0
                        print(f"  {source:<24}{figures['rows']:>10,}{figures['seconds']:>10.1f}{each:>10,.0f}")


if __name__ == "__main__":
    main()
