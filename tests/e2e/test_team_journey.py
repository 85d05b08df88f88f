"""The lead professional and the team around the family, in real Chromium with axe-core
on every page: a social worker opens a child and sees, in the team around the family,
the mother's housing officer beside the child's social worker; on the team page they name
the child's social worker lead professional for the family, without JavaScript forms,
and see the lead marked and its history. The domestic-abuse service is never named.

The world is tests/chronology_support.py's (Mia Stone and her mother Lou, at one home),
with the child's allocated social worker and the mother's housing officer
(tests/team_support.py).
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
from team_support import build_team

pytestmark = pytest.mark.e2e


team_server = module_server("e2e-team", build_world, users=[("cat.social", "CSC", ["practitioner"])], then=build_team)


def test_a_practitioner_names_the_lead_and_sees_the_team_around_the_family(browser: Browser, team_server,
                                                                          axe_source):
    url, _world, _engine = team_server
    page = signed_in_page(browser, url, "cat.social")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/persons")
    page.get_by_label("Find a person").fill("Mia Stone")
    page.get_by_text("Search partners' records too").click()
    page.get_by_label("Why are you looking?").select_option("safeguarding_child")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Mia Stone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Stone")

    team = page.locator("#team-around-the-family")
    expect(team.get_by_role("heading", name="Team around the family")).to_be_visible()
    expect(team.get_by_role("row").filter(has_text="Lou Stone")).to_contain_text("Hal Porter")
    expect(team.get_by_role("row").filter(has_text="Ada Lovelace")).to_contain_text("Mia Stone")
    expect(team).to_contain_text("A service is involved with Mia Stone: contact through the IG lead")
    assert_accessible(page, axe_source)

    team.get_by_role("link", name="Name the lead professional or invite a member").click()
    expect(page).to_have_url(f"{url}/persons/{CHILD}/team")
    assert_accessible(page, axe_source)
    page.get_by_role("radio", name="The family").check()
    page.get_by_label("Who is to lead").select_option(label="Ada Lovelace, Allocated social worker, "
                                                            "Children's Social Care (with Mia Stone)")
    page.get_by_label("Why (for example").fill("Agreed at the strategy meeting")
    page.get_by_role("button", name="Name lead professional").click()

    expect(page.get_by_text("Lead professional named")).to_be_visible()
    lead_row = page.locator("#team-table").get_by_role("row").filter(has_text="Ada Lovelace")
    expect(lead_row).to_contain_text("Lead professional for the family")
    expect(page.locator("#lead-history")).to_contain_text("named by cat.social")
    expect(page.locator("#lead-history")).to_contain_text("Agreed at the strategy meeting")
    expect(page.locator("#team-table").get_by_role("row").filter(has_text="Hal Porter")).to_contain_text("Lou Stone")
    body = page.content()
    assert not any(secret in body for secret in SECRETS)
    assert_accessible(page, axe_source)

    # The lead's work ends with no one yet agreed to follow: the lead simply ends.
    page.locator("form[action$='/lead/end']").get_by_role("button", name="End lead professional").click()
    expect(page.get_by_role("alert").get_by_text("Enter why")).to_be_visible()
    assert_accessible(page, axe_source)
    ending = page.locator("form[action$='/lead/end']")
    ending.get_by_label("Why it ends").fill("The plan ended at the review")
    ending.get_by_role("button", name="End lead professional").click()
    expect(page.get_by_text("Lead professional ended")).to_be_visible()
    expect(page.locator("#no-lead")).to_contain_text("No lead professional is named for this person or the family")
    expect(page.locator("#lead-history")).to_contain_text("Ended by cat.social")
    assert_accessible(page, axe_source)


def test_the_team_refused_says_why_and_is_accessible(browser: Browser, team_server, axe_source):
    """Without a purpose stated, the mother's team (her records are the police's and
    housing's) is refused with the reason, naming none of her professionals."""
    url, _world, _engine = team_server
    page = signed_in_page(browser, url, "cat.social")
    response = page.goto(f"/persons/{MOTHER}/team")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You do not have permission to see this team around the family")
    expect(page.get_by_text("state why you are looking")).to_be_visible()
    content = page.content()
    assert "Lou Stone" not in content and "Housing officer" not in content
    assert_accessible(page, axe_source)
    page.context.close()
