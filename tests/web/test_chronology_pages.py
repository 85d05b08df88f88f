"""The chronology's pages, downloads and API: what a practitioner sees for the purpose
they stated, the filters as a GET form, the family's timeline, the files, the audit."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from chronology_support import CHILD, MOTHER, SECRETS, build_world
from factories import user
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.web.charts import event_strip

SOCIAL_WORKER, TEACHER, DATA = "cat.social", "eli.teacher", "dan.data"


@pytest.fixture
def web(app, engine):
    world = build_world(engine)
    with transaction(engine) as session:
        user(session, SOCIAL_WORKER, "CSC", ["practitioner"])
        user(session, TEACHER, "EDU", ["practitioner"])
        user(session, DATA, "CSC", ["data_team"])
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        client.world = world
        yield client


def _as_social_worker(web) -> None:
    """Signed in, with safeguarding a child stated on the child's page (as a user would)."""
    assert sign_in(web, SOCIAL_WORKER).status_code == 303
    token = csrf_token(web.get("/").text)
    stated = web.post(f"/persons/{CHILD}/purpose", data={"csrf_token": token, "purpose": "safeguarding_child"})
    assert stated.status_code == 303, stated.text


def _count(engine, action: str) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_the_chronology_page_lists_the_events_with_the_significant_marked_and_a_picture(web):
    _as_social_worker(web)
    page = web.get(f"/persons/{CHILD}/chronology")
    assert page.status_code == 200, page.text
    text = page.text
    for shown in ("Chronology: Mia Stone", "Child protection plan started", "Category: Neglect",
                  "Fixed-term exclusion (suspension)", "Significant", "Events by agency over time",
                  "7 events, 4 significant", "Hill Primary School", "A service is involved that we cannot name here"):
        assert shown in text, shown
    # What the user is seeing, in the decisions' own words.
    assert "1 record your own organisation holds" in text
    assert "2 records shared with you under agreement SAFE-ISA" in text
    table = text.split('id="events"')[1]
    assert table.index("Tenancy started") < table.index("Child protection plan started")  # oldest first
    assert not any(secret in text for secret in SECRETS) and "Family Support Network" not in text
    assert "Domestic abuse incident reported" not in text  # the mother's: only in the family chronology
    # Each event from a record leads to it; the record page decides again what it shows.
    record = web.get(f"/records/{web.world.records['C1']}?person={CHILD}")
    assert f'href="/records/{web.world.records["C1"]}?person={CHILD}"' in text and record.status_code == 200
    assert "Neglect" in record.text


def test_the_filters_are_a_get_form_that_narrows_and_remembers(web):
    _as_social_worker(web)
    text = web.get(f"/persons/{CHILD}/chronology?category=plan&significant=yes").text
    assert '<form method="get" action="/persons/PCHILD0001/chronology"' in text
    assert "2 events, 2 significant (7 before filtering)" in text
    assert "Fixed-term exclusion" not in text.split('id="events"')[1]
    assert 'value="plan" checked' in text and 'value="yes" checked' in text
    assert "chronology.csv?category=plan&amp;significant=yes" in text
    assert "No events match these filters" in web.get(f"/persons/{CHILD}/chronology?agency=Nobody").text


def test_the_family_chronology_shows_the_mothers_incident_naming_her(web):
    _as_social_worker(web)
    text = web.get(f"/persons/{CHILD}/chronology/family").text
    assert "Family chronology: Mia Stone" in text
    assert "Domestic abuse incident reported" in text and "Missing episode reported" in text
    assert f'<a class="govuk-link" href="/persons/{MOTHER}">Lou Stone</a>' in text
    assert "Role: Victim. DASH risk: High" in text
    assert not any(secret in text for secret in SECRETS)


def test_the_person_page_links_to_the_chronology_without_computing_it(web, engine):
    _as_social_worker(web)
    before = _count(engine, "chronology.view")
    text = web.get(f"/persons/{CHILD}").text
    assert f'href="/persons/{CHILD}/chronology"' in text and f'href="/persons/{CHILD}/chronology/family"' in text
    assert _count(engine, "chronology.view") == before


def test_the_downloads_hold_what_the_page_shows_and_are_audited(web, engine):
    _as_social_worker(web)
    response = web.get(f"/persons/{CHILD}/chronology.csv?family=yes&significant=yes")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="family-chronology-PCHILD0001.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["significant"] for row in rows} == {"yes"} and len(rows) == 6
    assert {row["person"] for row in rows} == {"Mia Stone", "Lou Stone"}
    pdf = web.get(f"/persons/{CHILD}/chronology.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Chronology: Mia Stone" in text and "Child protection plan started" in text
    assert not any(secret in text for secret in SECRETS)
    with transaction(engine) as session:
        formats = list(session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "chronology.export", AuditEvent.outcome == "success").order_by(AuditEvent.id)))
    assert [details["format"] for details in formats] == ["csv", "pdf"]


def test_without_a_purpose_the_teacher_sees_the_schools_events_only_and_the_data_team_none(web):
    assert sign_in(web, TEACHER).status_code == 303
    text = web.get(f"/persons/{CHILD}/chronology").text
    assert "Fixed-term exclusion (suspension)" in text and "Child protection plan started" not in text
    assert "1 record your own organisation holds" in text and "shared with you" not in text
    assert sign_in(web, DATA).status_code == 303
    refused = web.get(f"/persons/{CHILD}/chronology")
    assert refused.status_code == 403 and "Chronologies are for practitioners and MASH officers" in refused.text
    assert web.get(f"/api/v1/persons/{CHILD}/chronology").status_code == 403


def test_the_api_gives_the_same_chronology_for_the_purpose_in_the_query(web):
    assert sign_in(web, SOCIAL_WORKER).status_code == 303
    answer = web.get(f"/api/v1/persons/{CHILD}/chronology",
                     params={"purpose": "safeguarding_child", "family": "true", "category": ["incident", "plan"]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["family"] and body["seen"] == 11
    assert [member["person_id"] for member in body["members"]] == [CHILD, MOTHER]
    abuse = next(event for event in body["events"] if event["what"] == "Domestic abuse incident reported")
    assert (abuse["on"], abuse["person_name"], abuse["relation"], abuse["significant"]) == (
        "2025-03-01", "Lou Stone", "Parent", True)
    assert {event["category"] for event in body["events"]} == {"incident", "plan"}
    assert body["shielded"] and not any(secret in answer.text for secret in SECRETS)
    assert web.get("/api/v1/persons/PNOSUCH001/chronology").status_code == 404
    own_only = web.get(f"/api/v1/persons/{CHILD}/chronology").json()
    assert {event["agency"] for event in own_only["events"]} == {"Children's Social Care"}


def test_the_event_strip_puts_each_agencys_events_in_its_lane_in_date_order():
    strip = event_strip([("Police", [(date(2024, 1, 1), True, "a"), (date(2025, 1, 1), False, "b")]),
                         ("School", [(date(2024, 7, 2), True, "c")])])
    police, school = strip.rows
    assert (police.label, police.count, school.count) == ("Police", 2, 1) and school.y > police.y
    first, last, middle = strip.marks
    assert first.x < middle.x < last.x and (first.significant, last.significant) == (True, False)
    assert [label for _x, label in strip.ticks] == ["2024", "2025"]
    assert event_strip([("Police", [])]) is None
