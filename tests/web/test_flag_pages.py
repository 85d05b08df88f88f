"""Flags at the top of the person page, in search results and in the API, each shown or
hidden by the decision on the record it came from (docs/flags.md)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from practice_support import MARKERS
from sqlalchemy import select
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.flags import Flag

#: The domestic-abuse flag of the sensitive service: its organisation is never named to CSC.
SHIELDED_ORG = MARKERS["shield_org"]


@pytest.fixture
def flagged(practice, engine):
    """Ava's plan (CSC's own record), Ben's police domestic-abuse flag, and Dee's flag from
    the voluntary sector's sensitive service."""
    with transaction(engine) as session:
        for reference, kind, category, organisation in (
            ("CSC-100", "child_protection_plan", "social_care_status", "CSC"),
            ("POL-200", "domestic_abuse_victim", "police_incidents", "POL"),
            ("VCS-400", "domestic_abuse_victim", "sensitive_services", "VCS"),
        ):
            session.add(Flag(source_record_id=practice.records[reference], type=kind, category=category,
                             organisation_id=practice.organisations[organisation], starts_on=date(2025, 5, 3),
                             legal_status="", status="current", source="extract:test"))
    return practice


def _state(client, person_id: str, **form):
    page = client.get(f"/persons/{person_id}/purpose")
    return client.post(f"/persons/{person_id}/purpose", data={"csrf_token": csrf_token(page.text), **form})


def test_the_person_page_opens_with_the_flags_the_user_may_see(practice_client, flagged):
    sign_in(practice_client, "sam.social")
    page = practice_client.get("/persons/PSAME000001").text
    assert "Child-protection plan since 3 May 2025, Children&#39;s Social Care" in page
    assert page.index('id="flags"') < page.index("Who is involved")
    assert "govuk-warning-text" in page


def test_a_partners_flag_shows_only_for_a_purpose_whose_agreement_shares_its_category(practice_client, flagged):
    sign_in(practice_client, "sam.social")
    before = practice_client.get("/persons/PPARTNER001")
    assert "Domestic-abuse victim" not in before.text
    assert _state(practice_client, "PPARTNER001", purpose="safeguarding_child").status_code == 303
    after = practice_client.get("/persons/PPARTNER001").text
    assert "Domestic-abuse victim since 3 May 2025, Joinford Police" in after


def test_a_sensitive_services_flag_is_never_shown_nor_its_service_named(practice_client, flagged):
    sign_in(practice_client, "sam.social")
    assert _state(practice_client, "PSHIELD0001", purpose="early_help", relationship_choice="other",
                  relationship_other="My team is working with them or their family").status_code == 303
    page = practice_client.get("/persons/PSHIELD0001").text
    assert "Domestic-abuse victim" not in page and SHIELDED_ORG not in page and "No flags you may see" in page


def test_search_results_tag_the_flags_the_user_may_see(practice_client, flagged, engine):
    sign_in(practice_client, "sam.social")
    own = practice_client.get("/persons", params={"q": "ava own"}).text
    assert "Child-protection plan</strong>" in own
    hidden = practice_client.get("/persons", params={"q": "ben partner", "purpose": "early_help",
                                                     "relationship": "Family support"}).text
    assert "Ben" in hidden and "Domestic-abuse victim" not in hidden
    shown = practice_client.get("/persons", params={"q": "ben partner", "purpose": "safeguarding_child"}).text
    assert "Domestic-abuse victim</strong>" in shown
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "flag.view")).all()
        assert events and all(event.actor == "sam.social" for event in events)


def test_the_api_gives_a_persons_flags_for_the_purpose_stated(practice_client, flagged):
    sign_in(practice_client, "sam.social")
    own = practice_client.get("/api/v1/persons/PSAME000001/flags")
    assert own.status_code == 200
    assert [flag["summary"] for flag in own.json()["flags"]] == ["Child-protection plan since 3 May 2025"]
    partner = practice_client.get("/api/v1/persons/PPARTNER001/flags", params={"purpose": "safeguarding_child"})
    assert [flag["type"] for flag in partner.json()["flags"]] == ["domestic_abuse_victim"]
    shielded = practice_client.get("/api/v1/persons/PSHIELD0001/flags",
                                   params={"purpose": "early_help", "relationship": "Family support"})
    assert shielded.status_code == 200 and shielded.json()["flags"] == [] and SHIELDED_ORG not in shielded.text
    assert practice_client.get("/api/v1/persons/PNONE000001/flags",
                               params={"purpose": "safeguarding_child"}).status_code == 403
    types = practice_client.get("/api/v1/flag-types").json()
    assert {"child_protection_plan", "looked_after", "marac_case"} <= {kind["code"] for kind in types}


def test_a_sensitive_services_flag_is_not_tagged_in_search_results(practice_client, flagged):
    sign_in(practice_client, "sam.social")
    page = practice_client.get("/persons", params={"q": "dee shield", "purpose": "early_help",
                                                   "relationship": "My team is working with them or their family"})
    assert page.status_code == 200 and "Dee" in page.text
    assert "Domestic-abuse victim" not in page.text and SHIELDED_ORG not in page.text


def test_the_data_team_never_sees_a_flag(practice_client, flagged):
    sign_in(practice_client, "dev.data")
    page = practice_client.get("/persons/PSAME000001")
    assert page.status_code == 200 and "Ava" in page.text
    assert "Child-protection plan" not in page.text and 'id="flags"' not in page.text
    assert practice_client.get("/api/v1/persons/PSAME000001/flags").status_code == 403


def test_a_practitioner_records_and_ends_their_organisations_flag_through_the_api(practice_client, flagged):
    sign_in(practice_client, "sam.social")
    header = {"X-CSRF-Token": csrf_token(practice_client.get("/").text)}
    body = {"type": "exploitation_concern", "starts_on": "2025-09-01"}
    assert practice_client.post("/api/v1/persons/PPARTNER001/flags", json=body).status_code == 403  # no CSRF header
    refused = practice_client.post("/api/v1/persons/PPARTNER001/flags", json={**body, "type": "nope"}, headers=header)
    assert refused.status_code == 400 and refused.json()["field"] == "type"
    recorded = practice_client.post("/api/v1/persons/PPARTNER001/flags", json=body, headers=header)
    assert recorded.status_code == 201, recorded.text
    flag_id = recorded.json()["id"]
    # Ben's page: children's social care holds no record of him, but its own flag shows to it.
    flags = practice_client.get("/api/v1/persons/PPARTNER001/flags", params={"purpose": "safeguarding_child"}).json()
    assert {"type": "exploitation_concern", "recorded_id": flag_id}.items() <= next(
        flag for flag in flags["flags"] if flag["type"] == "exploitation_concern").items()
    ended = practice_client.post(f"/api/v1/flags/{flag_id}/end", json={"ends_on": "2025-12-01"}, headers=header)
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    again = practice_client.post(f"/api/v1/flags/{flag_id}/end", json={"ends_on": "2025-12-01"}, headers=header)
    assert again.status_code == 409


def test_only_frontline_users_record_flags(practice_client, flagged):
    sign_in(practice_client, "dev.data")
    header = {"X-CSRF-Token": csrf_token(practice_client.get("/").text)}
    answer = practice_client.post("/api/v1/persons/PSAME000001/flags",
                                  json={"type": "exploitation_concern", "starts_on": "2025-09-01"}, headers=header)
    assert answer.status_code == 403


def test_a_practitioner_records_a_flag_on_the_page_errors_beside_their_fields_and_ends_it(practice_client, flagged):
    sign_in(practice_client, "sam.social")
    person = practice_client.get("/persons/PSAME000001").text
    assert 'href="/persons/PSAME000001/flags/new"' in person
    form = practice_client.get("/persons/PSAME000001/flags/new")
    assert form.status_code == 200 and "Record a flag of Children&#39;s Social Care" in form.text
    token = csrf_token(form.text)
    refused = practice_client.post("/persons/PSAME000001/flags", data={"csrf_token": token, "starts_on-day": "31",
                                                                     "starts_on-month": "2", "starts_on-year": "2025"})
    assert refused.status_code == 400
    assert '<a href="#starts_on-day">The date the flag started must be a real date' in refused.text
    refused = practice_client.post("/persons/PSAME000001/flags", data={"csrf_token": token, "starts_on-day": "1",
                                                                     "starts_on-month": "2", "starts_on-year": "2025"})
    assert refused.status_code == 400 and '<a href="#type">Select a flag type from the catalogue' in refused.text
    recorded = practice_client.post("/persons/PSAME000001/flags", data={
        "csrf_token": token, "type": "exploitation_concern", "starts_on-day": "1", "starts_on-month": "2",
        "starts_on-year": "2025"})
    assert recorded.status_code == 303 and "done=flag-recorded" in recorded.headers["location"]
    page = practice_client.get(recorded.headers["location"]).text
    assert "The flag is recorded" in page and "Exploitation concern since 1 February 2025" in page
    end_link = re.search(r'href="(/flags/\d+)"', page).group(1)
    ending = practice_client.get(end_link)
    assert ending.status_code == 200 and "End the flag: Exploitation concern" in ending.text
    assert f'href="{end_link}#correct"' in page and 'id="correct"' in ending.text
    wrong = practice_client.post(f"{end_link}/correct", data={
        "csrf_token": token, "type": "exploitation_concern", "starts_on-day": "1", "starts_on-month": "2",
        "starts_on-year": str(date.today().year + 1)})
    assert wrong.status_code == 400 and '<a href="#starts_on-day">The date the flag started must be today' in wrong.text
    corrected = practice_client.post(f"{end_link}/correct", data={
        "csrf_token": token, "type": "exploitation_concern", "starts_on-day": "3", "starts_on-month": "2",
        "starts_on-year": "2025"})
    assert corrected.status_code == 303 and "done=flag-corrected" in corrected.headers["location"]
    page = practice_client.get(corrected.headers["location"]).text
    assert "The flag is corrected" in page and "Exploitation concern since 3 February 2025" in page
    too_early = practice_client.post(f"{end_link}/end", data={
        "csrf_token": token, "ends_on-day": "1", "ends_on-month": "1", "ends_on-year": "2025"})
    assert too_early.status_code == 400 and "on or after the date it started" in too_early.text
    today = date.today()
    ended = practice_client.post(f"{end_link}/end", data={
        "csrf_token": token, "ends_on-day": str(today.day), "ends_on-month": str(today.month),
        "ends_on-year": str(today.year)})
    assert ended.status_code == 303 and "done=flag-ended" in ended.headers["location"]
    shown = practice_client.get(ended.headers["location"]).text
    assert f"Exploitation concern, ended {today.day} {today:%B %Y}" in shown and "The flag is ended" in shown


def test_another_organisations_flag_or_an_extracts_cannot_be_ended(practice_client, flagged, engine):
    sign_in(practice_client, "sam.social")
    with transaction(engine) as session:
        extract_flag = session.scalar(select(Flag.id).where(Flag.type == "child_protection_plan"))
    assert practice_client.get(f"/flags/{extract_flag}").status_code == 404
