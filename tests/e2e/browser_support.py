"""What the browser journeys share: a server over a seeded store, signing in, and axe-core.

Imported by name (``from browser_support import ...``), as tests/web imports web_support:
this folder has no ``__init__.py``, so pytest puts it on ``sys.path``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import uvicorn
from factories import PASSWORD, user
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.db import make_engine, transaction
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.web import create_app

AXE = Path(os.environ.get("JOINEDUP_AXE") or Path(__file__).resolve().parents[2] / "node_modules" / "axe-core"
           / "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: axe-core's violations on the page (``null`` when axe-core is not loaded), each with the
#: first five elements it names.
_AXE_VIOLATIONS = """async (tags) => typeof axe === 'undefined' ? null
    : (await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})).violations
        .map(({id, impact, help, nodes}) => ({id, impact, help, nodes: nodes.slice(0, 5).map(({target}) => ({target}))}))"""


def assert_accessible(page: Page, axe_source: str) -> None:
    """No WCAG 2.0, 2.1 or 2.2 A/AA violations that axe-core can find on the page as it is now.
    axe-core is injected only when the context did not load it (:func:`load_axe`); asking
    whether it is there and running it are one call to the browser, which sends back only
    the violations (axe's whole result, every rule that passed included, was most of what
    the browser and Playwright's driver had to carry). It waits for the page to have loaded:
    a check begun while a link's page was still arriving once ran on a document that had
    gone. A journey still waits for what it expects to see before checking."""
    page.wait_for_load_state("load")
    violations = page.evaluate(_AXE_VIOLATIONS, AXE_TAGS)
    if violations is None:
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(_AXE_VIOLATIONS, AXE_TAGS)
    problems = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in violations
    ]
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


def load_axe(context: BrowserContext) -> BrowserContext:
    """Have every page of ``context`` load axe-core as it starts: about 0.01 s a navigation,
    where injecting it for each check took 0.2 s (docs/testing.md, "Fifth figure")."""
    if AXE.exists():
        context.add_init_script(path=AXE)
    return context


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form that the page is showing."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in_page(
    browser: Browser, base_url: str, username: str, *, javascript: bool = True, bypass_csp: bool = True
) -> Page:
    """A page in a browser context of its own, just signed in; ``page.context`` is the caller's to close.

    The content security policy is bypassed unless asked otherwise, because axe-core is
    injected as a script.
    """
    context = load_axe(browser.new_context(base_url=base_url, bypass_csp=bypass_csp, java_script_enabled=javascript))
    page = context.new_page()
    page.goto("/sign-in")
    sign_in(page, username)
    return page


@contextmanager
def page_under_the_csp(browser: Browser, base_url: str) -> Iterator[Page]:
    """A page that honours our content security policy; a blocked script or style, or any
    other console error or uncaught exception, fails the test when the block ends."""
    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        yield page
        assert problems == [], "errors in the console:\n" + "\n".join(problems)
    finally:
        context.close()


def visit_each(page: Page, paths: Iterable[str]) -> None:
    """Open each path in turn, as far as its main content showing."""
    for path in paths:
        page.goto(path)
        expect(page.locator("main")).to_be_visible()


class Partners(NamedTuple):
    council: Organisation
    police: Organisation
    csc: SourceSystem
    niche: SourceSystem


def add_partners(session) -> Partners:
    """Children's Social Care and the Police, each with the system its records come from."""
    council = Organisation(code="CSC", name="Children's Social Care", type="childrens_social_care")
    police = Organisation(code="POL", name="Police", type="police")
    session.add_all([council, police])
    session.flush()
    csc = SourceSystem(code="csc", name="Children's case system", owner_organisation_id=council.id)
    niche = SourceSystem(code="police", name="Police records", owner_organisation_id=police.id)
    session.add_all([csc, niche])
    session.flush()
    return Partners(council, police, csc, niche)


@contextmanager
def migrated_store(tmp_path_factory, name: str, template: Path) -> Iterator[tuple[Settings, Engine]]:
    """A new data directory with a migrated, empty SQLite store: a copy of ``template``
    (the session's ``sqlite_template``), as the other tests' stores are."""
    home = tmp_path_factory.mktemp(name)
    shutil.copy2(template, home / "joinedup.db")
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'joinedup.db'}")
    engine = make_engine(settings.database_url)
    try:
        yield settings, engine
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """uvicorn serving the app on a free port in a background thread, for as long as the block lasts."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class SeededServer(NamedTuple):
    """A module's server: where it answers, what its seed returned (the ids its tests look
    for), and its store's engine, to read what a journey wrote."""

    url: str
    world: Any
    engine: Engine


def module_server(store_name: str, world: Callable[[Engine], Any], *, users: Iterable[tuple] = (),
                  then: Callable[[Session, Any], None] | None = None):
    """A module-scoped fixture: the module's own server over its own store, so that its
    decisions disturb no other journey. Assign it to the fixture's name in the module.

    The store is ``world(engine)`` (a test world's builder: what it returns is the
    server's ``world``), then ``users`` (each ``(username, organisation code, roles)``,
    with a dict of details after them when needed; they sign in with :data:`PASSWORD`),
    then ``then(session, world)``, in a transaction: a journey states only what differs.
    Asking for ``browser_type_launch_args`` first skips the module before any seeding when Chromium is missing.
    """

    def build(engine: Engine) -> Any:
        built = world(engine)
        with transaction(engine) as session:
            for username, organisation, roles, *details in users:
                user(session, username, organisation, roles, **(details[0] if details else {}))
        if then is not None:
            with transaction(engine) as session:
                then(session, built)
        return built

    @pytest.fixture(scope="module")
    def server(tmp_path_factory, sqlite_template, browser_type_launch_args) -> Iterator[SeededServer]:
        with migrated_store(tmp_path_factory, store_name, sqlite_template) as (settings, engine):
            built = build(engine)
            with serving(create_app(settings, engine=engine)) as url:
                yield SeededServer(url, built, engine)

    return server
