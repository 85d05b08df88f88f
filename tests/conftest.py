"""Shared fixtures: a migrated database on SQLite and, where it answers, PostgreSQL.

Every test that takes ``engine`` runs once per backend. PostgreSQL is found at
``JOINEDUP_TEST_POSTGRES_URL`` (default: the local server, role ``joinedup``). When it
does not answer, its tests skip, except on CI (``CI=true``), where they fail: CI must
exercise both backends.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from joinedup.config import Settings
from joinedup.db import make_engine
from joinedup.db.migrate import upgrade
from joinedup.schema import metadata

POSTGRES_URL = os.environ.get(
    "JOINEDUP_TEST_POSTGRES_URL", "postgresql://joinedup@127.0.0.1:5432/test"
)
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str):
    if ON_CI:
        pytest.fail(f"{reason} (CI must run these tests)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not here"
        _unavailable(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc.__class__.__name__}")
    name = f"joinedup_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def _empty_postgres(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"truncate {tables} restart identity cascade"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path) -> Engine:
    """A migrated, empty database: a new SQLite file, or the session's PostgreSQL emptied."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'joinedup.db'}")
        upgrade(engine)
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        _empty_postgres(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Engine:
    """A migrated SQLite database, for tests whose subject is not the backend."""
    engine = make_engine(f"sqlite:///{tmp_path / 'joinedup.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings pointing at a private data directory, also exported as JOINEDUP_HOME."""
    home = tmp_path / "home"
    monkeypatch.setenv("JOINEDUP_HOME", str(home))
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    return Settings(home=Path(home), database_url=f"sqlite:///{home / 'joinedup.db'}")
