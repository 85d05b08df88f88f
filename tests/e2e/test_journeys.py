"""Practitioners' and the data team's journeys in real Chromium, each page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from browser_support import (
    assert_accessible,
    page_under_the_csp,
    sign_in,
    signed_in_page,
    visit_each,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_practitioner_signs_in_searches_opens_a_record_and_signs_out(page: Page, live_server, axe_source):
    # The search finds persons (tests/e2e/test_persons.py); this place is not linked yet,
    # so the record found is listed as not yet linked to a person, and opens from there.
    page.goto("/persons")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fpersons$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to JoinedUp")
    assert_accessible(page, axe_source)

    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your username")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page, axe_source)

    sign_in(page, "sam.social", "not the password")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct username and password")

    sign_in(page, "sam.social")
    expect(page).to_have_url(f"{live_server.url}/persons")
    assert_accessible(page, axe_source)

    page.get_by_label("Find a person").fill("31/02/2011")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not a real date")
    assert_accessible(page, axe_source)

    page.get_by_label("Find a person").fill("Jordan Smith 14/03/2011")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No persons found")).to_be_visible()
    expect(page.get_by_role("heading", name="Records not yet linked to a person")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(1)
    expect(page.get_by_role("table")).not_to_contain_text("Police records")
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Jordan Smith").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Smith")
    expect(page.locator("main")).to_contain_text("9434765919")
    expect(page.locator("main")).to_contain_text("The record belongs to your organisation.")
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Back to search").click()
    expect(page.get_by_role("heading", name="Records not yet linked to a person")).to_be_visible()

    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Okafor")
    expect(page.locator("main")).to_contain_text("Children in Need")
    expect(page.get_by_role("link", name="Ingest reports")).to_have_count(0)
    assert_accessible(page, axe_source)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert_accessible(page, axe_source)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def test_error_pages_are_styled_accessible_and_leak_nothing(page: Page, live_server, axe_source):
    page.goto("/sign-in")
    sign_in(page, "sam.social")

    response = page.goto(f"/records/{live_server.other_record}")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    expect(page.locator("main")).not_to_contain_text("POL-77")
    assert_accessible(page, axe_source)

    response = page.goto("/records/999999")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page, axe_source)

    response = page.goto("/e2e/crash")
    assert response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, there is a problem with the service")
    expect(page.locator("body")).not_to_contain_text("Traceback")
    expect(page.locator("body")).not_to_contain_text("deliberate failure")
    assert_accessible(page, axe_source)

    page.goto("/")
    page.locator("form[action='/sign-out'] input[name='csrf_token']").evaluate(
        "input => input.value = 'forged'"
    )
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form could not be sent")
    assert_accessible(page, axe_source)

    page.goto("/docs")
    expect(page.get_by_role("heading", level=1)).to_have_text("API reference")
    assert_accessible(page, axe_source)


def test_data_team_reads_an_ingest_report(page: Page, live_server, axe_source):
    page.goto("/sign-in?timeout=1")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You were signed out")
    assert_accessible(page, axe_source)
    sign_in(page, "dev.data")

    page.get_by_role("link", name="Ingest reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingest reports")
    assert_accessible(page, axe_source)

    page.get_by_role("link", name=re.compile(f"^Load {live_server.load}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Children's case system")
    expect(page.get_by_role("table", name="Rejected rows by reason")).to_contain_text("is not a real date")
    expect(page.get_by_role("table", name="Field completeness")).to_contain_text("75.0%")
    expect(page.get_by_role("table", name=re.compile("issues, in row order"))).to_contain_text(
        "fails the check letter"
    )
    assert_accessible(page, axe_source)


def test_pages_work_without_javascript(browser, live_server):
    page = signed_in_page(browser, live_server.url, "sam.social", javascript=False, bypass_csp=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Okafor")
    page.goto("/persons")
    page.get_by_label("Find a person").fill("JU1 1AA")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Records not yet linked to a person")).to_be_visible()
    expect(page.get_by_role("link", name="Jordan Smith")).to_have_count(1)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    page.context.close()


def test_narrow_screen_navigation_is_accessible(page: Page, live_server, axe_source):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/sign-in")
    sign_in(page, "dev.data")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    assert_accessible(page, axe_source)
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Ingest reports")).to_be_hidden()
    menu.click()
    expect(navigation.get_by_role("link", name="Ingest reports")).to_be_visible()
    assert_accessible(page, axe_source)


def test_scripts_run_under_the_content_security_policy_without_errors(browser, live_server):
    """A context that honours our CSP: any blocked script or style shows up as an error."""
    with page_under_the_csp(browser, live_server.url) as page:
        page.goto("/sign-in")
        expect(page.locator("body")).to_have_class(re.compile("govuk-frontend-supported"))
        expect(page.get_by_role("button", name="Show password")).to_be_visible()
        sign_in(page, "dev.data")
        # The data team reads no record page (it never sees a fact): its own pages instead.
        visit_each(page, ("/", "/persons?q=Jordan", "/ingest", f"/ingest/{live_server.load}", "/docs"))
