"""How fast this machine is today, so that a timing of the suite can be read beside it.

The same code took 236–243 s for ``make test``'s pytest on one day and 326–403 s on
another (docs/testing.md): this machine is a virtual one whose share of its host varies.
Run this before and after timing anything, and quote its figures with the timing. Each
is the median of ``--repeat`` runs of one fixed piece of work, on one core:

- **python**: squares summed over ten million integers (the interpreter alone);
- **sqlite**: 20,000 rows inserted in one transaction, then an indexed lookup of each
  (SQLAlchemy Core over SQLite, as the store does);
- **duckdb**: a grouped count and a self-join over 3,000,000 generated rows (the kind of
  work Splink gives DuckDB), on one thread.

    .venv/bin/python benchmarks/machine_speed.py
    .venv/bin/python benchmarks/machine_speed.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
)


def python_work() -> None:
    sum(number * number for number in range(10_000_000))


def sqlite_work() -> None:
    metadata = MetaData()
    rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("name", String(40), index=True))
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'speed.db'}")
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(rows), [{"id": n, "name": f"name {n}"} for n in range(20_000)])
        with engine.connect() as connection:
            for n in range(20_000):
                connection.execute(select(rows.c.id).where(rows.c.name == f"name {n}")).scalar_one()
        engine.dispose()


def duckdb_work() -> None:
    connection = duckdb.connect()
    connection.execute("SET threads = 1")
    connection.execute(
        "CREATE TABLE people AS SELECT range AS id, range % 5000 AS surname, range % 365 AS day FROM range(3000000)"
    )
    connection.execute("SELECT surname, count(*) FROM people GROUP BY surname").fetchall()
    connection.execute(
        "SELECT count(*) FROM people l JOIN people r ON l.surname = r.surname AND l.day = r.day AND l.id < r.id"
    ).fetchall()
    connection.close()


WORK: dict[str, Callable[[], None]] = {"python": python_work, "sqlite": sqlite_work, "duckdb": duckdb_work}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each piece of work (the median is printed)")
    args = parser.parse_args()
    print(f"{'work':8} {'median s':>9} {'fastest s':>10}  ({args.repeat} runs each, one core)")
    for name, work in WORK.items():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        print(f"{name:8} {statistics.median(times):9.3f} {min(times):10.3f}")


if __name__ == "__main__":
    main()
