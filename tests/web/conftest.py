"""Fixtures for the web tests: the app on each backend, a seeded place, clients."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from fastapi.testclient import TestClient
from practice_support import World, seed_sharing
from web_support import Place, seed, sign_in

from joinedup.config import Settings


@pytest.fixture
def engine(sqlite_engine) -> Engine:
    """The web tests run on SQLite: what the pages and the API do is the same on both stores,
    and the store's own behaviour is tested on both by the domain and store tests. A module
    that must also run on PostgreSQL (the schemathesis sweep) asks for both itself."""
    return sqlite_engine


@pytest.fixture
def web_settings(tmp_path, engine) -> Settings:
    return Settings(home=tmp_path / "home", database_url=engine.url.render_as_string(hide_password=False))


@pytest.fixture
def place(engine, seed_once) -> Place:
    return seed_once(engine, seed)


@pytest.fixture
def app(web_settings, engine, make_app):
    return make_app(web_settings, engine)


@pytest.fixture
def client(app, place) -> TestClient:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


@pytest.fixture
def signed_in(client):
    """A client signed in as the social worker at Children's Social Care."""
    response = sign_in(client, "sam.social")
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def practice(engine, seed_once) -> World:
    """The governed-sharing world (tests/web/practice_support.py): a person for each
    relation to Children's Social Care, the agreements, consent and users."""
    return seed_once(engine, seed_sharing)


@pytest.fixture
def practice_client(app, practice) -> TestClient:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client
