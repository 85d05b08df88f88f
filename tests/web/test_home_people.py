"""The practitioner's home page and ``GET /api/v1/me/people``: a search box, my people
with their flags, the flags changed since the last look, and nothing for other roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from chronology_support import CHILD, SECRETS, allocate_and_flag, build_world
from factories import user
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_support import sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction

SOCIAL_WORKER, COLLEAGUE, LEAD = "ada.social", "cat.social", "ian.lead"


@pytest.fixture
def web(app, engine):
    world = build_world(engine)
    with transaction(engine) as session:
        user(session, SOCIAL_WORKER, "CSC", ["practitioner"], email="ada.lovelace@csc.example")
        user(session, COLLEAGUE, "CSC", ["practitioner"])
        user(session, LEAD, "CSC", ["ig_lead"], email="ada.lovelace@csc.example")
        allocate_and_flag(session, world, flag_starts=date.today() - timedelta(days=3))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def _looks(engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "home.view", AuditEvent.outcome == "success"))


def test_the_home_page_searches_lists_my_people_and_the_flags_changed(web, engine):
    assert sign_in(web, SOCIAL_WORKER).status_code == 303
    page = web.get("/").text
    assert '<form method="get" action="/persons"' in page and 'name="q" type="search"' in page
    people = page[page.index('id="my-people"'):page.index('id="flags-changed"')]
    assert f'href="/persons/{CHILD}">Mia Stone</a>' in people
    assert "5 May 2015 (" in people and "Allocated social worker" in people and "2 September 2025" in people
    assert "Child-protection plan</strong>" in people
    changed = page[page.index('id="flags-changed"'):]
    assert "This is your first look" in changed and "(30 days ago)" in changed
    assert "Child-protection plan since" in changed
    assert page.index('id="my-people"') < page.index("What you can do")  # who you are stays, below
    assert not any(secret in page for secret in SECRETS)
    # Opening it again in the same session keeps the changes; the next session counts from this one.
    assert "Child-protection plan since" in web.get("/").text
    web.cookies.clear()
    assert sign_in(web, SOCIAL_WORKER).status_code == 303
    again = web.get("/").text
    assert "since you last looked, on" in again.lower() and "No flag you may see was set or ended" in again
    assert _looks(engine) == 3


def test_a_colleague_has_no_people_and_other_roles_see_no_list(web, engine):
    assert sign_in(web, COLLEAGUE).status_code == 303
    page = web.get("/").text
    assert "You have no current involvement that names you as its worker" in page and "Mia Stone" not in page
    web.cookies.clear()
    assert sign_in(web, LEAD).status_code == 303
    page = web.get("/").text
    assert 'id="my-people"' not in page and "Mia Stone" not in page and "What you can do" in page
    assert _looks(engine) == 1


def test_the_api_gives_my_people_and_refuses_other_roles(web):
    assert sign_in(web, SOCIAL_WORKER).status_code == 303
    body = web.get("/api/v1/me/people").json()
    assert [(person["person_id"], person["name"], person["roles"]) for person in body["people"]] == [
        (CHILD, "Mia Stone", ["Allocated social worker"])]
    assert [flag["name"] for flag in body["people"][0]["flags"]] == ["Child-protection plan"]
    assert body["last_looked"] is None and body["first_look_from"] is not None
    assert [(change["person_id"], change["ended"], change["flag"]["type"]) for change in body["changes"]] == [
        (CHILD, False, "child_protection_plan")]
    assert web.get("/api/v1/me/people").json()["last_looked"] is None  # the same session: still the first look
    web.cookies.clear()
    assert sign_in(web, SOCIAL_WORKER).status_code == 303
    assert web.get("/api/v1/me/people").json()["last_looked"] is not None
    web.cookies.clear()
    assert sign_in(web, LEAD).status_code == 303
    refused = web.get("/api/v1/me/people")
    assert refused.status_code == 403 and "Mia" not in refused.text
