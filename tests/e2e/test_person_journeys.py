"""Finding a person and reading their page in real Chromium, with and without JavaScript.

This module runs its own server over its own store: two agencies' records of a small
family, put into persons by hand (golden records made by the real ``golden_record``),
with a gazetteer of a home and a care home, stated relationships and a merge in one
person's history. Every page is checked with axe-core.
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
    signed_in_page,
)
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from joinedup.accounts import create_user
from joinedup.db import transaction, utcnow
from joinedup.gazetteer.models import GazetteerAddress
from joinedup.ingest.models import SourceRecord, StatedRelationship
from joinedup.partners.models import Organisation
from joinedup.people import golden_record, read_records
from joinedup.people.models import LinkRun, Person, PersonEvent, PersonRecord

pytestmark = pytest.mark.e2e


def _seed(engine) -> dict[str, int]:
    with transaction(engine) as session:
        council, _police, csc, niche = add_partners(session)
        hub = Organisation(code="HUB", name="Joinford Data Hub", type="local_authority")
        session.add(hub)
        rows = {
            "CSC-001": (csc, dict(forename="Jordan", surname="Smith", date_of_birth=date(2011, 3, 14), sex="male",
                                  address_text="1 High Street, Joinford", postcode="JU1 1AA",
                                  nhs_number="9434765919", facts={"cp_status": "open"})),
            "POL-77": (niche, dict(forename="Jordan", surname="Smith", date_of_birth=date(2011, 3, 14),
                                   postcode="JU1 1AA", ni_number="AB123456C", facts={"warnings": "marker"})),
            "CSC-020": (csc, dict(forename="Kim", surname="Smith", date_of_birth=date(1985, 6, 1),
                                  address_text="1 High Street, Joinford", postcode="JU1 1AA")),
            "CSC-030": (csc, dict(forename="Ida", surname="Smith", date_of_birth=date(1940, 3, 3),
                                  address_text="Elm House, High Street", postcode="JU1 4DD")),
        }
        ids = {}
        for local_id, (system, values) in rows.items():
            record = SourceRecord(source_system_id=system.id, local_id=local_id, row_hash=local_id, **values)
            session.add(record)
            session.flush()
            ids[local_id] = record.id
        session.add_all([
            StatedRelationship(source_record_id=ids["CSC-001"], related_record_id=ids["CSC-020"], kind="child_of"),
            StatedRelationship(source_record_id=ids["CSC-030"], related_record_id=ids["CSC-020"], kind="parent_of"),
        ])
        for uprn, name, classification in (("100", "1", "residential"), ("200", "Elm House", "care_home")):
            session.add(GazetteerAddress(
                uprn=uprn, lpi_status="approved", preferred=True, pao_start_number=name if name.isdigit() else "",
                pao_text="" if name.isdigit() else name, street="High Street", town="Joinford", postcode="JU1 1AA",
                classification=classification, in_boundary=True,
            ))
        run = LinkRun(status="completed", ran_by="cli")
        session.add(run)
        session.flush()
        for person_id, held, uprn in (("PJORDAN", ["CSC-001", "POL-77"], "100"), ("PKIM", ["CSC-020"], "100"),
                                      ("PIDA", ["CSC-030"], "200")):
            records = read_records(session, [ids[local_id] for local_id in held])
            golden = golden_record(records)
            golden["uprn"] = {"value": uprn, "source": "csc", "local_id": held[0], "record_ref": "", "agreeing": 1,
                              "of": 1, "record_id": ids[held[0]]}
            person = Person(person_id=person_id, golden=golden, record_count=len(held), uprn=uprn,
                            forename=golden["forename"]["value"], surname=golden["surname"]["value"],
                            created_run_id=run.id)
            session.add(person)
            session.flush()
            session.add_all(PersonRecord(source_record_id=ids[local_id], person_id=person.id) for local_id in held)
        jordan = session.scalar(select(Person).where(Person.person_id == "PJORDAN"))
        retired = Person(person_id="PRETIRED", golden={}, retired_at=utcnow(), superseded_by="PJORDAN")
        session.add(retired)
        session.flush()
        session.add_all([
            PersonEvent(person_id=jordan.id, kind="merged", decided_by="dev.data", reason="Same NHS number",
                        details={"merged": "PRETIRED", "records": [ids["POL-77"]], "count": 1}),
            PersonEvent(person_id=retired.id, kind="retired", decided_by="dev.data", reason="Same NHS number",
                        details={"superseded_by": "PJORDAN", "merged": True}),
        ])
        for username, name, organisation, roles in (("sam.social", "Sam Okafor", council, ["practitioner"]),
                                                    ("hub.data", "Hana Data", hub, ["data_team"])):
            create_user(session, username=username, password=PASSWORD, display_name=name, organisation=organisation,
                        roles=roles)
        return ids


persons_server = module_server("e2e-persons", _seed)


def _signed_in(browser: Browser, url: str, username: str, *, javascript: bool = True) -> Page:
    page = signed_in_page(browser, url, username, javascript=javascript)
    expect(page.locator("main")).to_be_visible()
    return page


def test_a_practitioner_finds_a_person_and_reads_their_page(browser: Browser, persons_server, axe_source):
    page = _signed_in(browser, persons_server.url, "sam.social")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
    assert_accessible(page, axe_source)

    page.get_by_label("Find a person").fill("31/02/2011")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not a real date")
    assert_accessible(page, axe_source)

    page.get_by_label("Find a person").fill("Jordan Smith")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 person found")).to_be_visible()
    results = page.get_by_role("table", name="Persons matching your search")
    expect(results).to_contain_text("Children's case system")
    expect(results).not_to_contain_text("Police records")
    assert_accessible(page, axe_source)

    results.get_by_role("link", name="Jordan Smith").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Smith")
    golden = page.locator("#golden-record")
    expect(golden).to_contain_text("9434765919")
    expect(golden).to_contain_text("1 of the 1 record you may see agrees")
    expect(page.locator("main")).not_to_contain_text("AB123456C")
    expect(page.locator("main")).to_contain_text("Other records of this person that you may not see")
    expect(page.get_by_role("table", name="Living at this address", exact=True)).to_contain_text("Kim Smith")
    expect(page.get_by_role("table", name="How this person came to be")).to_contain_text("Created by link run 1")
    expect(page.get_by_role("link", name="Split out")).to_have_count(0)
    assert_accessible(page, axe_source)

    page.get_by_role("table", name="1 record you can see").get_by_role("link", name="Children's Social Care").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Smith")
    expect(page.locator("main")).to_contain_text("The record belongs to your organisation.")
    page.get_by_role("link", name="Back to person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Smith")

    page.get_by_role("link", name="Kim Smith").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kim Smith")
    expect(page.get_by_role("table", name="Relatives not living at this address")).to_contain_text("Ida Smith")
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Ida Smith").click()
    expect(page.locator("main")).to_contain_text("a communal establishment, not one household")
    assert_accessible(page, axe_source)

    page.goto("/persons/PRETIRED")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Their records now belong to person PJORDAN")
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="person PJORDAN").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Smith")

    response = page.goto("/persons/PNOBODY")
    assert response.status == 404
    page.context.close()


def test_the_data_team_sees_identifying_fields_and_the_linkage_links(browser: Browser, persons_server, axe_source):
    page = _signed_in(browser, persons_server.url, "hub.data")
    page.goto("/persons?q=Jordan")
    expect(page.get_by_role("heading", name="1 person found")).to_be_visible()
    page.get_by_role("link", name="Jordan Smith").click()
    main = page.locator("main")
    expect(main).to_contain_text("9434765919")
    expect(main).to_contain_text("AB123456C")
    expect(main).not_to_contain_text("marker")
    expect(main).to_contain_text("never what an agency recorded about them")
    expect(page.get_by_role("link", name=re.compile("^Split out"))).to_have_count(2)
    expect(page.get_by_role("link", name="Merge another person into PJORDAN")).to_have_attribute(
        "href", "/linkage/persons/PJORDAN/merge"
    )
    assert_accessible(page, axe_source)
    page.context.close()


def test_finding_a_person_works_without_javascript(browser: Browser, persons_server):
    page = _signed_in(browser, persons_server.url, "sam.social", javascript=False)
    page.goto("/persons")
    page.get_by_label("Find a person").fill("JU1 1AA")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="2 persons found")).to_be_visible()
    page.get_by_role("link", name="Kim Smith").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kim Smith")
    expect(page.get_by_role("table", name="Living at this address", exact=True)).to_contain_text("Jordan Smith")
    page.get_by_role("link", name="Back to search").click()
    expect(page.get_by_role("heading", name="2 persons found")).to_be_visible()
    page.context.close()
