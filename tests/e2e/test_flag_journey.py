"""Flags, end to end in real Chromium with axe-core on every page.

A social worker searches for a child and sees the child-protection flag tagged in the
results; opening the child, the flag is in the first screen at 1280×800, with whom to
call. They record a flag of their own (refused first with nothing chosen) and open the
page to end it. A child known to a sensitive domestic-abuse service shows no flag and never names
the service.

This module runs its own server over its own store: tests/web/practice_support.py's world
with CSC's directory and three flags.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    signed_in_page,
)
from playwright.sync_api import Browser, expect
from practice_support import MARKERS, SYSTEM, seed_sharing
from sqlalchemy import select

from joinedup.flags import Flag
from joinedup.involvements import Team, load_directory

pytestmark = pytest.mark.e2e

CSC_DIRECTORY = ("team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
                 "Child Protection Team,0306 999 0100,,,Sam Okafor,allocated_social_worker,0306 999 0101,"
                 "sam.okafor@csc.example\n")


def _flags(session, world):
    """Sam's team in the directory, and a flag of Sam's own record and of a sensitive service's."""
    load_directory(session, SYSTEM, "CSC", CSC_DIRECTORY)
    team = session.scalar(select(Team).where(Team.name == "Child Protection Team"))
    for reference, kind, category, organisation, team_id in (
        ("CSC-100", "child_protection_plan", "social_care_status", "CSC", team.id),
        ("VCS-400", "domestic_abuse_victim", "sensitive_services", "VCS", None),
    ):
        session.add(Flag(source_record_id=world.records[reference], type=kind, category=category,
                         organisation_id=world.organisations[organisation], team_id=team_id,
                         starts_on=date(2025, 5, 3), legal_status="", status="current", source="extract:e2e"))


flag_server = module_server("e2e-flags", seed_sharing, then=_flags)


def test_a_social_worker_sees_a_childs_plan_in_the_results_and_first_on_the_page(browser: Browser, flag_server,
                                                                                  axe_source):
    url, _world, _engine = flag_server
    page = signed_in_page(browser, url, "sam.social")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/persons?q=ava+own")
    row = page.get_by_role("row").filter(has_text="Ava Own")
    expect(row.get_by_text("Child-protection plan")).to_be_visible()
    assert_accessible(page, axe_source)

    row.get_by_role("link", name="Ava Own").click()
    warning = page.locator(".govuk-warning-text").filter(has_text="Child-protection plan since 3 May 2025")
    expect(warning).to_be_in_viewport()
    expect(warning).to_contain_text("Child Protection Team, contact: duty line 0306 999 0100")
    assert_accessible(page, axe_source)

    page.get_by_role("link", name=re.compile("Record a flag of your organisation")).click()
    page.get_by_role("button", name="Record flag").click()
    expect(page.get_by_role("alert").get_by_text("Select a flag type from the catalogue")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_label("Flag", exact=True).select_option("exploitation_concern")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("Team to contact").select_option(label="Child Protection Team")
    page.get_by_role("button", name="Record flag").click()
    expect(page.get_by_text("The flag is recorded")).to_be_visible()
    expect(page.locator(".govuk-warning-text").filter(has_text="Exploitation concern since 1 February 2025")
           ).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="End the flag: Exploitation concern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End the flag: Exploitation concern")
    assert_accessible(page, axe_source)
    page.context.close()


def test_a_sensitive_services_flag_is_neither_shown_nor_named(browser: Browser, flag_server, axe_source):
    url, _world, _engine = flag_server
    page = signed_in_page(browser, url, "sam.social")
    page.goto("/persons/PSHIELD0001/purpose")
    page.get_by_role("radio", name="Early help").check()
    page.get_by_role("radio", name="My team is working with them or their family").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dee Shield")
    content = page.content()
    assert "Domestic-abuse victim" not in content and MARKERS["shield_org"] not in content
    assert "No flags you may see" in content
    assert_accessible(page, axe_source)
    page.context.close()
