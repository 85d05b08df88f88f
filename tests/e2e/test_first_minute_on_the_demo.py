"""Issue 13's first-minute check on a place the test did not write: the demo's own synthetic
place, built by ``joinedup demo`` as a newcomer builds it (extracts, mappings, linkage,
addresses, involvements, flags; the command is run in this process, through Typer's
runner), then served.

The child and the mother are chosen from the place's ground truth (``truth/``): a child
on a current child-protection plan whose mother the police record as a domestic-abuse
victim. Everything the journey then sees comes through the index and the pages, so a
link the index missed, a family the address matching split, or a page whose first screen
overflows with a real family's records fails the test.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest
from browser_support import assert_accessible, load_axe, serving, sign_in
from playwright.sync_api import Browser, expect
from typer.testing import CliRunner

from joinedup.cli import app as cli
from joinedup.config import load_settings
from joinedup.web import create_app

pytestmark = pytest.mark.e2e

PEOPLE, SEED = "400", "8"  # a place this size and seed holds such a family (asserted below)


def _long_date(text: str) -> str:
    day = date.fromisoformat(text)
    return f"{day.day} {day:%B %Y}"


def _social_worker(truth: Path, child: str) -> tuple[str, str]:
    """The child's allocated social worker and their phone, as children's social care's
    extract states them."""
    local = next(row["local_id"] for row in csv.DictReader((truth / "records.csv").open())
                 if row["source"] == "csc" and row["person_id"] == child)
    row = next(row for row in csv.DictReader((truth.parent / "extracts" / "csc_children.csv").open())
               if row["PersonID"] == local)
    return row["AllocatedWorker"], row["WorkerPhone"]


def _family(truth: Path) -> tuple[dict, dict, str]:
    """The child, the mother (rows of people.csv) and the date the child's plan started."""
    people = {row["person_id"]: row for row in csv.DictReader((truth / "people.csv").open())}
    flags = list(csv.DictReader((truth / "flags.csv").open()))
    plans = {row["person_id"]: row["start"] for row in flags
             if row["type"] == "child_protection_plan" and not row["end"]}
    victims = {row["person_id"] for row in flags if row["type"] == "domestic_abuse_victim" and row["source"] == "police"}
    for row in csv.DictReader((truth / "relationships.csv").open()):
        child, parent = row["person_id"], row["related_person_id"]
        if (row["relationship"] == "child_of" and child in plans and parent in victims
                and people[parent]["sex"] == "female"):
            return people[child], people[parent], plans[child]
    pytest.fail(f"the demo place of {PEOPLE} people, seed {SEED}, holds no child on a plan with a mother the "
                "police record as a domestic-abuse victim: choose another seed")


def _signed_in(browser: Browser, url: str, username: str, password: str):
    """A browser context of its own at 1280×800, signed in as the demo's ``username``."""
    context = load_axe(browser.new_context(base_url=url, bypass_csp=True))
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/sign-in")
    sign_in(page, username, password)
    return context, page


def _find(page, name: str, born: str):
    """Search partners' records for ``name``, for safeguarding a child: the result's row."""
    page.goto("/persons")
    page.get_by_label("Find a person").fill(name)
    page.get_by_text("Search partners' records too").click()
    page.get_by_label("Why are you looking?").select_option("safeguarding_child")
    page.get_by_role("button", name="Search").click()
    return page.get_by_role("row").filter(has_text=_long_date(born))


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, browser_type_launch_args):
    home = tmp_path_factory.mktemp("e2e-demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JOINEDUP_HOME", str(home))
        patch.delenv("JOINEDUP_DATABASE_URL", raising=False)
        built = CliRunner().invoke(cli, ["demo", "--people", PEOPLE, "--seed", SEED, "--no-serve"])
    assert built.exit_code == 0, built.output[-4000:]
    password = json.loads((home / "demo-credentials.json").read_text())["password"]
    truth = next((home / "place").glob("*/truth"))
    settings = load_settings({"JOINEDUP_HOME": str(home)})
    child, mother, plan_started = _family(truth)
    with serving(create_app(settings)) as url:
        yield url, password, (child, mother, plan_started, _social_worker(truth, child["person_id"]))


def test_a_social_workers_first_minute_on_the_demo_place(browser: Browser, demo_server, axe_source):
    url, password, (child, mother, plan_started, (worker, phone)) = demo_server
    child_name = f"{child['forename']} {child['surname']}"
    # The pages may name her with her middle names, as her records do.
    mother_name = re.compile(rf"^{mother['forename']}( [\w' -]+)? {mother['surname']}$")
    context, page = _signed_in(browser, url, "sam.social", password)

    # 1. Find the child, saying why once.
    found = _find(page, child_name, child["date_of_birth"])
    expect(found.get_by_role("link", name=child_name)).to_have_count(1)
    assert_accessible(page, axe_source)

    # 2. The first screen, without scrolling (wholly in view): the plan, and the social
    #    worker the agency's extract names, with their phone.
    found.get_by_role("link", name=child_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(child_name)
    expect(page.get_by_text(f"Child-protection plan since {_long_date(plan_started)}").first).to_be_in_viewport(
        ratio=1)
    who = page.locator("#who-is-involved")
    social_worker = who.get_by_role("row").filter(has_text="Allocated social worker").filter(has_text=worker)
    expect(social_worker).to_have_count(1)
    expect(social_worker.get_by_text(worker, exact=True)).to_be_in_viewport(ratio=1)
    expect(social_worker.get_by_text(phone).first).to_be_in_viewport(ratio=1)
    assert_accessible(page, axe_source)

    # 3. The mother, from the family, without stating the purpose again.
    page.get_by_role("link", name=mother_name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(mother_name)
    expect(page.get_by_text("State why you are looking")).to_have_count(0)
    assert_accessible(page, axe_source)

    # 4. Her police domestic-abuse incident in the child's family chronology.
    page.go_back()
    page.get_by_role("link", name="Family chronology").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Family chronology: {child_name}")
    incident = (page.get_by_role("row").filter(has_text=re.compile(mother["forename"] + ".*" + mother["surname"]))
                .filter(has_text="Domestic abuse"))
    expect(incident.first).to_be_visible()
    assert_accessible(page, axe_source)
    context.close()


@pytest.mark.parametrize("username", ["dana.dsl", "harry.housing"])
def test_a_school_dsl_and_a_housing_officer_see_the_plan_and_the_social_worker_first(
        browser: Browser, demo_server, axe_source, username):
    """The demo's school safeguarding lead and housing officer, asked about the same child
    for safeguarding, see what the social worker sees first: the plan and whom to call."""
    url, password, (child, _mother, plan_started, (worker, phone)) = demo_server
    child_name = f"{child['forename']} {child['surname']}"
    context, page = _signed_in(browser, url, username, password)
    found = _find(page, child_name, child["date_of_birth"])
    found.get_by_role("link", name=child_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(child_name)
    expect(page.get_by_text(f"Child-protection plan since {_long_date(plan_started)}").first).to_be_in_viewport(
        ratio=1)
    social_worker = page.locator("#who-is-involved").get_by_role("row").filter(
        has_text="Allocated social worker").filter(has_text=worker)
    expect(social_worker.get_by_text(phone).first).to_be_in_viewport(ratio=1)
    assert_accessible(page, axe_source)
    context.close()
