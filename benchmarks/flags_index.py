"""Reading flags from extracts: throughput and peak memory of ``index_flags``.

Runs against a data directory the demo built (``joinedup demo --people N --no-serve``).
For each shipped mapping with a ``[flags]`` section whose source is loaded, it reads the
source's flags again, first as they are (every flag unchanged), then with the flags
deleted (every flag new), each in a transaction rolled back, and prints rows read per
second and the peak Python memory (``tracemalloc``) of the run.

    JOINEDUP_HOME=DIR .venv/bin/python benchmarks/flags_index.py
"""

from __future__ import annotations

import time
import tracemalloc

from sqlalchemy import delete, func, select

from joinedup.audit import Actor
from joinedup.config import load_settings
from joinedup.db import engine_for, session_factory
from joinedup.flags import Flag, index_flags
from joinedup.ingest import load_mapping
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem

SOURCES = ("csc", "police", "education", "voluntary")


def main() -> None:
    settings = load_settings()
    engine = engine_for(settings.database_url)
    actor = Actor.system("cli", "benchmark")
    print(f"store {engine.url.get_backend_name()}")
    for source in SOURCES:
        mapping = load_mapping(source)
        for fresh in (False, True):
            with session_factory(engine)() as session:
                system = session.scalar(select(SourceSystem.id).where(SourceSystem.code == source))
                if system is None:
                    continue
                rows = session.scalar(select(func.count()).select_from(SourceRecord)
                                      .where(SourceRecord.source_system_id == system))
                if fresh:
                    session.execute(delete(Flag).where(Flag.source_record_id.in_(
                        select(SourceRecord.id).where(SourceRecord.source_system_id == system))))
                tracemalloc.start()
                started = time.perf_counter()
                report = index_flags(session, actor, mapping)
                elapsed = time.perf_counter() - started
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                session.rollback()
            print(f"{source:10} {'new' if fresh else 'again':5} {rows:>9,} rows in {elapsed:6.2f} s "
                  f"({rows / elapsed:>9,.0f} rows/s), {report.created:,} new, {report.unchanged:,} unchanged, "
                  f"{len(report.refused):,} refused, peak {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
