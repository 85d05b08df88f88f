"""Personal data only for a signed-in user, only through the sharing decision, always audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from decisions import per_record
from web_support import sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction

PUBLIC = {"/sign-in", "/signed-out", "/docs"}
PERSONAL_DATA = ("Jordan", "Smith", "9434765919", "JU1 1AA", "CSC-001", "POL-77", "csc-2024-05.csv")


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_public_pages_hold_no_personal_data(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not any(value in response.text for value in PERSONAL_DATA)


def test_the_openapi_schema_is_public_and_holds_no_data(client):
    """Which routes exist is the authorisation matrix's to check (it fails on an unlisted
    one); here: the document is public, describes only the API, holds no personal value,
    and every operation says it answers 401 without a session."""
    response = client.get("/openapi.json")
    schema = response.json()
    assert schema["paths"] and all(path.startswith("/api/v1/") for path in schema["paths"])
    assert not any(value in response.text for value in PERSONAL_DATA)
    assert all(
        operation["responses"].get("401") for item in schema["paths"].values() for operation in item.values()
    )


def _events(engine, action):
    with transaction(engine) as session:
        return session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def test_search_shows_only_own_organisation_records_and_audits_every_decision(signed_in, engine, place):
    # The search finds persons; this place has not been linked, so the one record the
    # council may see is listed as not yet linked to a person (tests/web/test_persons.py
    # covers persons).
    response = signed_in.get("/persons", params={"q": "Jordan Smith 14/03/2011"})
    assert response.status_code == 200
    assert "No persons found" in response.text and "Records not yet linked to a person" in response.text
    assert f'href="/records/{place.council_record}?q=Jordan+Smith+14%2F03%2F2011"' in response.text
    assert "POL-77" not in response.text and "Police records" not in response.text
    decisions = {(event.subject_id, event.outcome) for event in per_record(engine, "record.search")}
    assert decisions == {(str(place.council_record), "allowed"), (str(place.police_record), "denied")}
    (search,) = _events(engine, "search")
    # The kinds of criteria typed, never their values: the log refers to people by id only (issue 14).
    assert search.details["criteria"] == {"names": 2, "date_of_birth": 1} and search.details["unlinked"] == 1
    assert search.subject_type == "persons" and search.details["shown"] == 0
    assert "smith" not in json.dumps(search.details).lower() and "2011" not in json.dumps(search.details)
    assert (search.channel, search.client_address, search.organisation_id) == (
        "web",
        "testclient",
        place.council_org,
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("jord smi", {"Jordan Smith", "Jordana Smithson"}),
        ("14/03/2011", {"Jordan Smith"}),
        ("2011-03-14 jordan", {"Jordan Smith"}),
        ("ju11aa", {"Jordan Smith"}),
        ("JU2 2BB", {"Jordana Smithson"}),
        ("943 476 5919", {"Jordan Smith"}),
        ("a123456789012", {"Jordan Smith"}),
        ("csc-002", {"Jordana Smithson"}),
        ("AB 12 34 56 C", set()),
        ("Jordan 01/01/2000", set()),
    ],
)
def test_search_by_name_date_of_birth_postcode_or_identifier(signed_in, query, expected):
    response = signed_in.get("/persons", params={"q": query})
    assert response.status_code == 200
    shown = {name for name in ("Jordan Smith", "Jordana Smithson") if f">{name}</a>" in response.text}
    assert shown == expected
    if not expected:
        assert "No persons found" in response.text and "Records not yet linked" not in response.text


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Enter a name, date of birth, postcode or identifier"),
        ("31/02/2011", "is not a real date"),
        ("x" * 201, "200 characters or fewer"),
    ],
)
def test_a_search_that_cannot_run_says_why(signed_in, query, message):
    response = signed_in.get("/persons", params={"q": query})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and message in response.text
    assert "<title>Error: Find a person" in response.text


def test_own_record_page_shows_the_disclosed_fields_and_why(signed_in, engine, place):
    response = signed_in.get(f"/records/{place.council_record}")
    assert response.status_code == 200
    for text in (
        "Jordan Smith",
        "14 March 2011",
        "9434765919",
        "JU1 1AA",
        "Children&#39;s case system",
        "The record belongs to your organisation.",
        "A domestic abuse incident",
        "Child protection status: open",
    ):
        assert text in response.text
    (event,) = _events(engine, "record.view")
    assert (event.outcome, event.subject_id, event.channel) == ("allowed", str(place.council_record), "web")


def test_another_organisations_record_is_refused_and_the_refusal_audited(signed_in, engine, place):
    response = signed_in.get(f"/records/{place.police_record}")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.text
    assert "No rule allows your organisation to see this record." in response.text
    assert "POL-77" not in response.text and "AB123456C" not in response.text
    (event,) = _events(engine, "record.view")
    assert (event.outcome, event.subject_id, event.organisation_id, event.channel, event.client_address) == (
        "denied",
        str(place.police_record),
        place.council_org,
        "web",
        "testclient",
    )
    assert event.user_id is not None and event.actor == "sam.social"


def test_a_missing_record_is_404(signed_in):
    response = signed_in.get("/records/999999")
    assert response.status_code == 404 and "Page not found" in response.text


def test_api_me(signed_in):
    assert signed_in.get("/api/v1/me").json() == {
        "username": "sam.social",
        "display_name": "Sam Okafor",
        "organisation": {"code": "CSC", "name": "Children's Social Care"},
        "team": "Children in Need",
        "job_title": "Social worker",
        "roles": ["practitioner"],
        "email": None,
        "phone": None,
    }


def test_api_search_and_record_go_through_the_same_decision(signed_in, engine, place):
    found = signed_in.get("/api/v1/records", params={"q": "jordan smith"}).json()
    assert [record["id"] for record in found["records"]] == [place.council_record, place.council_twin]
    record = found["records"][0]
    assert record["nhs_number"] == "9434765919" and record["date_of_birth"] == "2011-03-14"
    assert record["access"]["policy_ids"] == ["own-organisation"]
    assert "ni_number" in record and record["ni_number"] is None
    assert found["query"]["names"] == ["jordan", "smith"] and found["truncated"] is False

    assert signed_in.get(f"/api/v1/records/{place.council_record}").json()["local_id"] == "CSC-001"
    denied = signed_in.get(f"/api/v1/records/{place.police_record}")
    assert denied.status_code == 403 and denied.json() == {
        "detail": "No rule allows your organisation to see this record."
    }
    assert signed_in.get("/api/v1/records/999999").status_code == 404
    assert signed_in.get("/api/v1/records", params={"q": "31/02/2011"}).status_code == 400
    assert signed_in.get("/api/v1/records").status_code == 422
    views = [(event.subject_id, event.outcome, event.channel) for event in _events(engine, "record.view")]
    assert views == [
        (str(place.council_record), "allowed", "api"),
        (str(place.police_record), "denied", "api"),
    ]


def test_api_validation_errors_do_not_echo_what_was_sent(signed_in):
    response = signed_in.get("/api/v1/records", params={"q": "Jordan Smith", "limit": "Jordan"})
    assert response.status_code == 422 and "Jordan" not in response.text


def test_ingest_reports_are_for_the_data_team(signed_in, engine, place):
    for path in ("/ingest", f"/ingest/{place.load}"):
        response = signed_in.get(path)
        assert response.status_code == 403 and "for the data team and administrators" in response.text
    for path in ("/api/v1/ingest/loads", f"/api/v1/ingest/loads/{place.load}"):
        assert signed_in.get(path).status_code == 403
    assert "Ingest reports" not in signed_in.get("/").text
    assert {event.outcome for event in _events(engine, "ingest.report.view")} == {"denied"}


def test_the_data_team_sees_the_ingest_report(client, place):
    assert sign_in(client, "dev.data").status_code == 303
    assert 'href="/ingest"' in client.get("/").text
    listing = client.get("/ingest")
    assert listing.status_code == 200 and f'href="/ingest/{place.load}"' in listing.text
    report = client.get(f"/ingest/{place.load}")
    assert report.status_code == 200
    for text in (
        "Rejected rows by reason",
        "is not a real date",
        "Flagged values by reason",
        "fails the modulus-11 check",
        "Warnings about the file",
        "80.0%",
        "60.0%",
        "app-bar__fill--40",
        "All 4 issues",
        "Date of birth",
        "NHS number",
    ):
        assert text in report.text
    assert "31/02/2011" not in report.text, "rejected values are not shown"
    assert client.get("/ingest/999999").status_code == 404

    loads = client.get("/api/v1/ingest/loads").json()
    assert [load["id"] for load in loads] == [place.load]
    assert client.get("/api/v1/ingest/loads", params={"source": "police"}).json() == []
    detail = client.get(f"/api/v1/ingest/loads/{place.load}").json()
    assert detail["rows_rejected"] == 2 and detail["issue_count"] == 4
    assert detail["issue_kinds"][0] == {
        "severity": "rejected",
        "field": "date_of_birth",
        "message": "is not a real date",
        "count": 2,
    }
    assert {"field": "date_of_birth", "percent": 80.0, "valid_percent": 60.0} in detail["completeness"]
    assert client.get("/api/v1/ingest/loads/999999").status_code == 404
