"""The chronology end to end in real Chromium, axe-core on every page: a social worker
opens a child, states why, goes to the chronology from the person page, narrows it with
the filters (a GET form, no JavaScript needed), and sees the mother's domestic-abuse
incident in the family chronology; a sensitive service's events never show.

This module runs its own server over its own store: tests/chronology_support.py's world.
"""

from __future__ import annotations

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    signed_in_page,
)
from chronology_support import CHILD, MOTHER, SECRETS, build_world
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e


chronology_server = module_server("e2e-chronology", build_world, users=[("cat.social", "CSC", ["practitioner"])])


def test_a_social_worker_reads_the_chronology_and_the_familys(browser: Browser, chronology_server, axe_source):
    url, _world, _engine = chronology_server
    page = signed_in_page(browser, url, "cat.social")
    page.goto(f"/persons/{CHILD}")
    page.get_by_text("State why you are looking").click()
    page.get_by_role("radio", name="Safeguarding a child").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Chronology", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chronology: Mia Stone")
    expect(page.get_by_role("cell", name="Child protection plan started")).to_be_visible()
    expect(page.get_by_role("img", name="Events by agency over time")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_role("checkbox", name="Plans").check()
    page.get_by_role("checkbox", name="Significant events only").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#event-count")).to_contain_text("2 events, 2 significant (7 before filtering)")
    expect(page.get_by_role("checkbox", name="Plans")).to_be_checked()
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="See the family chronology").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family chronology: Mia Stone")
    incident = page.get_by_role("row").filter(has_text="Domestic abuse incident reported")
    expect(incident).to_contain_text("Lou Stone")
    expect(incident).to_contain_text("Joinford Police")
    expect(incident).to_contain_text("Significant")
    content = page.content()
    assert not any(secret in content for secret in SECRETS)
    assert_accessible(page, axe_source)
    page.context.close()


def test_the_chronology_refused_says_why_and_is_accessible(browser: Browser, chronology_server, axe_source):
    """The mother's records are the police's and housing's: without a purpose stated, the
    chronology is refused, with the reason and the way on, and shows none of her events."""
    url, _world, _engine = chronology_server
    page = signed_in_page(browser, url, "cat.social")
    response = page.goto(f"/persons/{MOTHER}/chronology")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this chronology")
    expect(page.get_by_text("state why you are looking")).to_be_visible()
    content = page.content()
    assert "Domestic abuse incident reported" not in content and "Lou Stone" not in content
    assert_accessible(page, axe_source)
    page.context.close()
