"""The operational store: one declarative base, an engine per database URL, sessions.

Each capability owns its models (``joinedup.<capability>.models``) on this base.
SQLite (the embedded default, in WAL mode) and PostgreSQL run the same code.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use joinedup.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict: JSON, list: JSON, datetime: UTCDateTime}


def utcnow() -> datetime:
    """Timezone-aware 'now' in UTC; every timestamp we store is UTC."""
    return datetime.now(UTC)


#: How long a SQLite write waits for another transaction's write lock before failing.
#: Every long run (a load, a link run, an address match) does its work outside any
#: transaction and applies it in one short one, seconds long even for a file of 200,000
#: rows; this is the ceiling, generous, so that a practitioner's read (which writes its
#: audit event) waits for such a transaction rather than failing.
SQLITE_BUSY_TIMEOUT_MS = 60_000


#: Helper threads SQLite's sorter may use (it sorts to build an index, and for a large
#: ORDER BY); SQLite's default is none. A link run builds its indexes over a million rows
#: after inserting them: twelve took 5.2–5.5 s with helpers against 6.8–7.4 s without.
SQLITE_SORTER_THREADS = min(os.cpu_count() or 1, 4)


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA threads={SQLITE_SORTER_THREADS}")
        cursor.close()


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (0600), whatever the umask.

    SQLite gives its -wal and -shm files the database file's permissions, so they are
    private too. An existing file is left as it is.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


#: Values orjson would write where json.dumps refuses them (dates, dataclasses) are
#: handed back to it, to fail as they failed before.
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def to_json(value: Any) -> str:
    """A JSON column's value as the store writes it, through an engine of
    :func:`make_engine` or a bulk copy: by orjson, eleven times json.dumps's speed on a
    golden record (2.0 µs against 22.4), which a full link run writes for every person
    (13 s at a million records, docs/people.md).

    Keys that are not text are written as text, as json.dumps writes them. What orjson
    refuses (a float or int subclass such as numpy's, an integer past 64 bits, a date)
    is written by json.dumps, as before, or refused by it. One difference stays: NaN
    and infinity are written as null, where json.dumps wrote ``NaN``, which is not JSON.
    """
    try:
        return orjson.dumps(value, option=_JSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            _create_private(Path(database))
        engine = create_engine(url, connect_args={"check_same_thread": False}, json_serializer=to_json)
        _prepare_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True, json_serializer=to_json)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine (and pool) per URL for the life of the process."""
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep their objects' loaded values after commit, and that refuse to be
    used once closed: a closed session that quietly began a new transaction would hold
    its connection, and on PostgreSQL its locks, until it happened to be collected."""
    return sessionmaker(bind=engine, expire_on_commit=False, close_resets_only=False)


def refresh_statistics(engine: Engine, *tables: str) -> None:
    """After a large write PostgreSQL's planner needs new statistics to choose its indexes;
    autovacuum would get there in time, but the next search may come sooner. SQLite keeps
    none that go stale this way."""
    if engine.dialect.name == "postgresql" and tables:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE " + ", ".join(tables))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a long run (a link run, an address
    match) works.

    Such a run makes millions of small objects that live until it ends (records, sets of
    identifiers, golden records, parsed addresses); each time enough accumulate, the
    collector walks every object the process holds, gigabytes at a million records, and
    frees none of them: 17 s of a 225 s link run and 16 s of a 142 s address match at a
    million records (docs/people.md, docs/gazetteer.md). Nothing is lost by waiting: when
    the run ends, failed or not, the collector runs again (unless it was off before) and
    frees whatever cycles the run left.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with session_factory(engine)() as session, session.begin():
        yield session
