"""A fresh, migrated store for a benchmark: a temporary SQLite file, or a new database on
the PostgreSQL server named, dropped when the benchmark is done."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from joinedup.db import make_engine
from joinedup.db.migrate import upgrade


def fresh_store(database_url: str | None, folder: Path, name: str) -> tuple[Engine, Callable[[], None]]:
    """A migrated engine named after ``name`` (``folder/name.db``, or ``joinedup_name_…`` on
    the server of ``database_url``), and what drops it again."""
    if not database_url:
        engine = make_engine(f"sqlite:///{folder / f'{name}.db'}")
        upgrade(engine)
        return engine, lambda: None
    admin_url = make_url(database_url).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    database = f"joinedup_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'create database "{database}"'))
    engine = make_engine(admin_url.set(database=database).render_as_string(hide_password=False))
    upgrade(engine)

    def drop() -> None:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'drop database if exists "{database}" with (force)'))
    return engine, drop
