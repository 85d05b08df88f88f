"""The IG lead's sharing pages in real Chromium: author an agreement, sign it for each
party, make it active (refused first, with the reason in the error summary), read the
Cedar it became; purposes and categories; the decision log; the break-glass review;
"view as", setting a person aside for training and a trainer previewing them; the
data-flow map and the consent script. axe-core checks every page.

This module runs its own server over its own store: the web tests' place with the
governance place on top (tests/web/governance_support.py).
"""

from __future__ import annotations

import pytest
from browser_support import assert_accessible, module_server, signed_in_page
from governance_support import PERSON, seed_governance
from playwright.sync_api import Browser, Page, expect
from web_support import seed

pytestmark = pytest.mark.e2e


def _place(engine):
    """The web tests' place, with the governance place on top."""
    seed(engine)
    return seed_governance(engine)


sharing_server = module_server("e2e-sharing", _place,
                               users=[("tara.trainer", "CSC", ["trainer"], {"display_name": "Tara Brooks"})])


def _signed_in(browser: Browser, url: str, username: str = "iris.ig", *, javascript: bool = True) -> Page:
    page = signed_in_page(browser, url, username, javascript=javascript)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def test_the_ig_lead_authors_signs_and_activates_an_agreement(browser: Browser, sharing_server, axe_source):
    page = _signed_in(browser, sharing_server.url)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sharing").click()
    _heading(page, "Sharing")
    assert_accessible(page, axe_source)
    page.get_by_role("navigation", name="Sharing").get_by_role("link", name="Agreements").click()
    _heading(page, "Sharing agreements")
    expect(page.get_by_role("table", name="1 agreement")).to_contain_text("JSCP-ISA")
    assert_accessible(page, axe_source)

    # A draft with a mistake: the dates are the wrong way round.
    page.get_by_role("button", name="Author a new agreement").click()
    _heading(page, "Author a new agreement")
    assert_accessible(page, axe_source)
    page.get_by_label("Agreement code").fill("CSP-115")
    page.get_by_label("Title").fill("Community safety protocol")
    page.get_by_role("group", name="Which organisations provide data?").get_by_label("Police (POL)").check()
    page.get_by_role("group", name="Which organisations receive data?").get_by_label(
        "Children's Social Care (CSC)").check()
    crime = page.get_by_role("group", name="Crime prevention")
    crime.get_by_label("Identity").check()
    crime.get_by_label("Police incidents").check()
    page.get_by_label("UK GDPR Article 6 condition").fill("6(1)(e) public task")
    page.get_by_label("Statutory gateways (optional)").fill("Crime and Disorder Act 1998 s115")
    page.get_by_role("group", name="Is the person's consent needed before sharing?").get_by_label("No").check()
    page.get_by_role("group", name="Does a safeguarding risk override a refusal of consent?").get_by_label(
        "No").check()
    page.get_by_label("Retention").fill("6 years")
    for name, (day, month, year) in (("Start date (optional)", ("1", "4", "2030")),
                                     ("End date (optional)", ("1", "4", "2029")),
                                     ("Review date (optional)", ("31", "3", "2031"))):
        group = page.get_by_role("group", name=name)
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Create the draft").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("An agreement cannot end before it starts")
    assert_accessible(page, axe_source)
    summary.get_by_role("link", name="An agreement cannot end before it starts").click()
    expect(page.get_by_role("group", name="End date (optional)").get_by_label("Day")).to_be_focused()
    for name in ("Start date (optional)", "End date (optional)"):
        group = page.get_by_role("group", name=name)
        for part in ("Day", "Month", "Year"):
            group.get_by_label(part).fill("")
    page.get_by_role("button", name="Create the draft").click()
    _heading(page, "CSP-115 version 1")
    expect(page.get_by_role("alert")).to_contain_text("version 1 is a draft")
    expect(page.get_by_text("This version is draft, so none of these is in force")).to_be_visible()
    assert_accessible(page, axe_source)

    # Activation is refused until every party has signed.
    page.get_by_role("button", name="Make version 1 active").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Every party must sign first; not yet: CSC, POL")
    assert_accessible(page, axe_source)
    for code, name in (("POL", "Chief Constable"), ("CSC", "Director of Children's Services")):
        page.get_by_label("Party that signs").select_option(code)
        page.get_by_label("Signatory's name").fill(name)
        page.get_by_role("button", name="Record the signature").click()
        expect(page.get_by_role("alert")).to_contain_text("The signature is recorded")
    parties = page.get_by_role("table", name="The parties, what each provides and receives, and who signed")
    expect(parties).to_contain_text("Chief Constable")
    page.get_by_role("button", name="Make version 1 active").click()
    expect(page.get_by_role("alert")).to_contain_text("This version is active")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Active")
    page.get_by_text("The Cedar policies for crime prevention").click()
    expect(page.locator("pre").first).to_contain_text('@id("agreement:CSP-115:v1:crime_prevention:POL->CSC")')
    assert_accessible(page, axe_source)

    # Every version, and the draft form of a new one.
    page.get_by_role("link", name="Back to every version of CSP-115").click()
    _heading(page, "Community safety protocol")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Make a new version").click()
    _heading(page, "CSP-115 version 2")
    page.get_by_role("button", name="Change this draft").click()
    _heading(page, "Change the draft: CSP-115 version 2")
    expect(page.get_by_label("Retention")).to_have_value("6 years")
    assert_accessible(page, axe_source)

    # The new agreement is on the map.
    page.goto("/sharing/map")
    _heading(page, "Data-flow map")
    expect(page.get_by_role("img", name="Data flows between 3 organisations")).to_be_visible()
    expect(page.get_by_role("table", name="Every flow: 13")).to_contain_text("CSP-115 version 1")
    assert_accessible(page, axe_source)
    page.get_by_label("Show flows for").select_option(label="Crime prevention")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table", name="Every flow for crime prevention: 1")).to_be_visible()
    assert_accessible(page, axe_source)

    # The activated agreement is in the public privacy notice, reached from the footer.
    page.get_by_role("contentinfo").get_by_role("link", name="How partners share information").click()
    _heading(page, "How partners share information about you")
    expect(page.get_by_role("heading", level=2, name="Community safety protocol")).to_be_visible()
    assert_accessible(page, axe_source)


def test_the_ig_lead_reads_the_log_reviews_break_glass_and_views_as_a_partner(browser: Browser, sharing_server,
                                                                                axe_source):
    page = _signed_in(browser, sharing_server.url)
    page.goto("/sharing/log")
    _heading(page, "Decision log")
    assert_accessible(page, axe_source)
    page.get_by_label("Outcome").select_option("withheld")
    page.get_by_role("button", name="Search").click()
    table = page.get_by_role("table", name="2 decisions, newest first")
    expect(table).to_contain_text("shield:sensitive-services")
    expect(page.get_by_role("link", name="Download these 2 decisions as CSV")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_label("Person id").fill("not an id!")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("A person id is P and 10 letters and digits")
    assert_accessible(page, axe_source)

    # Break-glass: the queue, the access and what was seen, then the decision.
    page.get_by_role("navigation", name="Sharing").get_by_role("link", name="Break-glass review").click()
    _heading(page, "Break-glass review")
    queue = page.get_by_role("table", name="1 access waiting for review, newest first")
    expect(queue).to_contain_text("Child missing overnight, police involved")
    assert_accessible(page, axe_source)
    queue.get_by_role("link", name="Review").click()
    _heading(page, "sam.social's break-glass access")
    expect(page.get_by_role("table", name="What was seen under this access")).to_contain_text("held by Police")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select whether the access was appropriate")
    assert_accessible(page, axe_source)
    page.get_by_label("Appropriate", exact=True).check()
    page.get_by_label("Reasons for your decision").fill("A missing child: the police record was needed.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("recorded: appropriate")
    expect(page.get_by_text("Nothing waits for your review.")).to_be_visible()
    assert_accessible(page, axe_source)

    # View as: the police, for safeguarding a child, see two records; the third is shielded.
    page.get_by_role("navigation", name="Sharing").get_by_role("link", name="View as").click()
    _heading(page, "View as")
    assert_accessible(page, axe_source)
    page.get_by_label("Organisation").select_option("POL")
    page.get_by_label("Role").select_option("practitioner")
    page.get_by_label("Purpose they state").select_option("safeguarding_child")
    page.get_by_label("Person id").fill(PERSON)
    page.get_by_role("button", name="Show what they would see").click()
    expect(page.get_by_role("heading", name=f"{PERSON} as Police would see them")).to_be_visible()
    expect(page.get_by_text("2 of 3 records shown")).to_be_visible()
    expect(page.get_by_role("heading", name="A service is involved")).to_be_visible()
    expect(page.get_by_text("Mental health support")).to_have_count(0)
    assert_accessible(page, axe_source)
    page.get_by_label("Why this person suits training").fill("Known to the police, the council and a charity.")
    page.get_by_role("button", name=f"Let trainers preview {PERSON}").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{PERSON} is now one of the persons trainers may preview")
    assert_accessible(page, axe_source)

    # The consent register, then purposes, categories and the consent script.
    page.get_by_role("navigation", name="Sharing").get_by_role("link", name="Consent", exact=True).click()
    _heading(page, "Consent")
    expect(page.get_by_role("table")).to_be_visible()
    assert_accessible(page, axe_source)
    for link, heading in (("Purposes", "Purposes"), ("Data categories", "Data categories"),
                          ("Consent script", "The consent script")):
        page.get_by_role("navigation", name="Sharing").get_by_role("link", name=link).click()
        _heading(page, heading)
        assert_accessible(page, axe_source)
    page.get_by_label("Purpose you are asking for").select_option("early_help")
    page.get_by_role("button", name="Fill in the script").click()
    expect(page.locator("#filled")).to_contain_text("Joinford Family Support and Police")
    assert_accessible(page, axe_source)
    page.goto("/sharing/purposes")
    page.get_by_role("button", name="Add a purpose").click()
    page.get_by_role("button", name="Save the purpose").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the purpose's name")
    assert_accessible(page, axe_source)
    page.goto("/sharing/purposes/early_help")
    _heading(page, "Change Early help")
    assert_accessible(page, axe_source)
    page.goto("/sharing/categories/new")
    _heading(page, "Add a data category")
    assert_accessible(page, axe_source)
    page.goto("/sharing/categories/sensitive_services")
    _heading(page, "Change Sensitive services")
    assert_accessible(page, axe_source)


def test_a_practitioner_is_refused_the_ig_leads_pages(browser: Browser, sharing_server, axe_source):
    page = _signed_in(browser, sharing_server.url, "sam.social")
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sharing")).to_have_count(0)
    page.goto("/sharing/agreements")
    _heading(page, "You do not have permission to see this page")
    expect(page.get_by_text("This has been recorded.")).to_be_visible()
    assert_accessible(page, axe_source)


def test_the_forms_work_without_javascript(browser: Browser, sharing_server):
    page = _signed_in(browser, sharing_server.url, javascript=False)
    page.goto("/sharing/purposes/new")
    page.get_by_label("Code").fill("no_script")
    page.get_by_label("Name").fill("Without a script")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save the purpose").click()
    expect(page.get_by_role("alert")).to_contain_text("Without a script is saved.")


def test_a_trainer_previews_only_a_person_set_aside_for_training(browser: Browser, sharing_server, axe_source):
    page = _signed_in(browser, sharing_server.url, "tara.trainer")
    page.get_by_role("link", name="View as a partner").first.click()
    _heading(page, "View as")
    assert_accessible(page, axe_source)
    page.get_by_label("Organisation").select_option("POL")
    page.get_by_label("Role").select_option("practitioner")
    page.get_by_label("Person id").fill("PNOTASAMPLE")
    page.get_by_role("button", name="Show what they would see").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, axe_source)
