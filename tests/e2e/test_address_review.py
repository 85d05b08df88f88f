"""The data team's address review in real Chromium: accept, override and mark out of area.

This module runs its own server over its own store, seeded with a tiny gazetteer and an
address match for each record, so that its decisions do not disturb the other journeys.
Every page is checked with axe-core.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from browser_support import (
    PASSWORD,
    add_partners,
    assert_accessible,
    module_server,
    page_under_the_csp,
    sign_in,
    signed_in_page,
    visit_each,
)
from playwright.sync_api import Browser, Page, expect

from joinedup.accounts import create_user
from joinedup.db import transaction
from joinedup.gazetteer.models import AddressMatch, GazetteerAddress
from joinedup.gazetteer.normalise import normalise
from joinedup.ingest.models import SourceRecord

pytestmark = pytest.mark.e2e

HIGH_ST_1 = "100000000001"
HIGH_ST_1_FLAT = "100000000002"
HIGH_ST_3 = "100000000003"
CARE_HOME = "100000000004"


def _address(uprn, number, *, sao="", street="High Street", postcode="JU1 1AA", classification="residential",
             in_boundary=True, pao_text=""):
    return GazetteerAddress(
        uprn=uprn,
        lpi_status="approved",
        preferred=True,
        sao_text=sao,
        pao_start_number=number,
        pao_text=pao_text,
        street=street,
        town="Joinford",
        postcode=postcode,
        easting=451000.0,
        northing=341000.0,
        classification=classification,
        in_boundary=in_boundary,
        normalised=normalise(" ".join((sao, pao_text, number, street))),
    )


def _seed(engine) -> dict[str, int]:
    with transaction(engine) as session:
        council, _police, csc, niche = add_partners(session)
        session.add_all(
            [
                _address(HIGH_ST_1, "1"),
                _address(HIGH_ST_1_FLAT, "1", sao="Flat 1"),
                _address(HIGH_ST_3, "3"),
                _address(CARE_HOME, "", pao_text="Elm Lodge Care Home", street="Elm Road", postcode="JU1 4DD",
                         classification="care_home"),
            ]
        )

        def record(system, local_id, forename, address, postcode=None):
            row = SourceRecord(
                source_system_id=system.id,
                local_id=local_id,
                forename=forename,
                surname="Smith",
                date_of_birth=date(2011, 3, 14),
                address_text=address,
                postcode=postcode,
                row_hash=local_id,
            )
            session.add(row)
            session.flush()
            return row

        ambiguous = record(csc, "CSC-001", "Jordan", "1 High St, Joinford", "JU1 1AA")
        override = record(csc, "CSC-002", "Jess", "3 Hihg Street")
        elsewhere = record(niche, "POL-003", "Jamie", "12 Faraway Road, Otherton")
        matched = record(csc, "CSC-004", "Jo", "1 High Street, Joinford", "JU1 1AA")
        hidden = record(niche, "POL-005", "Jay", "1 High Street", "JU1 1AA")
        no_script = record(csc, "CSC-006", "Jules", "3 High Street", "JU1 1AA")
        rows = {
            "ambiguous": AddressMatch(
                source_record_id=ambiguous.id, source_system_id=csc.id, uprn=HIGH_ST_1, score=0.82,
                method="probabilistic", status="ambiguous", runner_up_uprn=HIGH_ST_1_FLAT, runner_up_score=0.8,
                reason="The two best candidates are too close to call.", normalised="1 HIGH ST",
                address_key="a" * 64,
            ),
            "override": AddressMatch(
                source_record_id=override.id, source_system_id=csc.id, status="unmatched",
                reason="No candidate scored high enough.", normalised="3 HIHG ST", address_key="b" * 64,
            ),
            "elsewhere": AddressMatch(
                source_record_id=elsewhere.id, source_system_id=niche.id, status="unmatched",
                reason="No candidate scored high enough.", normalised="12 FARAWAY RD OTHERTON",
                address_key="c" * 64,
            ),
            "matched": AddressMatch(
                source_record_id=matched.id, source_system_id=csc.id, uprn=HIGH_ST_1, score=1.0, method="exact",
                status="matched", normalised="1 HIGH ST", address_key="d" * 64,
            ),
            "hidden": AddressMatch(
                source_record_id=hidden.id, source_system_id=niche.id, uprn=HIGH_ST_1, score=1.0,
                method="exact", status="matched", normalised="1 HIGH ST", address_key="e" * 64,
            ),
            "no_script": AddressMatch(
                source_record_id=no_script.id, source_system_id=csc.id, uprn=HIGH_ST_3, score=1.0,
                method="exact", status="matched", normalised="3 HIGH ST", address_key="f" * 64,
            ),
        }
        session.add_all(rows.values())
        for username, name, roles in (("dev.data", "Dev Patel", ["data_team"]), ("sam.social", "Sam Okafor",
                                                                                  ["practitioner"])):
            create_user(session, username=username, password=PASSWORD, display_name=name, organisation=council,
                        roles=roles)
        session.flush()
        return {name: row.id for name, row in rows.items()}


address_server = module_server("e2e-addresses", _seed)


@pytest.fixture
def reviewer(browser: Browser, address_server):
    """A page signed in as the data team, with the CSP bypassed so that axe can be injected."""
    page = signed_in_page(browser, address_server.url, "dev.data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dev Patel")
    yield page
    page.context.close()


def test_the_data_team_accepts_overrides_and_marks_out_of_area(reviewer: Page, axe_source):
    page = reviewer
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Addresses").click()
    page.get_by_role("link", name="Review addresses that could not be matched").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Address review")
    expect(page.get_by_role("table", name="3 addresses to review")).to_be_visible()
    assert_accessible(page, axe_source)

    # Accept the best candidate of an ambiguous address.
    page.get_by_role("link", name=re.compile("^1 High St, Joinford")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review an address")
    candidates = page.get_by_role("table", name="Candidates from the gazetteer")
    expect(candidates).to_contain_text("0.82")
    expect(candidates).to_contain_text("Flat 1, 1 High Street")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what should happen to this address")
    expect(page).to_have_title(re.compile("^Error: "))
    assert_accessible(page, axe_source)
    page.get_by_label("Accept the best candidate").check()
    page.get_by_label("Reason (optional)").fill("Flat 1 is a separate household")
    page.get_by_role("button", name="Save decision").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(f"is now matched to UPRN {HIGH_ST_1}")
    expect(page.get_by_role("table", name="2 addresses to review")).to_be_visible()
    assert_accessible(page, axe_source)

    # Override: search the gazetteer and choose another address.
    page.get_by_role("link", name=re.compile("^3 Hihg Street")).click()
    page.get_by_label("Search the gazetteer").fill("3 High Street")
    page.get_by_role("button", name="Search the gazetteer").click()
    expect(page.get_by_label("Use a different address from the gazetteer")).to_be_checked()
    choice = page.get_by_label("3 High Street, Joinford, JU1 1AA")
    expect(choice).to_be_visible()
    assert_accessible(page, axe_source)
    choice.check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"is now matched to UPRN {HIGH_ST_3}"
    )

    # Mark an address out of area.
    page.get_by_role("link", name=re.compile("^12 Faraway Road")).click()
    page.get_by_label("Mark as out of area").check()
    page.get_by_label("Reason (optional)").fill("Otherton is in the neighbouring county")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is marked as out of area")
    expect(page.get_by_role("heading", name="Nothing to review")).to_be_visible()
    assert_accessible(page, axe_source)


def test_the_report_and_the_household_pass_axe(reviewer: Page, axe_source):
    page = reviewer
    page.goto("/addresses/report")
    expect(page.get_by_role("heading", level=1)).to_have_text("Address data quality")
    expect(page.get_by_role("img", name="Match rate by source")).to_be_visible()
    expect(page.get_by_role("table", name="Match rate by source, as a table")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_label("Show the report for").select_option("csc")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".govuk-caption-l")).to_have_text("Children's case system")
    assert_accessible(page, axe_source)

    page.goto(f"/addresses/{HIGH_ST_1}")
    expect(page.get_by_role("heading", level=1)).to_have_text("1 High Street, Joinford, JU1 1AA")
    main = page.locator("main")
    # The household is a practitioner's view: the data team, which never sees a caseload
    # (docs/sharing.md), sees the property and nobody in it.
    expect(main).not_to_contain_text("Jo Smith")
    expect(main).not_to_contain_text("Jay Smith")
    expect(main).not_to_contain_text("POL-005")
    assert_accessible(page, axe_source)

    page.goto("/addresses")
    page.get_by_label("Find an address").fill("Elm Road")
    page.get_by_role("button", name="Search the gazetteer").click()
    page.get_by_role("link", name=re.compile("Elm Lodge Care Home")).click()
    expect(main).to_contain_text("This is not a private home")
    assert_accessible(page, axe_source)


def test_choosing_another_address_works_without_javascript(browser: Browser, address_server):
    url, matches, _engine = address_server
    page = signed_in_page(browser, url, "dev.data", javascript=False, bypass_csp=False)
    page.goto(f"/addresses/review/{matches['no_script']}")
    page.get_by_label("Search the gazetteer").fill("1 High Street")
    page.get_by_role("button", name="Search the gazetteer").click()
    page.get_by_label("Flat 1, 1 High Street, Joinford, JU1 1AA").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"is now matched to UPRN {HIGH_ST_1_FLAT}"
    )
    page.context.close()


def test_address_pages_run_under_the_content_security_policy_without_errors(browser: Browser, address_server):
    url, matches, _engine = address_server
    with page_under_the_csp(browser, url) as page:
        page.goto("/sign-in")
        sign_in(page, "dev.data")
        visit_each(page, ("/addresses", "/addresses?q=High", "/addresses/review",
                          f"/addresses/review/{matches['matched']}?q=High", "/addresses/report",
                          f"/addresses/{HIGH_ST_1}"))
