"""Who is involved, end to end in real Chromium with axe-core on every page.

A social worker opens a child: within the first screen at 1280×800, without scrolling,
they see who is involved (the housing officer, with a phone number) and that a shielded
service is involved, never which. They record their own involvement (refused first with
nothing chosen), see it on the person page, and end it. The administrator's directory
page is checked too.

This module runs its own server over its own store: tests/web/practice_support.py's world
with directories, a child, and two partners' involvements.
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
from practice_support import SYSTEM, seed_sharing
from sqlalchemy import select

from joinedup.audit import Actor
from joinedup.ingest.models import SourceRecord
from joinedup.involvements import (
    InvolvementTerms,
    Team,
    Worker,
    load_directory,
    record_involvement,
)
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people.models import Person, PersonRecord

pytestmark = pytest.mark.e2e

CHILD = "PJOURNEY001"
HEADER = "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
DIRECTORIES = {
    "CSC": HEADER + "Children in Need Team 2,0306 999 0120,,,Sam Okafor,allocated_social_worker,0306 999 0121,"
                    "sam.okafor@csc.example\n",
    "HSG": HEADER + "Tenancy Sustainment,0306 999 0300,,,Hana Housing,housing_officer,0306 999 0301,"
                    "hana.housing@hsg.example\n",
    "VCS": HEADER + "Domestic Abuse Outreach,0306 999 0700,,sensitive_services,Rowan Hidden,voluntary_key_worker,"
                    "0306 999 0701,rowan.hidden@vcs.example\n",
}
HIDDEN = ("Domestic Abuse Outreach", "Rowan Hidden", "0306 999 0701", "Family Support Network")


def _involvements(session, _world):
    """The directories, and Rory, with Housing's and a sensitive service's involvement."""
    for code, text in DIRECTORIES.items():
        load_directory(session, SYSTEM, code, text)
    csc = session.scalar(select(SourceSystem).where(SourceSystem.code == "csc"))
    row = SourceRecord(source_system_id=csc.id, local_id="CSC-950", forename="Rory", surname="Journey",
                       date_of_birth=date(2016, 2, 2), row_hash="csc950")
    session.add(row)
    session.flush()
    person = Person(person_id=CHILD, record_count=1, forename="Rory", surname="Journey")
    session.add(person)
    session.flush()
    session.add(PersonRecord(source_record_id=row.id, person_id=person.id))
    for code, role in (("HSG", "housing_officer"), ("VCS", "voluntary_key_worker")):
        organisation = session.scalar(select(Organisation).where(Organisation.code == code))
        team = session.scalar(select(Team).where(Team.organisation_id == organisation.id))
        worker = session.scalar(select(Worker).where(Worker.team_id == team.id))
        actor = Actor(username=f"{code.lower()}.seed", organisation_id=organisation.id,
                      roles=frozenset({"practitioner"}))
        record_involvement(session, actor, CHILD, InvolvementTerms(role, team.id, worker.id, "phone",
                                                                   date(2025, 1, 6)))


involvement_server = module_server("e2e-involvements", seed_sharing, then=_involvements)


def test_a_practitioner_sees_who_is_involved_first_and_records_an_involvement(browser: Browser, involvement_server,
                                                                                axe_source):
    url, _world, _engine = involvement_server
    page = signed_in_page(browser, url, "sam.social")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/persons/{CHILD}")
    who = page.locator("#who-is-involved")
    expect(who.get_by_role("heading", name="Who is involved")).to_be_in_viewport()
    expect(who.get_by_role("cell", name="Hana Housing")).to_be_in_viewport()
    expect(who.get_by_text("Phone: 0306 999 0301")).to_be_in_viewport()
    expect(who.get_by_text("A service is involved: contact through the IG lead")).to_be_in_viewport()
    content = page.content()
    assert not any(hidden in content for hidden in HIDDEN)
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Record that your organisation is involved").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record that Children's Social Care is involved")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Record involvement").click()
    expect(page.get_by_role("alert").get_by_text("Select the role")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_label("Role", exact=True).select_option("allocated_social_worker")
    page.get_by_label("Team", exact=True).select_option(label="Children in Need Team 2")
    page.get_by_label("Worker", exact=True).select_option(label="Sam Okafor (Allocated social worker)")
    page.get_by_role("radio", name="Phone").check()
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Record involvement").click()
    expect(page.get_by_text("The involvement is recorded")).to_be_visible()
    expect(page.locator("#who-is-involved").get_by_text("Sam Okafor")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Correct or end").click()
    expect(page.locator("form[action$='/end']")).to_be_visible()
    assert_accessible(page, axe_source)
    today = date.today()
    ending = page.locator("form[action$='/end']")
    ending.get_by_label("Day").fill(str(today.day))
    ending.get_by_label("Month").fill(str(today.month))
    ending.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="End involvement").click()
    expect(page.get_by_text("The involvement is ended")).to_be_visible()
    expect(page.get_by_text("Recently ended (1)")).to_be_visible()
    assert_accessible(page, axe_source)
    page.context.close()


def test_the_administrators_directory_page(browser: Browser, involvement_server, axe_source):
    url, _world, _engine = involvement_server
    page = signed_in_page(browser, url, "dev.data")
    page.goto("/directory")
    expect(page.get_by_role("rowheader", name="Sam Okafor")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Load directory").click()
    expect(page.get_by_role("alert").get_by_text("Select a CSV file")).to_be_visible()
    assert_accessible(page, axe_source)
    page.context.close()


def test_the_administrator_keeps_the_directory_a_row_at_a_time(browser: Browser, involvement_server, axe_source):
    """Add a team (refused first), add a worker to it, correct them, retire them."""
    url, _world, _engine = involvement_server
    page = signed_in_page(browser, url, "dev.data")
    page.goto("/directory")
    page.get_by_role("button", name="Add a team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a team")
    assert_accessible(page, axe_source)
    page.get_by_label("Duty line (optional)").fill("call me")
    page.get_by_role("button", name="Add team").click()
    alert = page.get_by_role("alert")
    expect(alert.get_by_text("Enter the team's name")).to_be_visible()
    expect(alert.get_by_text("'call me' is not a phone number")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_label("Team name").fill("Leaving Care Team")
    page.get_by_label("Duty line (optional)").fill("0306 999 0150")
    page.get_by_role("button", name="Add team").click()
    expect(page.get_by_text("Team added.")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Add a worker to Leaving Care Team").click()
    expect(page.get_by_label("Team", exact=True)).to_have_value(re.compile(r"\d+"))
    assert_accessible(page, axe_source)
    page.get_by_label("Name", exact=True).fill("Fay Wu")
    page.get_by_label("Role").select_option("key_worker")
    page.get_by_label("Secure e-mail").fill("fay.wu@csc.example")
    page.get_by_role("button", name="Add worker").click()
    expect(page.get_by_role("rowheader", name="Fay Wu")).to_be_visible()
    page.get_by_role("link", name="Change Fay Wu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Fay Wu")
    assert_accessible(page, axe_source)
    page.get_by_label("Phone (optional)").fill("0306 999 0151")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Worker corrected.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Fay Wu")).to_contain_text("0306 999 0151")
    page.get_by_role("link", name="Change Fay Wu").click()
    page.get_by_role("button", name="Retire Fay Wu").click()
    expect(page.get_by_text("Worker retired.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Fay Wu")).to_contain_text("Retired")
    assert_accessible(page, axe_source)

    # Correcting the team: its own form.
    page.get_by_role("link", name=re.compile("Change Leaving Care Team")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leaving Care Team")
    assert_accessible(page, axe_source)
    page.context.close()


def test_the_directory_is_kept_without_javascript(browser: Browser, involvement_server):
    url, _world, _engine = involvement_server
    page = signed_in_page(browser, url, "dev.data", javascript=False)
    page.goto("/directory/teams/new")
    page.get_by_label("Team name").fill("Edge of Care Team")
    page.get_by_role("button", name="Add team").click()
    expect(page.get_by_text("Team added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Edge of Care Team")).to_be_visible()
    page.context.close()
