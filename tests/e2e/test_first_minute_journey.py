"""Issue 13's check, end to end in real Chromium at 1280×800, axe-core on every page: a
social worker finds a child with a purpose; on the first screen, without scrolling, they
see the child-protection flag and the professionals involved with their contacts; they
open the mother from the family without stating the purpose again; and they see her police
domestic-abuse incident in the family chronology. The domestic-abuse service's own data
never shows.

The world is tests/chronology_support.py's (Mia Stone and her mother Lou), with a current
child-protection plan flag and a current allocated social worker.
"""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    signed_in_page,
)
from chronology_support import CHILD, MOTHER, SECRETS, allocate_and_flag, build_world
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e


def _allocate_and_flag(session, world):
    allocate_and_flag(session, world, flag_starts=date(2025, 3, 15))


first_minute_server = module_server("e2e-first-minute", build_world, users=[("cat.social", "CSC", ["practitioner"])], then=_allocate_and_flag)


def test_a_social_workers_first_minute_from_the_child_to_the_mothers_incident(browser: Browser, first_minute_server,
                                                                             axe_source):
    url, _world, _engine = first_minute_server
    page = signed_in_page(browser, url, "cat.social")
    page.set_viewport_size({"width": 1280, "height": 800})

    # 1. Find the child, saying why once.
    page.goto("/persons")
    page.get_by_label("Find a person").fill("Mia Stone")
    page.get_by_text("Search partners' records too").click()
    page.get_by_label("Why are you looking?").select_option("safeguarding_child")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Mia Stone")).to_be_visible()
    assert_accessible(page, axe_source)

    # 2. The first screen: the flag and who is involved, with contacts, without scrolling.
    page.get_by_role("link", name="Mia Stone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Stone")
    expect(page.get_by_text("Child-protection plan since 15 March 2025").first).to_be_in_viewport()
    who = page.locator("#who-is-involved")
    expect(who.get_by_role("cell", name="Ada Lovelace")).to_be_in_viewport()
    expect(who.get_by_text("0306 999 0101").first).to_be_in_viewport()
    assert_accessible(page, axe_source)

    # 3. The mother, from the family, without stating the purpose again.
    page.get_by_role("link", name="Lou Stone").first.click()
    expect(page).to_have_url(f"{url}/persons/{MOTHER}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lou Stone")
    expect(page.get_by_text("State why you are looking")).to_have_count(0)
    assert_accessible(page, axe_source)

    # 4. Her police domestic-abuse incident in the family chronology.
    page.goto(f"/persons/{CHILD}")
    page.get_by_role("link", name="Family chronology").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family chronology: Mia Stone")
    incident = page.get_by_role("row").filter(has_text="Domestic abuse incident reported")
    expect(incident).to_contain_text("Lou Stone")
    expect(incident).to_contain_text("Joinford Police")
    expect(page.get_by_role("row").filter(has_text="Flag set: Child-protection plan")).to_be_visible()
    assert not any(secret in page.content() for secret in SECRETS)
    assert_accessible(page, axe_source)
    page.context.close()
