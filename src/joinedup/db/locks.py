"""Named locks held for the length of a long run: one run of each kind at a time.

A long run (a load of one source, a link run) marks itself ``running`` in the store and
does most of its work outside any transaction. Two of one kind at once would step on
each other, and a run whose process was killed stays ``running`` for ever unless the
next run can tell it is dead. A lock that the operating system or the database server
releases when its holder dies answers both: whoever holds it is the only live run, so
any other run still marked ``running`` was abandoned.

SQLite: an ``flock`` on a file beside the database (mode 0600). PostgreSQL: a
session-level advisory lock on a connection of its own, outside any transaction.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

_LOCAL: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


class AlreadyRunning(Exception):
    """Another live process (or thread) holds the lock; the message says which run."""


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock ``name`` for the block, or raise AlreadyRunning at once (never wait)."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, name):
            yield
        return
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        with _in_process(f"{id(engine)}:{name}"):
            yield
        return
    with _flocked(Path(database).with_name(f"{Path(database).name}-{_file_safe(name)}.lock")):
        yield


def _file_safe(name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    if safe == name:
        return name
    return f"{safe}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


@contextmanager
def _flocked(path: Path) -> Iterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(path.name) from None
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def _in_process(key: str) -> Iterator[None]:
    with _LOCAL_GUARD:
        lock = _LOCAL.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        raise AlreadyRunning(key)
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _advisory(engine: Engine, name: str) -> Iterator[None]:
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not connection.execute(text("select pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            raise AlreadyRunning(name)
        try:
            yield
        finally:
            connection.execute(text("select pg_advisory_unlock(:key)"), {"key": key})
