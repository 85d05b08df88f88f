"""The data team's clerical review in real Chromium: the queue, a pair and its waterfall,
a decision refused without a reason, reject, accept (a merge), and a split from a
person's records; every page checked with axe-core, and the review POST without
JavaScript.

This module runs its own server over its own store: the web tests' place, linked for real
with a hand-set model (tests/web/linkage_support.py), so that its decisions do not disturb
the other journeys.
"""

from __future__ import annotations

import re

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    page_under_the_csp,
    sign_in,
    signed_in_page,
    visit_each,
)
from linkage_support import seed_linkage
from playwright.sync_api import Browser, Page, expect
from web_support import seed

pytestmark = pytest.mark.e2e

PERSON_ID = re.compile(r"P[0-9A-Z]{10}")


def _seed(engine):
    """The web tests' place, linked for real with a hand-set model."""
    seed(engine)
    return seed_linkage(engine)


review_server = module_server("e2e-linkage", _seed)


def _signed_in(browser: Browser, url: str, *, javascript: bool = True) -> Page:
    page = signed_in_page(browser, url, "dev.data", javascript=javascript)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dev Patel")
    return page


def _persons(page: Page) -> tuple[str, str]:
    """The persons of the pair's two records, as the pair page names them."""
    first = page.locator(".govuk-summary-list__row", has_text="Person of the first record")
    second = page.locator(".govuk-summary-list__row", has_text="Person of the second record")
    return (PERSON_ID.search(first.inner_text()).group(0), PERSON_ID.search(second.inner_text()).group(0))


def test_the_data_team_reviews_pairs_merges_and_splits(browser: Browser, review_server, axe_source):
    url, linked, _engine = review_server
    page = _signed_in(browser, url)

    # The runs, then the queue.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Linkage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Link runs")
    expect(page.get_by_role("table", name="1 run, newest first")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Run 1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Link run 1")
    assert_accessible(page, axe_source)
    page.get_by_role("navigation", name="Linkage").get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    queue = page.get_by_role("table", name="3 pairs to review")
    expect(queue).to_contain_text("Both records have the same NHS number")
    expect(queue).to_contain_text("Ann Shah")
    assert_accessible(page, axe_source)

    # Open the first pair: a conflict, explained by a waterfall and a table.
    page.get_by_role("link", name=re.compile("^Review pair 1")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review a pair of records")
    expect(page.get_by_role("img", name="How the match weight adds up")).to_be_visible()
    expect(page.get_by_role("table", name="The match weight, step by step")).to_contain_text("NHS number")
    expect(page.get_by_role("table", name="The two records side by side")).to_contain_text("Different")
    assert_accessible(page, axe_source)

    # No reason: the error summary.
    page.get_by_label("Reject: they are different people").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a reason for your decision")
    expect(page.get_by_label("Reject: they are different people")).to_be_checked()
    assert_accessible(page, axe_source)

    # Reject with a reason: the next pair, with a banner; the two records are in different persons.
    page.get_by_label("Reason").fill("Zed Brown's NHS number was typed from Ann Shah's letter")
    page.get_by_role("button", name="Save decision").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Rejected: the records are in different persons")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review a pair of records")
    assert_accessible(page, axe_source)
    banner.get_by_role("link", name="See the pair you decided").click()
    first, second = _persons(page)
    assert first != second
    expect(page.locator(".govuk-inset-text")).to_contain_text("Rejected: different people")
    expect(page.locator(".govuk-inset-text")).to_contain_text("typed from Ann Shah")

    # Accept another pair: the two Jordan Smiths are merged.
    page.goto("/linkage/review")
    expect(page.get_by_role("table", name="2 pairs to review")).to_be_visible()
    page.get_by_role("link", name=re.compile("Jordan Smith and Jordan Smith")).click()
    keep, merged = _persons(page)
    page.get_by_label("Accept: they are the same person").check()
    page.get_by_label("Reason").fill("Same child: the police record has no NHS number")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Accepted: the two records are now one person, {keep}."
    )
    page.goto(f"/linkage/persons/{merged}")
    expect(page.locator(".govuk-warning-text")).to_contain_text(f"Their records are now in {keep}")

    # Split a record out of a person: the person's records as the data team sees them, then
    # from the person page.
    page.goto(f"/linkage/pairs/{linked.records['CSC-010']}/{linked.records['POL-80']}")
    page.get_by_role("link", name="their records").click()
    ann = PERSON_ID.search(page.get_by_role("heading", level=1).inner_text()).group(0)
    records = page.get_by_role("table", name=re.compile("^Their records"))
    expect(records).to_contain_text("POL-80")
    expect(page.get_by_role("table", name="Pairs of their records that the last runs scored")).to_contain_text("Linked")
    expect(page.get_by_role("link", name=re.compile("^Split out .*POL-80"))).to_be_visible()
    assert_accessible(page, axe_source)
    page.goto(f"/persons/{ann}")
    page.get_by_role("link", name=re.compile("^Split out .*POL-80")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Split a record out of {ann}")
    expect(page.get_by_role("table", name="Moving to a new person")).to_contain_text("POL-80")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Split this record out").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a reason for your decision")
    assert_accessible(page, axe_source)
    page.get_by_label("Why is this record a different person?").fill("The police record is her mother, also Ann")
    page.get_by_role("button", name="Split this record out").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Split: the record is now in a new person")
    expect(page.get_by_role("table", name=re.compile("^Their records"))).not_to_contain_text("POL-80")
    assert_accessible(page, axe_source)
    banner.get_by_role("link", name="See that person's records").click()
    expect(page.get_by_role("table", name=re.compile("^Their records"))).to_contain_text("POL-80")


def test_merge_model_and_unkept_pairs_pass_axe(browser: Browser, review_server, axe_source):
    url, linked, _engine = review_server
    page = _signed_in(browser, url)
    page.goto(f"/linkage/pairs/{linked.records['CSC-001']}/{linked.records['CSC-002']}")
    expect(page.locator("main")).to_contain_text("No link run kept this pair")
    assert_accessible(page, axe_source)

    page.goto(f"/linkage/pairs/{linked.records['CSC-002']}/{linked.records['POL-90']}")
    page.get_by_role("link", name="their records").first.click()
    page.get_by_role("link", name=re.compile("^Merge another person into")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Merge a person into")
    assert_accessible(page, axe_source)
    page.get_by_label(re.compile("^Id of the person to merge")).fill("P0000000000")
    page.get_by_role("button", name="Show both persons").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is no person with that id")
    assert_accessible(page, axe_source)

    page.goto("/linkage/model")
    expect(page.get_by_role("heading", level=1)).to_have_text("Model and thresholds")
    expect(page.get_by_role("table", name="Name (forename and surname together)")).to_contain_text("+6.41")
    expect(page.get_by_role("img", name="Name (forename and surname together): match weight of each level")
           ).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_label("Link threshold").fill("lots")
    page.get_by_role("button", name="Save thresholds").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the link threshold as a number")
    assert_accessible(page, axe_source)


def test_a_review_decision_works_without_javascript(browser: Browser, review_server):
    url, linked, _engine = review_server
    page = _signed_in(browser, url, javascript=False)
    page.goto(f"/linkage/pairs/{linked.records['CSC-002']}/{linked.records['POL-90']}")
    expect(page.locator("main")).to_contain_text("No link run kept this pair")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select whether these two records are the same person")
    page.get_by_label("Reject: they are different people").check()
    page.get_by_label("Reason").fill("Different names and dates of birth")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Rejected:")
    page.context.close()


def test_linkage_pages_run_under_the_content_security_policy_without_errors(browser: Browser, review_server):
    url, linked, _engine = review_server
    with page_under_the_csp(browser, url) as page:
        page.goto("/sign-in")
        sign_in(page, "dev.data")
        visit_each(page, ("/linkage", f"/linkage/runs/{linked.run_id}", "/linkage/review", "/linkage/model",
                          f"/linkage/pairs/{linked.records['CSC-001']}/{linked.records['POL-77']}"))
