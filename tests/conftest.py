"""Shared fixtures: a migrated database on SQLite and, where it answers, PostgreSQL.

Every test that takes ``engine`` runs once per backend. PostgreSQL is found at
``JOINEDUP_TEST_POSTGRES_URL`` (default: the local server, role ``joinedup``). When it
does not answer, its tests skip, except on CI (``CI=true``), where they fail: CI must
exercise both backends.

The app, the schema, the migrations and the password module are imported inside the
fixtures that use them: pytest-xdist's controller imports this file before it starts the
workers, and importing them here held every worker back by about 1.9 s.
"""

from __future__ import annotations

import copy
import filecmp
import functools
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from _pytest.nodeid import NodeId
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from joinedup.config import Settings
from joinedup.db import make_engine

if TYPE_CHECKING:
    from fastapi import FastAPI

POSTGRES_URL = os.environ.get(
    "JOINEDUP_TEST_POSTGRES_URL", "postgresql://joinedup@127.0.0.1:5432/test"
)
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str):
    if ON_CI:
        pytest.fail(f"{reason} (CI must run these tests)")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def unmigrated_engine(request, tmp_path):
    """An empty database with no schema yet: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
        yield engine
        engine.dispose()
        return
    url = make_url(request.getfixturevalue("postgres_url"))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"joinedup_before_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_admin_url(postgres_url) -> str:
    """The server's own database, from which test databases are created and dropped."""
    return make_url(POSTGRES_URL).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


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
    from joinedup.db.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@functools.cache
def _tables() -> tuple[list[str], str]:
    """The tables, each before those it refers to, and a query naming those holding any row."""
    from joinedup.schema import metadata

    names = [table.name for table in reversed(metadata.sorted_tables)]
    return names, " union all ".join(f"select '{name}' where exists (select from \"{name}\")" for name in names)


def _empty_postgres(engine: Engine) -> None:
    """Delete the rows of every table that holds any and restart every sequence used, as a
    fresh database would be. Truncating all the tables took 0.11 s a test; the few rows a
    test leaves go in milliseconds. A session an earlier test left open (idle in a
    transaction) would hold its locks and make this wait for ever; it fails here instead,
    saying so."""
    try:
        with engine.begin() as connection:
            connection.execute(text("set local lock_timeout = '60s'"))
            tables, written_query = _tables()
            written = set(connection.execute(text(written_query)).scalars())
            for name in tables:
                if name in written:
                    connection.execute(text(f'delete from "{name}"'))
            connection.execute(text("select setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                                    "from pg_sequences where last_value is not null"))
    except OperationalError as exc:
        with engine.connect() as connection:
            held = connection.execute(text(
                "select state, left(query, 200) from pg_stat_activity "
                "where datname = current_database() and pid <> pg_backend_pid()")).all()
        pytest.fail(f"an earlier test left a session open on the test database: {held} ({exc.__class__.__name__})")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, built once per test session (per worker): each test
    copies it rather than running every migration again."""
    from joinedup.db.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "joinedup.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("pragma wal_checkpoint(truncate)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template) -> Engine:
    """A migrated, empty SQLite database of the test's own, copied from the template."""
    path = tmp_path / "joinedup.db"
    shutil.copy2(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _seeded_templates(sqlite_template, tmp_path_factory):
    """Each seeding function's world, built once per worker in a copy of the migrated
    template: ``(path, what the seed returned, the engine it was given)`` by function."""
    built: dict[Callable[[Engine], Any], tuple[Path, Any, Engine]] = {}

    def template(seed: Callable[[Engine], Any]) -> tuple[Path, Any, Engine]:
        if seed not in built:
            path = tmp_path_factory.mktemp("seeded") / "joinedup.db"
            shutil.copy2(sqlite_template, path)
            engine = make_engine(f"sqlite:///{path}")
            world = seed(engine)
            with engine.connect() as connection:
                connection.exec_driver_sql("pragma wal_checkpoint(truncate)")
            engine.dispose()
            built[seed] = (path, world, engine)
        return built[seed]

    return template


@pytest.fixture
def seed_once(sqlite_template, _seeded_templates):
    """``seed_once(engine, seed)``: the test's store as ``seed(engine)`` would leave it, and
    what the seed returns. A store still as the migrated template left it (SQLite) becomes
    a copy of a world seeded once per worker: a world took 15 to 50 ms to seed for each of
    several hundred tests. A seed writes the same rows with the same ids into any empty
    store, so the copy is what seeding would have made; its timestamps are from when the
    worker first seeded it, and a world that keeps its engine gets the test's. Any other
    store is seeded in place."""

    def load(engine: Engine, seed: Callable[[Engine], Any]) -> Any:
        if engine.dialect.name != "sqlite":
            return seed(engine)
        path = Path(engine.url.database)
        engine.dispose()
        if not filecmp.cmp(path, sqlite_template, shallow=False):
            return seed(engine)
        template, world, seeded_with = _seeded_templates(seed)
        shutil.copy2(template, path)
        return copy.deepcopy(world, {id(seeded_with): engine})

    return load


@pytest.fixture
def postgres_engine(postgres_url) -> Engine:
    """The session's PostgreSQL database, migrated and emptied for the test."""
    engine = make_engine(postgres_url)
    _empty_postgres(engine)
    yield engine
    engine.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite_engine", id="sqlite"),
        pytest.param("postgres_engine", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def engine(request) -> Engine:
    """A migrated, empty database: each test that takes it runs once per store."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings pointing at a private data directory, also exported as JOINEDUP_HOME."""
    home = tmp_path / "home"
    monkeypatch.setenv("JOINEDUP_HOME", str(home))
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    return Settings(home=Path(home), database_url=f"sqlite:///{home / 'joinedup.db'}")


@pytest.fixture(scope="session", autouse=True)
def quick_hashes():
    """Cheap argon2id parameters for the whole session, module-wide worlds included: at the
    production cost, hashing the seeded users' passwords was a third of some directories'
    time. A test whose subject is the cost is marked ``production_hashes``."""
    from joinedup.accounts import passwords

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        patch.setattr(passwords, "_unknown_user_hash", None)
        yield


@pytest.fixture(autouse=True)
def production_hashes(request):
    """The production argon2id parameters, for a test marked ``production_hashes``."""
    if request.node.get_closest_marker("production_hashes") is None:
        yield
        return
    from joinedup.accounts import passwords

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", PasswordHasher())
        patch.setattr(passwords, "_unknown_user_hash", None)
        yield


@pytest.fixture(scope="session")
def make_app():
    """``make_app(settings, engine)``: the app over the test's own settings and store.

    FastAPI (0.165) builds every included route's handler again for each app, on the first
    request that passes it: about half a second for all of ours, more than most web tests
    take. So a worker keeps one app for each kind of settings (all but the home and the
    database) and gives it each test's settings and store. A test that changes the app
    itself (adds a route) builds its own with ``create_app``."""
    from joinedup.web import create_app

    apps: dict[Settings, FastAPI] = {}

    def build(settings: Settings, engine: Engine) -> FastAPI:
        kind = replace(settings, home=Path("/"), database_url="")
        app = apps.get(kind)
        if app is None:
            app = apps[kind] = create_app(settings, engine=engine)
        else:
            app.state.web = replace(app.state.web, settings=settings, engine=engine)
        return app

    return build


#: Fixture scopes that a module's tests share: their tests stay on one worker.
_SHARED_SCOPES = {"module", "class", "package"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under ``--dist loadgroup`` (``make test``) tests are shared out one at a time, so a
    file of slow tests is run by both workers. A module whose tests share a fixture built
    once for the module (a browser journey's server, a seeded world) is one group, kept on
    one worker, so the fixture is still built once; the browser journeys are one group
    each by module, as they share the module's server."""
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        shared = fixtures is not None and any(
            definitions and definitions[-1].scope in _SHARED_SCOPES
            for definitions in fixtures.name2fixturedefs.values())
        if shared or "/e2e/" in item.nodeid or item.nodeid.startswith("e2e/"):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


class _GroupNames:
    """pytest-xdist 3.8 puts a test in its group by renaming ``item._nodeid`` to end in
    ``@group``, but pytest 9.2 keeps a node's id in ``item._id``, so every group was
    silently ignored and a module's shared fixture was built again whenever a worker came
    back to the module. This does the renaming xdist means to do, after every other hook
    has marked its groups (on a worker, under ``--dist loadgroup``); tests/test_groups.py
    checks that a group takes effect."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        if not getattr(config.option, "loadgroup", False):
            return
        for item in items:
            groups = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
            if groups and "@" not in item.nodeid.rsplit("]", 1)[-1]:
                item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def pytest_configure(config):
    config.pluginmanager.register(_GroupNames(), "joinedup-group-names")
