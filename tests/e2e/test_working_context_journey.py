"""The working context, end to end in real Chromium with axe-core on every page.

A social worker searches for a child with the purpose "Safeguarding a child", opens the
child, sees who is involved, opens the mother from the family view without stating the
purpose again, and sees her police domestic-abuse incident. The banner says what they
are working on, for whom and since when, and they end it. (Issue 13, item 4.)

This module runs its own server over its own store: tests/family_world.py's child,
mother and stranger, and a police officer involved with the child.
"""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    signed_in_page,
)
from family_world import CHILD, INCIDENT, MOTHER, SYSTEM, seed_family
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from joinedup.audit import Actor
from joinedup.involvements import (
    InvolvementTerms,
    Team,
    Worker,
    load_directory,
    record_involvement,
)
from joinedup.partners.models import Organisation

pytestmark = pytest.mark.e2e

DIRECTORY = ("team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
             "Public Protection Unit,0306 999 0500,,,PC Dana Reid,youth_justice_worker,0306 999 0501,"
             "dana.reid@pol.example\n")


def _youth_justice(session, _world):
    """The police directory, and its youth justice worker's involvement with the child."""
    load_directory(session, SYSTEM, "POL", DIRECTORY)
    police = session.scalar(select(Organisation).where(Organisation.code == "POL"))
    team = session.scalar(select(Team).where(Team.organisation_id == police.id))
    worker = session.scalar(select(Worker).where(Worker.team_id == team.id))
    officer = Actor(username="pol.seed", organisation_id=police.id, roles=frozenset({"practitioner"}))
    record_involvement(session, officer, CHILD, InvolvementTerms("youth_justice_worker", team.id, worker.id,
                                                                 "phone", date(2025, 9, 1)))


context_server = module_server("e2e-working-context", seed_family, then=_youth_justice)


def test_from_a_child_to_the_mothers_police_incident_stating_the_purpose_once(browser: Browser, context_server,
                                                                             axe_source):
    url, _world, _engine = context_server
    page = signed_in_page(browser, url, "sam.social")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/persons")
    page.get_by_label("Find a person").fill("Rory Journey")
    page.get_by_text("Search partners' records too").click()
    page.get_by_label("Why are you looking?").select_option("safeguarding_child")
    page.get_by_role("button", name="Search").click()
    banner = page.locator("#working-context")
    expect(banner).to_contain_text("You are working on: Safeguarding a child")
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Rory Journey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rory Journey")
    expect(banner).to_contain_text("for Rory Journey and their family, since")
    who = page.locator("#who-is-involved")
    expect(who.get_by_role("cell", name="PC Dana Reid")).to_be_visible()
    expect(who.get_by_text("Phone: 0306 999 0501")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Mia Journey").click()
    expect(page).to_have_url(f"{url}/persons/{MOTHER}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Journey")
    expect(page.get_by_text("State why you are looking")).to_have_count(0)
    expect(banner).to_contain_text("for Rory Journey and their family")
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Joinford Police").click()
    expect(page.get_by_text(INCIDENT)).to_be_visible()
    assert_accessible(page, axe_source)

    page.goto(f"/persons/{MOTHER}")
    page.get_by_role("button", name="End this working context").click()
    expect(page.get_by_text("Your working context has ended")).to_be_visible()
    expect(page.locator("#working-context")).to_have_count(0)
    assert_accessible(page, axe_source)
    response = page.goto(f"/persons/{MOTHER}")
    assert response is not None and response.status == 403
    page.context.close()
