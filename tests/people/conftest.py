"""A small synthetic place, every extract ingested and its addresses matched, per backend.

Loading the place (and training, or linking it) is done once per backend, kind and test
session (per xdist worker), into a template store; each test gets a copy of its own (a
file copy on SQLite, ``create database ... template`` on PostgreSQL), so tests still
write freely and never see each other's changes.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from place_support import place_extracts, without_some
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from joinedup.db import make_engine
from joinedup.db.migrate import upgrade
from joinedup.demo import load_place, load_place_gazetteer
from joinedup.gazetteer import match_addresses
from joinedup.ingest import ingest_file, load_mapping
from joinedup.people import link_people, train_model
from joinedup.store import initialise
from joinedup.synth import generate_place

PEOPLE = 400
SEED = 11

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


#: The template each store fixture copies: (kind, backend), the backend ``None`` when the
#: fixture is parametrised by it.
TEMPLATE_OF = {"linked_store": ("loaded", None), "linked_once": ("linked", None), "held_back": ("held_back", None),
               "loaded_home": ("loaded", "sqlite"), "held_back_home": ("held_back", "sqlite")}
#: The linked template is the loaded one after a link run, so the two are built by one worker.
GROUP_OF = {"linked": "loaded"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under ``make test`` (``--dist loadgroup``) the tests copying one template are one
    group, run by one worker, so each template (some 15 s to build) is built once in the
    run rather than once by each worker; the linked template is made from the loaded one."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        for name, (kind, backend) in TEMPLATE_OF.items():
            if name in fixtures:
                backend = backend or item.callspec.params[name]
                item.add_marker(pytest.mark.xdist_group(f"people-{GROUP_OF.get(kind, kind)}-{backend}"))
                break


@pytest.fixture(scope="session")
def small_place(tmp_path_factory) -> Path:
    place = tmp_path_factory.mktemp("people-place")
    generate_place(place, people=PEOPLE, seed=SEED)
    return place


def _fill(engine, place: Path, kind: str, scratch: Path) -> None:
    """Load the place (``held_back``: without one row in EVERY of each extract) and match
    its addresses; then link it (``held_back``), or else only train the model (``loaded``:
    version 1, adopted, as a first run would), so no test pays for training. (``linked``
    is a copy of ``loaded``, linked: :meth:`_Templates.template`.)"""
    if kind == "held_back":
        for extract in place_extracts(place):
            partial = scratch / extract["file"].replace("/", "_")
            without_some(extract, place, partial)
            ingest_file(engine, load_mapping(extract["mapping"]), partial, loaded_by="test")
    else:
        load_place(engine, place)
    load_place_gazetteer(engine, place)
    match_addresses(engine, full=True, address_engine=None)
    if kind == "loaded":
        assert train_model(engine, trained_by="tests").adopted
    else:
        assert link_people(engine).status == "completed"


class _Templates:
    """The stores of this session by kind (see :func:`_fill`), built when first asked for."""

    def __init__(self, tmp_path_factory, request, place: Path) -> None:
        self.tmp_path_factory, self.request, self.place = tmp_path_factory, request, place
        self.built: dict[tuple[str, str], str] = {}
        self.databases: list[str] = []
        self.server: str | None = None

    def template(self, backend: str, kind: str) -> str:
        key = (backend, kind)
        if key not in self.built:
            self.built[key] = self._sqlite(kind) if backend == "sqlite" else self._postgres(kind)
        return self.built[key]

    def _sqlite(self, kind: str) -> str:
        path = self.tmp_path_factory.mktemp("people-template") / "joinedup.db"
        from_loaded = kind == "linked"
        shutil.copy2(self.template("sqlite", "loaded") if from_loaded
                     else self.request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        if from_loaded:
            assert link_people(engine).status == "completed"
        else:
            _fill(engine, self.place, kind, path.parent)
        with engine.connect() as connection:
            connection.exec_driver_sql("pragma wal_checkpoint(truncate)")
        engine.dispose()
        return str(path)

    def _postgres(self, kind: str) -> str:
        if kind == "linked":
            name = self.create(self.template("postgresql", "loaded"))
            engine = make_engine(self.url(name))
            assert link_people(engine).status == "completed"
        else:
            name = self.create(None)
            engine = make_engine(self.url(name))
            upgrade(engine)
            _fill(engine, self.place, kind, self.tmp_path_factory.mktemp("people-template"))
        engine.dispose()
        return name

    def url(self, database: str) -> str:
        return make_url(self._server()).set(database=database).render_as_string(hide_password=False)

    def admin(self):
        return create_engine(self._server(), isolation_level="AUTOCOMMIT")

    def _server(self) -> str:
        """The server's own database, kept when first asked for: the templates are dropped
        through it at the end, when pytest may have torn its fixture down already."""
        if self.server is None:
            self.server = self.request.getfixturevalue("postgres_admin_url")
        return self.server

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


def _copy(templates: _Templates, backend: str, kind: str, tmp_path: Path):
    template = templates.template(backend, kind)
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
    """A store of its own with the small place's extracts loaded, addresses matched and the
    model trained (version 1, adopted), not yet linked; once per backend."""
    yield from _copy(_templates, request.param, "loaded", tmp_path)


@pytest.fixture(params=BACKENDS)
def linked_once(request, _templates, tmp_path):
    """As ``linked_store``, after one link run with the default thresholds (which the
    template's build checks completed): for tests of what follows a first run."""
    yield from _copy(_templates, request.param, "linked", tmp_path)


@pytest.fixture(params=BACKENDS)
def held_back(request, _templates, tmp_path):
    """The small place loaded without one record in EVERY of each extract, its addresses
    matched, and fully linked: the rest arrive in the test (incremental linking)."""
    yield from _copy(_templates, request.param, "held_back", tmp_path)


def home_with(templates: _Templates, settings, kind: str):
    """The SQLite template of ``kind`` as the store of ``settings`` (which the CLI opens)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    shutil.copy2(templates.template("sqlite", kind), settings.home / "joinedup.db")
    return initialise(settings)


@pytest.fixture
def loaded_home(_templates, settings):
    """``settings`` whose store is a copy of the loaded place with its model trained, for the CLI."""
    engine = home_with(_templates, settings, "loaded")
    yield engine
    engine.dispose()


@pytest.fixture
def held_back_home(_templates, settings):
    """``settings`` whose store is a copy of the linked place held back in part, for the CLI."""
    engine = home_with(_templates, settings, "held_back")
    yield engine
    engine.dispose()
