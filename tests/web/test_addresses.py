"""Address pages and API: the review list, decisions, the quality report and the household view.

The review list and report are for the data team and administrators (audited either
way); the household view is for everyone signed in, through the sharing decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update
from decisions import per_record
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.gazetteer.models import AddressDecision, AddressMatch, GazetteerAddress
from joinedup.gazetteer.normalise import normalise
from joinedup.ingest.models import SourceRecord
from joinedup.web.addresses import ROUTERS
from joinedup.web.addresses import api as api_addresses
from joinedup.web.addresses.report_pages import Rate, short_count
from joinedup.web.charts import share_chart

PAGE_ROUTERS = [router for router in ROUTERS if router is not api_addresses.router]

HIGH_ST_1 = "100000000001"
HIGH_ST_1_FLAT = "100000000002"
HIGH_ST_3 = "100000000003"
SCHOOL = "100000000009"
ELSEWHERE = "100000000077"


@dataclass
class Seeded:
    ambiguous: int  # the council's Jordan Smith: two candidates too close to call
    unmatched: int  # the council's Jordana Smithson: no candidate
    matched: int  # the police's Jordan Smith, matched to 1 High Street


def _address(uprn, *, pao_number="", pao_text="", sao_text="", street="High Street", postcode="JU1 1AA",
             classification="residential", in_boundary=True, **extra):
    return GazetteerAddress(
        uprn=uprn,
        lpi_status="approved",
        preferred=True,
        sao_text=sao_text,
        pao_start_number=pao_number,
        pao_text=pao_text,
        street=street,
        town="Joinford",
        postcode=postcode,
        easting=451000.0,
        northing=341000.0,
        classification=classification,
        in_boundary=in_boundary,
        normalised=normalise(" ".join((sao_text, pao_text, pao_number, street))),
        **extra,
    )


def seed_addresses(engine, place) -> Seeded:
    """A tiny gazetteer and a match for each of the web place's three records."""
    with transaction(engine) as session:
        session.add_all(
            [
                _address(HIGH_ST_1, pao_number="1"),
                _address(HIGH_ST_1_FLAT, pao_number="1", sao_text="Flat 1"),
                _address(HIGH_ST_3, pao_number="3"),
                _address(SCHOOL, pao_text="Joinford Primary School", street="School Lane", postcode="JU1 2CC",
                         classification="school"),
                _address(ELSEWHERE, pao_number="7", street="Far Road", postcode="ZZ9 9ZZ", in_boundary=False),
            ]
        )
        session.execute(
            update(SourceRecord)
            .where(SourceRecord.id == place.police_record)
            .values(address_text="1 High St, Joinford")
        )
        session.execute(
            update(SourceRecord).where(SourceRecord.id == place.council_twin).values(address_text="Flat B")
        )
        records = {r.id: r for r in session.scalars(select(SourceRecord))}
        rows = [
            AddressMatch(
                source_record_id=place.council_record,
                source_system_id=records[place.council_record].source_system_id,
                uprn=HIGH_ST_1,
                score=0.81,
                method="probabilistic",
                status="ambiguous",
                runner_up_uprn=HIGH_ST_1_FLAT,
                runner_up_score=0.79,
                reason="The two best candidates are too close to call.",
                normalised="1 HIGH ST JOINEDUP",
                address_key="a" * 64,
            ),
            AddressMatch(
                source_record_id=place.council_twin,
                source_system_id=records[place.council_twin].source_system_id,
                status="unmatched",
                reason="No candidate scored high enough.",
                normalised="FLAT B",
                address_key="b" * 64,
            ),
            AddressMatch(
                source_record_id=place.police_record,
                source_system_id=records[place.police_record].source_system_id,
                uprn=HIGH_ST_1,
                score=1.0,
                method="exact",
                status="matched",
                normalised="1 HIGH ST JOINFORD",
                address_key="c" * 64,
            ),
        ]
        session.add_all(rows)
        session.flush()
        return Seeded(*(row.id for row in rows))


@pytest.fixture
def seeded(engine, place) -> Seeded:
    return seed_addresses(engine, place)


@pytest.fixture
def data_team(client, seeded):
    assert sign_in(client, "dev.data").status_code == 303
    return client


@pytest.fixture
def practitioner(client, seeded):
    assert sign_in(client, "sam.social").status_code == 303
    return client


def _events(engine, action):
    with transaction(engine) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _match(engine, match_id) -> AddressMatch:
    with transaction(engine) as session:
        match = session.get(AddressMatch, match_id)
        session.expunge(match)
        return match


def _post(client, match_id, **data):
    page = client.get(f"/addresses/review/{match_id}")
    assert page.status_code == 200, page.text
    return client.post(f"/addresses/review/{match_id}", data={"csrf_token": csrf_token(page.text), **data})


# --- routes, sign-in and roles ------------------------------------------------------

API_GETS = [
    "/api/v1/addresses/matches",
    "/api/v1/addresses/matches/{match_id}",
    "/api/v1/addresses/review",
    "/api/v1/addresses/report",
    "/api/v1/addresses/{uprn}",
]
def _concrete(path: str, seeded: Seeded) -> str:
    return (
        path.replace("{match_id:int}", str(seeded.ambiguous))
        .replace("{match_id}", str(seeded.ambiguous))
        .replace("{uprn}", HIGH_ST_1)
    )


def test_navigation_shows_addresses_to_everyone_and_review_to_the_data_team(client, seeded):
    sign_in(client, "sam.social")
    home = client.get("/").text
    assert 'href="/addresses"' in home and 'href="/addresses/review"' not in home
    assert 'href="/addresses/review"' not in client.get("/addresses").text
    sign_in(client, "dev.data")
    home = client.get("/").text
    assert 'href="/addresses/review"' in home and 'href="/addresses/report"' in home
    assert 'href="/addresses/review"' in client.get("/addresses").text


# --- the review list ----------------------------------------------------------------


def test_the_review_list_shows_ambiguous_and_unmatched_addresses(data_team, engine, seeded):
    response = data_team.get("/addresses/review")
    assert response.status_code == 200
    text = response.text
    assert "2 addresses to review" in text
    assert f'href="/addresses/review/{seeded.ambiguous}"' in text
    assert f'href="/addresses/review/{seeded.unmatched}"' in text
    assert f'href="/addresses/review/{seeded.matched}"' not in text, "matched addresses are not for review"
    assert "1 High Street, Joinedup" in text and "Flat B" in text
    assert "Ambiguous" in text and "Unmatched" in text and "0.81" in text
    (gate,) = _events(engine, "address.review.view")
    assert gate.outcome == "allowed"
    shown = per_record(engine, "address.review")
    assert sorted((e.subject_type, e.subject_id, e.outcome) for e in shown) == sorted(
        ("source_record", str(_match(engine, match_id).source_record_id), "allowed")
        for match_id in (seeded.ambiguous, seeded.unmatched)
    )


def test_the_review_list_filters_by_source(data_team, seeded):
    police = data_team.get("/addresses/review", params={"source": "police"})
    assert police.status_code == 200 and "Nothing to review" in police.text
    assert '<option value="police" selected>' in police.text
    council = data_team.get("/addresses/review", params={"source": "csc"})
    assert "2 addresses to review" in council.text
    assert f'href="/addresses/review/{seeded.ambiguous}?source=csc"' in council.text
    unknown = data_team.get("/addresses/review", params={"source": "nonsense"})
    assert unknown.status_code == 200 and "2 addresses to review" in unknown.text


def test_the_review_list_is_paginated(data_team, engine, place, seeded):
    with transaction(engine) as session:
        source_system_id = session.get(SourceRecord, place.council_record).source_system_id
        for number in range(30):
            record = SourceRecord(
                source_system_id=source_system_id,
                local_id=f"CSC-9{number:02d}",
                address_text=f"{number} Nowhere Lane",
                row_hash=str(number),
            )
            session.add(record)
            session.flush()
            session.add(
                AddressMatch(
                    source_record_id=record.id,
                    source_system_id=source_system_id,
                    status="unmatched",
                    reason="No candidate scored high enough.",
                )
            )
    first = data_team.get("/addresses/review")
    assert "Addresses 1 to 25 of 32 to review" in first.text
    assert 'aria-label="Pagination"' in first.text and 'href="/addresses/review?page=2" rel="next"' in first.text
    assert 'aria-current="page">1<' in first.text
    second = data_team.get("/addresses/review", params={"page": "2"})
    assert "Addresses 26 to 32 of 32 to review" in second.text
    assert 'href="/addresses/review?page=1" rel="prev"' in second.text and 'rel="next"' not in second.text
    assert data_team.get("/addresses/review", params={"page": "3"}).status_code == 404
    assert data_team.get("/addresses/review", params={"page": "zero"}).status_code == 200


# --- one address --------------------------------------------------------------------


def test_an_address_page_shows_the_address_as_given_and_both_candidates(data_team, engine, seeded):
    response = data_team.get(f"/addresses/review/{seeded.ambiguous}")
    assert response.status_code == 200
    text = response.text
    for expected in (
        "1 High Street, Joinedup",
        "CSC-001",
        "Children&#39;s case system",
        "Best candidate",
        "Runner-up",
        HIGH_ST_1,
        HIGH_ST_1_FLAT,
        "1 High Street, Joinford, JU1 1AA",
        "Flat 1, 1 High Street, Joinford, JU1 1AA",
        "0.81",
        "0.79",
        "The two best candidates are too close to call.",
        'name="csrf_token"',
        'value="accept"',
        'value="choose"',
        'value="out_of_area"',
        'value="unmatchable"',
    ):
        assert expected in text, expected
    assert "Jordan" not in text, "the review shows the address, not the person"
    (event,) = _events(engine, "address.review.view")
    assert (event.subject_type, event.subject_id, event.outcome) == (
        "address_matches",
        str(seeded.ambiguous),
        "allowed",
    )
    assert data_team.get("/addresses/review/999999").status_code == 404


def test_an_unmatched_address_cannot_be_accepted(data_team, seeded):
    page = data_team.get(f"/addresses/review/{seeded.unmatched}")
    assert 'value="accept"' not in page.text and "found no candidate" in page.text
    response = _post(data_team, seeded.unmatched, action="accept")
    assert response.status_code == 400 and "There is no candidate to accept" in response.text


def test_the_gazetteer_search_on_an_address_page_offers_radios(data_team, seeded):
    response = data_team.get(f"/addresses/review/{seeded.ambiguous}", params={"q": "3 High Street"})
    assert response.status_code == 200
    assert re.search(rf'name="uprn" type="radio" value="{HIGH_ST_3}"', response.text)
    assert 'value="choose" aria-describedby="action-choose-hint" checked' in response.text
    empty = data_team.get(f"/addresses/review/{seeded.ambiguous}", params={"q": " "})
    assert empty.status_code == 400 and "govuk-error-summary" in empty.text
    assert "<title>Error: Review an address" in empty.text
    none = data_team.get(f"/addresses/review/{seeded.ambiguous}", params={"q": "Xylophone Parade"})
    assert none.status_code == 200 and "No addresses in the gazetteer match" in none.text


# --- decisions ----------------------------------------------------------------------


def test_accepting_the_candidate_matches_it_and_says_so(data_team, engine, seeded):
    response = _post(data_team, seeded.ambiguous, action="accept", reason="Checked on the council tax list")
    assert response.status_code == 303
    assert response.headers["location"] == f"/addresses/review?decided={seeded.ambiguous}"
    match = _match(engine, seeded.ambiguous)
    assert (match.status, match.method, match.uprn) == ("matched", "manual", HIGH_ST_1)
    listing = data_team.get(response.headers["location"])
    assert "govuk-notification-banner--success" in listing.text
    assert f"is now matched to UPRN {HIGH_ST_1}" in listing.text
    assert "1 address to review" in listing.text
    with transaction(engine) as session:
        (decision,) = session.scalars(select(AddressDecision)).all()
        assert (decision.action, decision.uprn, decision.reason, decision.decided_by) == (
            "accept",
            HIGH_ST_1,
            "Checked on the council tax list",
            "dev.data",
        )
    # The gate's event and the decision's own, under the act's one name.
    assert [event.outcome for event in _events(engine, "address.decide")] == ["allowed", "success"]


def test_choosing_another_address_from_the_search(data_team, engine, seeded):
    response = _post(data_team, seeded.ambiguous, action="choose", uprn=HIGH_ST_3, q="3 High Street",
                     source="csc")
    assert response.status_code == 303
    assert response.headers["location"] == f"/addresses/review?decided={seeded.ambiguous}&source=csc"
    match = _match(engine, seeded.ambiguous)
    assert (match.status, match.method, match.uprn) == ("matched", "manual", HIGH_ST_3)
    assert f"is now matched to UPRN {HIGH_ST_3}" in data_team.get(response.headers["location"]).text


@pytest.mark.parametrize(
    "action, status, banner",
    [("out_of_area", "out_of_area", "is marked as out of area"), ("unmatchable", "unmatchable", "not matchable")],
)
def test_marking_an_address(data_team, engine, seeded, action, status, banner):
    response = _post(data_team, seeded.unmatched, action=action)
    assert response.status_code == 303
    assert _match(engine, seeded.unmatched).status == status
    listing = data_team.get(response.headers["location"])
    assert "Decision saved" in listing.text and banner in listing.text and "Flat B" in listing.text


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({}, "action", "Select what should happen to this address"),
        ({"action": "nonsense"}, "action", "Select what should happen to this address"),
        ({"action": "choose"}, "q", "Search the gazetteer, then select an address from the results"),
        ({"action": "choose", "q": "High Street"}, "uprn", "Select an address from the gazetteer search results"),
        ({"action": "out_of_area", "reason": "x" * 501}, "reason", "Reason must be 500 characters or fewer"),
    ],
)
def test_a_decision_that_cannot_be_saved_says_why(data_team, engine, seeded, data, field, message):
    response = _post(data_team, seeded.ambiguous, **data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert f'<a href="#{field}">{message}</a>' in response.text
    assert f'id="{field}"' in response.text, "the summary links to a field on the page"
    assert _match(engine, seeded.ambiguous).status == "ambiguous"


def test_choosing_a_uprn_the_gazetteer_does_not_have_is_refused(data_team, engine, seeded):
    response = _post(data_team, seeded.ambiguous, action="choose", uprn="999999999999", q="High Street")
    assert response.status_code == 400 and "govuk-error-summary" in response.text
    assert _match(engine, seeded.ambiguous).status == "ambiguous"


# --- the household view -------------------------------------------------------------


def test_the_household_shows_only_records_the_sharing_decision_discloses(practitioner, engine, place, seeded):
    response = practitioner.get(f"/addresses/{HIGH_ST_1}")
    assert response.status_code == 200
    text = response.text
    assert "1 High Street, Joinford, JU1 1AA" in text and f"UPRN {HIGH_ST_1}" in text
    assert "POL-77" not in text and "Police records" not in text and "1 High St, Joinford" not in text
    assert "does not say whether they do" in text
    decisions = {(event.subject_id, event.outcome) for event in _events(engine, "household.view")} or {
        (event.subject_id, event.outcome)
        for action in ("record.view", "record.search", "address.household")
        for event in _events(engine, action)
    }
    assert (str(place.police_record), "denied") in decisions


def test_the_police_see_their_own_record_at_the_address(client, engine, place, seeded):
    sign_in(client, "pat.police")
    response = client.get(f"/addresses/{HIGH_ST_1}")
    assert response.status_code == 200
    assert "1 record you can see" in response.text
    assert f'href="/records/{place.police_record}"' in response.text
    assert "Jordan Smith" in response.text and "Police records" in response.text


def test_an_unknown_or_malformed_uprn_is_not_found(practitioner, seeded):
    assert practitioner.get("/addresses/123456789012").status_code == 404
    assert practitioner.get("/addresses/not-a-uprn").status_code == 404
    assert practitioner.get("/api/v1/addresses/123456789012").status_code == 404
    assert practitioner.get("/api/v1/addresses/not-a-uprn").status_code == 422


def test_anyone_signed_in_can_search_the_gazetteer(practitioner, seeded):
    response = practitioner.get("/addresses", params={"q": "School Lane"})
    assert response.status_code == 200 and "1 address found" in response.text
    assert f'href="/addresses/{SCHOOL}"' in response.text and "School" in response.text
    empty = practitioner.get("/addresses", params={"q": ""})
    assert empty.status_code == 400 and "govuk-error-summary" in empty.text
    school = practitioner.get(f"/addresses/{SCHOOL}")
    assert "This is not a private home" in school.text and "No records you can see" in school.text


# --- the API ------------------------------------------------------------------------


def test_api_review_and_matches(data_team, engine, seeded):
    review = data_team.get("/api/v1/addresses/review").json()
    assert review["total"] == 2 and {m["id"] for m in review["matches"]} == {seeded.ambiguous, seeded.unmatched}
    ambiguous = next(m for m in review["matches"] if m["id"] == seeded.ambiguous)
    assert ambiguous["source"] == {"code": "csc", "name": "Children's case system"}
    assert (ambiguous["uprn"], ambiguous["score"], ambiguous["runner_up_uprn"], ambiguous["runner_up_score"]) == (
        HIGH_ST_1,
        0.81,
        HIGH_ST_1_FLAT,
        0.79,
    )
    assert ambiguous["address_text"] == "1 High Street, Joinedup" and ambiguous["local_id"] == "CSC-001"

    everything = data_team.get("/api/v1/addresses/matches").json()
    assert everything["total"] == 3
    matched = data_team.get("/api/v1/addresses/matches", params={"status": "matched"}).json()
    assert [m["id"] for m in matched["matches"]] == [seeded.matched]
    assert matched["matches"][0]["method"] == "exact"
    police = data_team.get("/api/v1/addresses/matches", params={"source": "police"}).json()
    assert police["total"] == 1
    assert data_team.get("/api/v1/addresses/matches", params={"status": "bogus"}).status_code == 422
    paged = data_team.get("/api/v1/addresses/matches", params={"limit": 1, "offset": 1}).json()
    assert paged["total"] == 3 and len(paged["matches"]) == 1 and paged["offset"] == 1

    detail = data_team.get(f"/api/v1/addresses/matches/{seeded.ambiguous}").json()
    assert detail["candidate"]["address"] == "1 High Street, Joinford, JU1 1AA"
    assert detail["runner_up"]["sao"] == "Flat 1" and detail["runner_up"]["in_boundary"] is True
    assert data_team.get("/api/v1/addresses/matches/999999").status_code == 404
    assert {e.outcome for e in _events(engine, "address.review.view")} == {"allowed"}


def test_api_household_discloses_only_what_the_decision_allows(practitioner, client, place, seeded):
    household = practitioner.get(f"/api/v1/addresses/{HIGH_ST_1}").json()
    assert household["address"]["uprn"] == HIGH_ST_1
    assert place.police_record not in [record["id"] for record in household["records"]]
    sign_in(client, "pat.police")
    household = client.get(f"/api/v1/addresses/{HIGH_ST_1}").json()
    (record,) = household["records"]
    assert record["id"] == place.police_record and record["local_id"] == "POL-77"
    assert record["access"]["policy_ids"] == ["own-organisation"]


def test_the_openapi_description_has_the_address_endpoints(client):
    schema = client.get("/openapi.json").json()
    for path in API_GETS:
        operation = schema["paths"][path]["get"]
        assert "401" in operation["responses"], path
    for path in ("/api/v1/addresses/matches", "/api/v1/addresses/review", "/api/v1/addresses/report"):
        assert "403" in schema["paths"][path]["get"]["responses"]
    assert {"MatchOut", "MatchPageOut", "HouseholdOut", "GazetteerAddressOut"} <= set(schema["components"]["schemas"])


# --- the data-quality report --------------------------------------------------------


@pytest.fixture
def anomalies(engine, place, seeded):
    """Two more police records: one at a school under another postcode, one of POL-77 elsewhere."""
    with transaction(engine) as session:
        police = session.get(SourceRecord, place.police_record)
        at_school = SourceRecord(source_system_id=police.source_system_id, local_id="POL-78",
                                 address_text="Joinford Primary, School Ln", postcode="JU1 1AA", row_hash="d")
        incident = SourceRecord(source_system_id=police.source_system_id, local_id="POL-77", record_ref="INC-2",
                                address_text="3 High Street", postcode="JU1 1AA", row_hash="e")
        session.add_all([at_school, incident])
        session.flush()
        session.add_all(
            [
                AddressMatch(source_record_id=at_school.id, source_system_id=police.source_system_id, uprn=SCHOOL,
                             score=0.97, method="probabilistic", status="matched"),
                AddressMatch(source_record_id=incident.id, source_system_id=police.source_system_id, uprn=HIGH_ST_3,
                             score=1.0, method="exact", status="matched"),
            ]
        )


def test_the_report_page_counts_boundaries_anomalies_and_charts(data_team, engine, anomalies):
    response = data_team.get("/addresses/report")
    assert response.status_code == 200
    text = response.text
    for expected in (
        "<h1 class=\"govuk-heading-l\">Address data quality</h1>",
        "Matching by source",
        "Children&#39;s case system",
        "Police records",
        "All sources",
        'href="/addresses/report.csv"',
        # the chart, with its text alternative and its data table
        'role="img" aria-labelledby="chart-title chart-desc"',
        '<title id="chart-title">Match rate by source</title>',
        "Police records: 100.0%.",
        "Children&#39;s case system: 0.0%.",
        "Match rate by source, as a table",
        # the boundary, Nottingham's way (154k/33k to 134k/53k)
        "Inside/outside the boundary went from 4/1 by postcode to 3/0 by UPRN.",
        "Inside and outside the boundary by source",
        # anomalies
        "Postcode disagrees with the matched address: 1",
        "One local id&#39;s records at different addresses: 2",
        "Home address at a non-residential property: 1",
        "The record says JU1 1AA; the gazetteer says JU1 2CC",
        "The address is a school",
        f'href="/addresses/{SCHOOL}"',
    ):
        assert expected in text, expected
    assert "<svg" in text and "style=" not in text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert re.search(r'<rect x="220" y="\d+" width="420(\.0)?" height="28" fill="#106165"/>', text)
    (event,) = _events(engine, "address.report.view")
    assert (event.outcome, event.subject_id) == ("allowed", "")


def test_the_report_filters_by_source(data_team, anomalies):
    response = data_team.get("/addresses/report", params={"source": "police"})
    assert response.status_code == 200
    assert '<span class="govuk-caption-l">Police records</span>' in response.text
    assert 'href="/addresses/report.csv?source=police"' in response.text
    assert "Inside and outside the boundary by source" not in response.text
    assert "Every matched address" not in response.text
    council = data_team.get("/addresses/report", params={"source": "csc"})
    assert "No local id has records matched to different addresses." in council.text


def test_the_report_downloads_as_csv(data_team, engine, anomalies):
    response = data_team.get("/addresses/report.csv", params={"source": "police"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="address-quality-police.csv"'
    lines = response.text.splitlines()
    assert lines[0] == "section,source,measure,value,local_id,record_ref,uprn,detail"
    assert "summary,police,matched,3,,,," in lines
    assert any(line.startswith("anomaly,police,non_residential,1,POL-78") for line in lines)
    (event,) = _events(engine, "address.report.export")
    assert (event.outcome, event.subject_id) == ("allowed", "police")


def test_api_report(data_team, anomalies):
    report = data_team.get("/api/v1/addresses/report").json()
    overall = report["overall"]
    assert (overall["records"], overall["matched"], overall["ambiguous"], overall["unmatched"]) == (5, 3, 1, 1)
    assert overall["before"] == {"inside": 4, "outside": 1, "unknown": 0}
    assert report["anomaly_counts"] == {"postcode_mismatch": 1, "conflicting_addresses": 2, "non_residential": 1}
    assert {source["source"] for source in report["sources"]} == {"csc", "police"}
    police = data_team.get("/api/v1/addresses/report", params={"source": "police"}).json()
    assert [source["source"] for source in police["sources"]] == ["police"]
    assert police["overall"]["match_rate"] == 1.0


def test_boundary_counts_are_shortened_as_nottingham_wrote_them():
    assert [short_count(n) for n in (7, 999, 1_234, 33_000, 154_321)] == ["7", "999", "1.2k", "33k", "154k"]


def test_the_chart_scales_bars_to_the_match_rate():
    chart = share_chart([(rate.label, rate.percent) for rate in (Rate("A", 1, 2), Rate("B", 0, 3))])
    assert [bar.width for bar in chart.bars] == [210.0, 0.0]
    assert [bar.value for bar in chart.bars] == ["50.0%", "0.0%"]
    assert chart.bars[0].value_anchor == "end" and chart.bars[1].value_anchor == "start"
    assert [label for _x, label in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]


# --- with the real loader and matcher -----------------------------------------------

GAZETTEER_CSV = """uprn,parent_uprn,lpi_status,sao_text,sao_start_number,pao_start_number,pao_start_suffix,pao_text,street,locality,town,postcode,easting,northing,classification,in_boundary
200000000001,,approved,,,5,,,Mill Lane,,Joinford,JU3 3AA,451000,341000,residential,Y
200000000002,,approved,,,5,A,,Mill Lane,,Joinford,JU3 3AA,451010,341000,residential,Y
200000000003,,approved,,,7,,,Mill Lane,,Joinford,JU3 3AA,451020,341000,residential,Y
"""


def test_a_decision_in_the_browser_survives_a_full_rerun_of_the_matcher(client, engine, place, tmp_path):
    """Load a gazetteer and match with the package's own services, then decide on the web."""
    from joinedup.gazetteer import load_gazetteer, match_addresses

    with transaction(engine) as session:
        session.execute(
            update(SourceRecord).where(SourceRecord.id == place.council_record)
            .values(address_text="5 Mill Lane, Joinford", postcode="JU3 3AA")
        )
        session.execute(
            update(SourceRecord).where(SourceRecord.id == place.council_twin)
            .values(address_text="Somewhere nobody knows", postcode=None)
        )
    path = tmp_path / "llpg.csv"
    path.write_text(GAZETTEER_CSV)
    assert load_gazetteer(engine, path).status == "completed"
    assert match_addresses(engine, address_engine=None).status == "completed"
    sign_in(client, "dev.data")
    listing = client.get("/addresses/review", params={"source": "csc"})
    assert "Somewhere nobody knows" in listing.text
    with transaction(engine) as session:
        twin = session.scalar(select(AddressMatch).where(AddressMatch.source_record_id == place.council_twin))
        mine = session.scalar(select(AddressMatch).where(AddressMatch.source_record_id == place.council_record))
        twin_id, mine_uprn = twin.id, mine.uprn
    assert mine_uprn == "200000000001"
    found = client.get(f"/addresses/review/{twin_id}", params={"q": "7 Mill Lane"})
    assert 'value="200000000003"' in found.text
    response = _post(client, twin_id, action="choose", uprn="200000000003", q="7 Mill Lane", reason="Known to us")
    assert response.status_code == 303
    match_addresses(engine, full=True, address_engine=None)
    with transaction(engine) as session:
        rerun = session.scalar(select(AddressMatch).where(AddressMatch.source_record_id == place.council_twin))
        session.expunge(rerun)
    assert (rerun.status, rerun.method, rerun.uprn) == ("matched", "manual", "200000000003")
    # The household view is a practitioner's: everyone their organisation holds at the UPRN.
    sign_in(client, "sam.social")
    household = client.get("/addresses/200000000003")
    assert "Jordana Smithson" in household.text and "Known to us" not in household.text


# --- another agency's addresses, through the sharing decision -------------------------

#: What the police hold about POL-77 beyond its address: never on the data team's pages.
POLICE_PERSONAL = ("Jordan", "Smith", "AB123456C", "2011-03-14", "14 March 2011", "violence")


@pytest.fixture
def police_in_review(engine, place, seeded):
    """The police record's address (another agency's, for dev.data at the council) is ambiguous."""
    with transaction(engine) as session:
        session.execute(
            update(SourceRecord).where(SourceRecord.id == place.police_record).values(facts={"marker": "violence"})
        )
        session.execute(
            update(AddressMatch).where(AddressMatch.id == seeded.matched)
            .values(status="ambiguous", runner_up_uprn=HIGH_ST_1_FLAT, runner_up_score=0.9, score=0.91)
        )
    return seeded.matched


def _decisions(engine, action, record_id):
    return [e for e in per_record(engine, action) if e.subject_id == str(record_id)]


def _no_person(text):
    for value in POLICE_PERSONAL:
        assert value not in text, value


def test_the_data_team_sees_another_agencys_address_and_nothing_else(data_team, engine, place, police_in_review):
    listing = data_team.get("/addresses/review", params={"source": "police"})
    assert listing.status_code == 200 and "1 High St, Joinford" in listing.text
    _no_person(listing.text)
    item = data_team.get(f"/addresses/review/{police_in_review}")
    assert item.status_code == 200 and "1 High St, Joinford" in item.text and "POL-77" in item.text
    _no_person(item.text)
    api = data_team.get("/api/v1/addresses/review", params={"source": "police"})
    (row,) = api.json()["matches"]
    assert (row["local_id"], row["address_text"], row["postcode"]) == ("POL-77", "1 High St, Joinford", "JU1 1AA")
    _no_person(api.text)
    detail = data_team.get(f"/api/v1/addresses/matches/{police_in_review}")
    assert detail.json()["local_id"] == "POL-77"
    _no_person(detail.text)
    everything = data_team.get("/api/v1/addresses/matches")
    _no_person(everything.text)
    decisions = _decisions(engine, "address.review", place.police_record)
    assert len(decisions) == 5, "one audited decision per record shown, on every page and call"
    assert {(e.outcome, e.actor, tuple(e.details["policy_ids"])) for e in decisions} == {
        ("allowed", "dev.data", ("address-data-quality",))
    }
    # The fields it showed: the address fields the record holds (it has no record reference).
    assert {tuple(e.details["fields"]) for e in decisions} == {("address_text", "local_id", "postcode", "source")}
    # Their own organisation's record too is read for address processing only: the data
    # team never sees a fact (docs/sharing.md).
    own = _decisions(engine, "address.review", place.council_record)
    assert own and {tuple(e.details["policy_ids"]) for e in own} == {("address-data-quality",)}


def test_the_decided_banner_passes_the_sharing_decision(data_team, engine, place, police_in_review):
    response = _post(data_team, police_in_review, action="accept")
    assert response.status_code == 303
    before = len(_decisions(engine, "address.review", place.police_record))
    banner = data_team.get(response.headers["location"])
    assert "‘1 High St, Joinford’ is now matched to UPRN" in banner.text
    _no_person(banner.text)
    assert len(_decisions(engine, "address.review", place.police_record)) == before + 1


def test_the_report_shows_another_agencys_anomalies_through_the_sharing_decision(data_team, engine, place, anomalies):
    page = data_team.get("/addresses/report")
    api = data_team.get("/api/v1/addresses/report")
    csv_text = data_team.get("/addresses/report.csv").text
    for text in (page.text, api.text, csv_text):
        assert "POL-78" in text and "POL-77" in text
        _no_person(text)
    anomaly_records = {anomaly["record_id"] for anomaly in api.json()["anomalies"]}
    assert len(anomaly_records) == 3
    for action, calls in (("address.report", 2), ("address.export", 1)):
        shown = per_record(engine, action)
        assert sorted(int(e.subject_id) for e in shown) == sorted(list(anomaly_records) * calls)
        assert {(e.outcome, tuple(e.details["policy_ids"])) for e in shown} == {("allowed", ("address-data-quality",))}


def test_the_api_report_refuses_an_unknown_source(data_team, engine, seeded):
    response = data_team.get("/api/v1/addresses/report", params={"source": "x" * 70})
    assert response.status_code == 422 and "Unknown source" in response.text
    assert data_team.get("/api/v1/addresses/report", params={"source": "nonsense"}).status_code == 422
    # The gate records the attempt; no record was read for a report that was refused.
    assert per_record(engine, "address.report") == []
    assert data_team.get("/api/v1/addresses/report", params={"source": "police"}).status_code == 200
