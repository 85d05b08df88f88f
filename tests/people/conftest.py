"""A small synthetic place, every extract ingested and its addresses matched, per backend.

Loading the place (and, for ``linked_once``, linking it) is done once per backend and test
session (per xdist worker), into a template store; each test gets a copy of its own (a
file copy on SQLite, ``create database ... template`` on PostgreSQL), so tests still
write freely and never see each other's changes.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from joinedup.db import make_engine
from joinedup.db.migrate import upgrade
from joinedup.demo import load_place, load_place_gazetteer
from joinedup.gazetteer import match_addresses
from joinedup.people import link_people
from joinedup.synth import generate_place

PEOPLE = 400
SEED = 11

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def small_place(tmp_path_factory) -> Path:
    place = tmp_path_factory.mktemp("people-place")
    generate_place(place, people=PEOPLE, seed=SEED)
    return place


def _fill(engine, place: Path, linked: bool) -> None:
    load_place(engine, place)
    load_place_gazetteer(engine, place)
    match_addresses(engine, full=True, address_engine=None)
    if linked:
        assert link_people(engine).status == "completed"


class _Templates:
    """The loaded (and the loaded-and-linked) stores of this session, built when first asked for."""

    def __init__(self, tmp_path_factory, request, place: Path) -> None:
        self.tmp_path_factory, self.request, self.place = tmp_path_factory, request, place
        self.built: dict[tuple[str, bool], str] = {}
        self.databases: list[str] = []

    def template(self, backend: str, linked: bool) -> str:
        key = (backend, linked)
        if key not in self.built:
            self.built[key] = self._sqlite(linked) if backend == "sqlite" else self._postgres(linked)
        return self.built[key]

    def _sqlite(self, linked: bool) -> str:
        path = self.tmp_path_factory.mktemp("people-template") / "joinedup.db"
        shutil.copy2(self.request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        _fill(engine, self.place, linked)
        with engine.connect() as connection:
            connection.exec_driver_sql("pragma wal_checkpoint(truncate)")
        engine.dispose()
        return str(path)

    def _postgres(self, linked: bool) -> str:
        name = self.create(None)
        engine = make_engine(self.url(name))
        upgrade(engine)
        _fill(engine, self.place, linked)
        engine.dispose()
        return name

    def url(self, database: str) -> str:
        return make_url(self.request.getfixturevalue("postgres_url")).set(database=database).render_as_string(
            hide_password=False)

    def admin(self):
        return create_engine(self.request.getfixturevalue("postgres_url"), isolation_level="AUTOCOMMIT")

    def create(self, template: str | None) -> str:
        name = f"joinedup_people_{uuid.uuid4().hex[:10]}"
        admin = self.admin()
        with admin.connect() as connection:
            connection.execute(text(f'create database "{name}"' + (f' template "{template}"' if template else "")))
        admin.dispose()
        self.databases.append(name)
        return name

    def drop(self, name: str) -> None:
        admin = self.admin()
        with admin.connect() as connection:
            connection.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()
        self.databases.remove(name)


@pytest.fixture(scope="session")
def _templates(tmp_path_factory, request, small_place):
    templates = _Templates(tmp_path_factory, request, small_place)
    yield templates
    for name in list(reversed(templates.databases)):
        templates.drop(name)


def _copy(templates: _Templates, backend: str, linked: bool, tmp_path: Path):
    template = templates.template(backend, linked)
    if backend == "sqlite":
        path = tmp_path / "joinedup.db"
        shutil.copy2(template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    name = templates.create(template)
    engine = make_engine(templates.url(name))
    yield engine
    engine.dispose()
    templates.drop(name)


@pytest.fixture(params=BACKENDS)
def linked_store(request, _templates, tmp_path):
    """A store of its own with the small place's extracts loaded and addresses matched, not
    yet linked; once per backend."""
    yield from _copy(_templates, request.param, False, tmp_path)


@pytest.fixture(params=BACKENDS)
def linked_once(request, _templates, tmp_path):
    """As ``linked_store``, after one link run with the default thresholds (which the
    template's build checks completed): for tests of what follows a first run."""
    yield from _copy(_templates, request.param, True, tmp_path)
