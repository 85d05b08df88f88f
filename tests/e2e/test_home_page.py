"""The practitioner's home page in real Chromium, axe-core on every page: a social worker
signs in and sees the search box, their people (the child they are the allocated social
worker of, with her date of birth and age and her child-protection flag), the flag set
since they became involved, and who they are below; then they search from the home page.
Signed in again, without JavaScript (axe needs it), the page says nothing changed since
their last look, and the search still works.

The world is tests/chronology_support.py's (Mia Stone and her mother Lou), with the
social worker's current involvement naming them as worker (the directory's Ada Lovelace,
by her secure e-mail) and a child-protection plan flag set a few days ago.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    signed_in_page,
)
from chronology_support import CHILD, SECRETS, allocate_and_flag, build_world
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e

SET_ON = date.today() - timedelta(days=4)


def _allocate_and_flag(session, world):
    allocate_and_flag(session, world, flag_starts=SET_ON)


home_server = module_server("e2e-home-page", build_world, then=_allocate_and_flag,
                            users=[("cat.social", "CSC", ["practitioner"], {"email": "ada.lovelace@csc.example"})])


def test_a_social_worker_sees_their_people_and_the_flags_changed_then_searches(browser: Browser, home_server,
                                                                                axe_source):
    url, _world, _engine = home_server
    page = signed_in_page(browser, url, "cat.social")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")

    people = page.get_by_role("table", name="The persons you are working with now")
    row = people.get_by_role("row").filter(has_text="Mia Stone")
    expect(row.get_by_role("link", name="Mia Stone")).to_have_attribute("href", f"/persons/{CHILD}")
    expect(row).to_contain_text("5 May 2015 (")
    expect(row).to_contain_text("Allocated social worker")
    expect(row).to_contain_text("2 September 2025")
    expect(row).to_contain_text("Child-protection plan")

    expect(page.get_by_text("This is your first look")).to_be_visible()
    changed = page.get_by_role("table", name="Flags set or ended on your people")
    expect(changed.get_by_role("row").filter(has_text="Mia Stone")).to_contain_text(
        f"Child-protection plan since {SET_ON.day} {SET_ON:%B %Y}")
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    assert not any(secret in page.content() for secret in SECRETS)
    assert_accessible(page, axe_source)

    page.get_by_role("searchbox", name="Find a person").fill("Mia Stone")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{url}/persons?q=Mia+Stone")
    expect(page.get_by_role("link", name="Mia Stone")).to_be_visible()
    assert_accessible(page, axe_source)
    page.context.close()

    # Signed in again, without JavaScript: nothing has changed since the last look.
    page = signed_in_page(browser, url, "cat.social", javascript=False)
    page.goto("/")
    expect(page.get_by_text("Flags set or ended since you last looked, on")).to_be_visible()
    expect(page.get_by_text("No flag you may see was set or ended on your people in that time.")).to_be_visible()
    expect(page.get_by_role("table", name="The persons you are working with now")).to_contain_text("Mia Stone")
    page.get_by_role("searchbox", name="Find a person").fill("Stone")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Mia Stone")).to_be_visible()
    page.context.close()
