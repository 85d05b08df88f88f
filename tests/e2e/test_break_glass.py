"""Break-glass end to end in real Chromium, and the practitioner's other new pages.

A social worker opens a person their organisation does not know and no agreement covers,
is refused with the "State why you are looking" form, breaks the glass with a reason
(refused first without one), sees the red banner and the records it opens, and the
information governance lead of their organisation reviews the access on the review page.
The purpose form, a shielded service, consent and a decision not to share are walked
through too, and every page is checked with axe-core.

This module runs its own server over its own store: tests/web/practice_support.py's world.
"""

from __future__ import annotations

import re

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    signed_in_page,
)
from playwright.sync_api import Browser, Page, expect
from practice_support import MARKERS, RELATIONS, seed_sharing
from sqlalchemy import select

from joinedup.db import transaction
from joinedup.sharing.models import BreakGlass, ConsentRecord, SharingDecision

pytestmark = pytest.mark.e2e

NOBODY, PARTNER, SHIELDED, OWN = RELATIONS["none"], RELATIONS["partner"], RELATIONS["shielded"], RELATIONS["own"]


practice_server = module_server("e2e-break-glass", seed_sharing)


def _signed_in(browser: Browser, url: str, username: str, *, javascript: bool = True) -> Page:
    page = signed_in_page(browser, url, username, javascript=javascript)
    expect(page.get_by_role("heading", level=1)).to_have_text(username.replace(".", " ").title())
    return page


def test_break_glass_from_refusal_to_the_ig_leads_review(browser: Browser, practice_server, axe_source):
    url, world, engine = practice_server
    page = _signed_in(browser, url, "sam.social")

    # Nobody at Children's Social Care knows Cal, and no agreement covers housing: refused,
    # with the form to say why, and the way to emergency access.
    page.goto(f"/persons/{NOBODY}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this person")
    expect(page.get_by_role("group", name="State why you are looking")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(MARKERS["none_name"])
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="use emergency access (break-glass)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency access (break-glass)")
    expect(page.locator("main")).to_contain_text("Iris Ig, information governance lead at Children's Social Care")
    assert_accessible(page, axe_source)

    # No reason: refused, with the error summary.
    page.get_by_label("30 minutes").check()
    page.get_by_role("button", name="Start emergency access").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say in a sentence what the emergency is")
    expect(page.get_by_label("30 minutes")).to_be_checked()
    assert_accessible(page, axe_source)

    page.get_by_label("What is the emergency?").fill("Child found alone at the address; the adult there is unknown")
    page.get_by_role("button", name="Start emergency access").click()

    # The banner, while it lasts, and what it opened.
    banner = page.locator("#break-glass-banner")
    expect(banner).to_contain_text("Emergency access (break-glass) is on")
    expect(banner).to_contain_text(re.compile(r"until \d{1,2}:\d\d[ap]m"))
    expect(banner).to_contain_text("will be reviewed by Iris Ig")
    expect(banner.locator(".govuk-tag--red")).to_have_text("Break-glass")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cal Nobody")
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Joinford Homes").click()
    expect(page.locator("#break-glass-banner")).to_be_visible()
    expect(page.locator("main")).to_contain_text(MARKERS["none_fact"])
    expect(page.locator("main")).to_contain_text("break-glass")
    assert_accessible(page, axe_source)

    with transaction(engine) as session:
        access = session.scalar(select(BreakGlass).where(BreakGlass.username == "sam.social"))
        assert access is not None and access.review_status == "pending"
        seen = session.scalars(select(SharingDecision).where(SharingDecision.break_glass_id == access.id)).all()
        assert seen and {row.outcome for row in seen} == {"shared"}
        access_id = access.id

    # The IG lead of Children's Social Care reviews it.
    ig = _signed_in(browser, url, "iris.ig")
    ig.goto("/sharing/break-glass")
    expect(ig.locator("main")).to_contain_text("sam.social")
    expect(ig.locator("main")).to_contain_text("Child found alone at the address")
    ig.get_by_role("link", name=re.compile("^Review")).first.click()
    expect(ig).to_have_url(re.compile(f"/sharing/break-glass/{access_id}$"))
    expect(ig.locator("main")).to_contain_text(f"Record {world.records['HSG-300']}")
    assert_accessible(ig, axe_source)
    ig.get_by_label("Appropriate", exact=True).check()
    ig.get_by_label("Reasons for your decision").fill("A child alone: emergency access was justified.")
    ig.get_by_role("button", name="Record the decision").click()
    expect(ig.locator(".govuk-notification-banner--success")).to_contain_text("appropriate")
    assert_accessible(ig, axe_source)
    with transaction(engine) as session:
        reviewed = session.get(BreakGlass, access_id)
        assert (reviewed.review_status, reviewed.reviewed_by) == ("appropriate", "iris.ig")
        assert reviewed.review_note == "A child alone: emergency access was justified."


def test_the_purpose_form_a_shielded_service_consent_and_declining(browser: Browser, practice_server, axe_source):
    url, _world, engine = practice_server
    page = _signed_in(browser, url, "mo.mash")

    # The search with a purpose finds Ben through the police's record; the purpose carries
    # to his page (the working context), which does not ask again.
    page.goto("/persons")
    page.get_by_label("Find a person").fill("Ben Partner")
    page.get_by_text("Search partners' records too").click()
    page.get_by_label("Why are you looking?").select_option("safeguarding_child")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 person found")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Ben Partner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ben Partner")
    expect(page.locator("#working-context")).to_contain_text("You are working on: Safeguarding a child")
    expect(page.get_by_text("State why you are looking")).to_have_count(0)
    assert_accessible(page, axe_source)

    # Early help needs a relationship: the error, then the relationship in their own words.
    page.goto(f"/persons/{SHIELDED}/purpose")
    page.get_by_label("Early help").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what your relationship with this person is")
    assert_accessible(page, axe_source)
    page.get_by_label("Another relationship").check()
    page.get_by_label("Describe your relationship").fill("MASH triage of a referral about the family")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#shielded-service")).to_contain_text("A service is involved that we cannot name here")
    expect(page.locator("main")).not_to_contain_text(MARKERS["shield_service"])
    expect(page.locator("main")).not_to_contain_text(MARKERS["shield_org"])
    assert_accessible(page, axe_source)

    # Consent: the script beside the form, the history after.
    page.goto(f"/persons/{OWN}")
    page.get_by_role("link", name=re.compile("^Record consent, refusal or withdrawal")).click()
    expect(page.locator("#consent-script")).to_contain_text("Your information will not be sold")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Record the person's decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select whether consent was given")
    assert_accessible(page, axe_source)
    page.get_by_label("Consent refused").check()
    page.get_by_label("Verbally").check()
    # Ava is a child: her mother, who has parental responsibility, decided.
    page.get_by_label("A parent or carer with parental responsibility").check()
    page.get_by_label("If a parent or carer decided: their name").fill("Ava's mother")
    page.get_by_label("They have parental responsibility for the child").check()
    page.get_by_role("group", name="Was the person told what will be shared, with whom and why?").get_by_label(
        "Yes").check()
    page.get_by_label("Evidence").fill("Said no at the home visit")
    page.get_by_role("button", name="Record the person's decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been recorded")
    expect(page.get_by_role("table", name="Consent history")).to_contain_text("Consent refused, verbally")
    assert_accessible(page, axe_source)

    # A decision not to share.
    page.goto(f"/persons/{OWN}")
    page.get_by_role("link", name=re.compile("^Record a decision not to share")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a decision not to share")
    assert_accessible(page, axe_source)
    page.get_by_label("For which purpose were you asked?").select_option("early_help")
    page.get_by_label("Why did you decide not to share?").fill("The family refused consent and there is no risk")
    page.get_by_role("button", name="Record my decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("in the decision log")
    assert_accessible(page, axe_source)
    with transaction(engine) as session:
        assert session.scalar(select(ConsentRecord).where(ConsentRecord.recorded_by == "mo.mash")).decision == "refused"
        declined = session.scalar(select(SharingDecision).where(SharingDecision.outcome == "declined"))
        assert (declined.username, declined.purpose) == ("mo.mash", "early_help")


def test_the_pages_work_without_javascript(browser: Browser, practice_server):
    url, _world, _engine = practice_server
    page = _signed_in(browser, url, "sam.social", javascript=False)
    page.goto(f"/persons/{PARTNER}/purpose")
    page.get_by_label("Safeguarding a child").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ben Partner")
    page.get_by_role("button", name=re.compile("^Stop using this purpose")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this person")
