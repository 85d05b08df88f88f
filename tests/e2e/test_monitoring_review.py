"""The IG lead's monitoring review in real Chromium: run monitoring from the page, open the
task a break-glass use raised, see whom it was about by name, be refused an outcome
without one, record it, and find it in the closed tasks and the summary; every page is
checked with axe-core. A second pass without JavaScript runs the same forms (axe-core,
a script, checks the first). Then a member of staff declares their own surname and
postcode (refused by field first), and the IG lead finds it among the staff declarations."""

from __future__ import annotations

import re

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    signed_in_page,
)
from factories import actor_of
from playwright.sync_api import Browser, expect
from practice_support import MARKERS, RELATIONS, seed_sharing
from sqlalchemy import select

from joinedup.accounts import User
from joinedup.people.models import Person
from joinedup.sharing.break_glass import start_break_glass

pytestmark = pytest.mark.e2e


#: Whose break-glass each pass reviews (with JavaScript, and without).
USERS = {"sam.social": True, "mo.mash": False}


def _break_glass(session, _world):
    """Sam's and Mo's break-glass accesses to Cal, whom nobody at Children's Social Care knows."""
    cal = session.scalar(select(Person).where(Person.person_id == RELATIONS["none"]))
    for username in USERS:
        who = session.scalar(select(User).where(User.username == username))
        start_break_glass(session, actor_of(who), cal, reason="A child found alone at the address")


monitoring_server = module_server("e2e-monitoring", seed_sharing, then=_break_glass)


@pytest.mark.parametrize("username", list(USERS), ids=["javascript", "no-javascript"])
def test_the_ig_lead_reviews_a_task_monitoring_raised(browser: Browser, monitoring_server, axe_source, username):
    javascript = USERS[username]

    def accessible(page) -> None:
        """axe-core runs as a script: checked in the pass with JavaScript."""
        if javascript:
            assert_accessible(page, axe_source)
    url, _world, _engine = monitoring_server
    page = signed_in_page(browser, url, "iris.ig", javascript=javascript)
    page.get_by_role("link", name="Monitoring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review tasks")
    accessible(page)

    page.get_by_role("button", name="Run monitoring now").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Monitoring ran")
    row = page.get_by_role("row").filter(has_text="Break-glass used").filter(has_text=username)
    expect(row).to_have_count(1)
    accessible(page)

    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Break-glass used")
    expect(page.get_by_role("row").filter(has_text=RELATIONS["none"])).to_contain_text(MARKERS["none_name"])
    expect(page.locator("main")).to_contain_text("sharing.break_glass.start")
    accessible(page)

    page.get_by_role("button", name="Record the outcome").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select an outcome")
    accessible(page)

    page.get_by_label("Advice given").check()
    page.get_by_label("Note").fill("Reminded them to record the emergency on the case file.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Outcome recorded")

    page.get_by_label("Status").select_option("closed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row").filter(has_text=username)).to_contain_text("Advice given")
    accessible(page)

    page.get_by_role("link", name="Summary by organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary by organisation")
    expect(page.get_by_role("row").filter(has_text="Break-glass used").first).to_be_visible()
    accessible(page)
    page.context.close()


@pytest.mark.parametrize("username", list(USERS), ids=["javascript", "no-javascript"])
def test_a_member_of_staff_declares_and_the_ig_lead_sees_it(browser: Browser, monitoring_server, axe_source, username):
    javascript = USERS[username]

    def accessible(page) -> None:
        if javascript:
            assert_accessible(page, axe_source)
    url, _world, _engine = monitoring_server
    page = signed_in_page(browser, url, username, javascript=javascript)
    page.goto(f"{url}/monitoring/declaration")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your staff declaration")
    expect(page.locator("main")).to_contain_text("You have not declared")
    accessible(page)

    page.get_by_label("Your home postcode").fill("not a postcode")
    page.get_by_role("button", name="Declare").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the surname")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real postcode")
    accessible(page)

    page.get_by_label("Your surname").fill("Declared")
    page.get_by_label("Your home postcode").fill("ls2 7ew")
    page.get_by_role("button", name="Declare").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Declaration kept")
    expect(page.locator(".govuk-summary-list")).to_contain_text("LS2 7EW")
    accessible(page)
    page.context.close()

    lead = signed_in_page(browser, url, "iris.ig", javascript=javascript)
    lead.get_by_role("link", name="Monitoring").click()
    lead.get_by_role("link", name="Staff declarations").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Staff declarations")
    expect(lead.get_by_role("row").filter(has_text=username)).to_contain_text("LS2 7EW")
    accessible(lead)
    lead.context.close()
