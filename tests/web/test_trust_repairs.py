"""Issue 10's governed-sharing findings, each reproduced as it was found: through the API
and the pages of the practice world (tests/web/practice_support.py), as a user would.

Each test failed on the code before the repairs (it was run there) and names its finding.
The rules themselves are tested where they live (tests/sharing), and the authorisation
matrix checks every route, role and relation against the documented promises.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from practice_support import MARKERS
from sqlalchemy import select
from web_support import csrf_token, sign_in

from joinedup.accounts import create_user
from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.gazetteer.models import AddressMatch, GazetteerAddress
from joinedup.ingest.models import SourceRecord
from joinedup.people.models import Person
from joinedup.sharing.models import AgreementVersion, BreakGlass

SERVICE = MARKERS["shield_service"]  # "Mental health support": Dee's voluntary-sector record
NOTES = MARKERS["shield_notes"]


def _as(client: TestClient, username: str) -> dict[str, str]:
    assert sign_in(client, username).status_code == 303
    return {"X-CSRF-Token": csrf_token(client.get("/").text)}


def _break_glass(client: TestClient, header: dict[str, str], person_id: str) -> None:
    started = client.post(f"/api/v1/persons/{person_id}/break-glass", headers=header,
                          json={"reason": "A child found alone at the address late at night", "minutes": 60})
    assert started.status_code == 201, started.text


def _housing_officer(engine) -> None:
    """A practitioner of Joinford Homes: party to no agreement, and no IG lead of its own."""
    with transaction(engine) as session:
        create_user(session, username="hal.housing", password="correct horse battery", display_name="Hal Housing",
                    organisation="HSG", roles=["practitioner"])


def test_finding_1_break_glass_never_opens_a_sensitive_service(practice_client):
    header = _as(practice_client, "sam.social")
    _break_glass(practice_client, header, "PSHIELD0001")
    response = practice_client.get("/api/v1/persons/PSHIELD0001",
                                   params={"purpose": "safeguarding_child", "safeguarding_risk": "true"})
    assert response.status_code == 200
    body = response.json()
    assert body["shielded"] is True
    assert SERVICE not in response.text and NOTES not in response.text
    assert all(record.get("source") != "voluntary" for record in body["records"])


def test_finding_2_a_purpose_the_organisation_may_not_state_is_refused_by_the_api(practice_client, engine):
    _housing_officer(engine)
    header = _as(practice_client, "hal.housing")
    assert [purpose["code"] for purpose in practice_client.get("/api/v1/me/purposes").json()] == ["direct_care"]
    _break_glass(practice_client, header, "PSHIELD0001")
    response = practice_client.get("/api/v1/persons/PSHIELD0001",
                                   params={"purpose": "safeguarding_child", "safeguarding_risk": "true"})
    assert response.status_code == 403 and response.json()["detail"].startswith("purpose: ")
    assert SERVICE not in response.text
    with transaction(engine) as session:
        refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.purpose.state",
                                                           AuditEvent.actor == "hal.housing")).all()
    assert [event.outcome for event in refused] == ["denied"]


@pytest.mark.parametrize("username", ["dev.data", "tara.trainer", "iris.ig"])
def test_finding_3_roles_that_read_no_records_cannot_state_a_purpose_to_read_them(practice_client, practice,
                                                                                 username):
    _as(practice_client, username)
    police = practice.records["POL-200"]  # Ben's: a domestic incident, a DASH risk, the officer
    response = practice_client.get(f"/api/v1/records/{police}", params={"purpose": "safeguarding_child"})
    assert response.status_code == 403
    for secret in (MARKERS["partner_incident"], "High", "PC Ray"):
        assert secret not in response.text
    # In the browser: stating the purpose is refused, and the record page then refuses too.
    page = practice_client.get("/persons/PPARTNER001/purpose")
    stated = practice_client.post("/persons/PPARTNER001/purpose",
                                  data={"csrf_token": csrf_token(page.text), "purpose": "safeguarding_child"})
    assert stated.status_code == 400
    record = practice_client.get(f"/records/{police}")
    assert record.status_code == 403 and MARKERS["partner_incident"] not in record.text


def test_finding_4_a_search_matches_only_on_fields_the_user_may_see(practice_client):
    _as(practice_client, "sam.social")
    # Safeguarding a child shares the police's identity, incidents and worker: not the postcode.
    right = practice_client.get("/api/v1/persons", params={"q": "ben JU2 2BB", "purpose": "safeguarding_child"})
    wrong = practice_client.get("/api/v1/persons", params={"q": "ben JU9 9ZZ", "purpose": "safeguarding_child"})
    assert right.status_code == wrong.status_code == 200
    assert right.json()["persons"] == wrong.json()["persons"] == []
    # The name alone, which the user may see, still finds him.
    found = practice_client.get("/api/v1/persons", params={"q": "ben", "purpose": "safeguarding_child"})
    assert [person["person_id"] for person in found.json()["persons"]] == ["PPARTNER001"]
    records = practice_client.get("/api/v1/records", params={"q": "ben JU2 2BB", "purpose": "safeguarding_child"})
    assert records.json()["records"] == []


def test_finding_5_consent_must_name_its_scope_and_a_sensitive_category_to_open_it(practice_client, engine):
    header = _as(practice_client, "sam.social")
    early_help = {"purpose": "early_help", "relationship": "My team is working with the family"}
    everything = practice_client.post("/api/v1/persons/PSHIELD0001/consent", params=early_help, headers=header,
                                      json={"decision": "given", "form": "verbal", "informed": True})
    assert everything.status_code == 400 and everything.json()["detail"].startswith("purposes: Consent names its scope")
    assert SERVICE not in practice_client.get("/api/v1/persons/PSHIELD0001", params=early_help).text
    parent = {"given_by": "parent_carer", "given_by_name": "Dee's mother", "parental_responsibility": True}
    scope = {"purposes": ["early_help"], "organisations": ["CSC"]}
    named = {"decision": "given", "form": "verbal", "informed": True, **scope, **parent}
    without = practice_client.post("/api/v1/persons/PSHIELD0001/consent", params=early_help, headers=header,
                                   json={**named, "categories": ["identity", "voluntary_support"]})
    assert without.status_code == 201
    assert SERVICE not in practice_client.get("/api/v1/persons/PSHIELD0001", params=early_help).text
    opened = practice_client.post("/api/v1/persons/PSHIELD0001/consent", params=early_help, headers=header,
                                  json={**named, "categories": ["identity", "voluntary_support", "sensitive_services"]})
    assert opened.status_code == 201 and opened.json()["given_by"] == "parent_carer"
    assert SERVICE in practice_client.get("/api/v1/persons/PSHIELD0001", params=early_help).text
    # Dee is a child: the record says who decided.
    child = practice_client.post("/api/v1/persons/PSHIELD0001/consent", params=early_help, headers=header,
                                 json={**named, "categories": ["identity"], "given_by": "person"})
    assert child.status_code == 400 and child.json()["detail"].startswith("given_by: This person is a child")


def test_finding_6_every_break_glass_access_listed_opens_for_its_reviewer(practice_client, engine, practice):
    _housing_officer(engine)
    header = _as(practice_client, "hal.housing")
    _break_glass(practice_client, header, "PNONE000001")
    # Joinford Homes has no IG lead and is party to no agreement: the administrators review.
    told = practice_client.get("/persons/PNONE000001").text
    assert "Dev Data, administrator at Children&#39;s Social Care" in told
    with transaction(engine) as session:
        housing = session.scalar(select(BreakGlass).where(BreakGlass.username == "hal.housing"))
        session.get(AgreementVersion, practice.agreement_version).ig_leads = ["iris.ig"]
        create_user(session, username="val.vcs", password="correct horse battery", display_name="Val",
                    organisation="VCS", roles=["practitioner"])
    # The voluntary group has no IG lead either, but the partnership names Iris.
    _break_glass(practice_client, _as(practice_client, "val.vcs"), "PSHIELD0001")
    for reviewer in ("iris.ig", "dev.data"):
        _as(practice_client, reviewer)
        listed = practice_client.get("/api/v1/sharing/break-glass").json()
        assert listed, reviewer
        for access in listed:
            assert practice_client.get(f"/api/v1/sharing/break-glass/{access['id']}").status_code == 200
            assert practice_client.get(f"/sharing/break-glass/{access['id']}").status_code == 200
        users = {access["username"] for access in listed}
        assert users == ({"val.vcs"} if reviewer == "iris.ig" else {"hal.housing"}), (reviewer, users)
    page = practice_client.get(f"/sharing/break-glass/{housing.id}")
    form = {"csrf_token": csrf_token(page.text), "decision": "appropriate", "note": "A child at risk that night."}
    assert practice_client.post(f"/sharing/break-glass/{housing.id}", data=form).status_code == 303


def test_finding_7_what_the_page_says_is_seen_comes_from_the_decisions(practice_client, engine, practice):
    header = _as(practice_client, "sam.social")
    _break_glass(practice_client, header, "PNONE000001")
    page = practice_client.get("/persons/PNONE000001")
    assert page.status_code == 200
    assert "only your own organisation" not in page.text
    assert "1 record shown under your emergency access" in page.text
    # Ava's current address comes from a police record Sam may not see without a purpose,
    # but Sam's own record is matched to the very same property.
    with transaction(engine) as session:
        session.add(GazetteerAddress(uprn="100000000777", lpi_status="approved", preferred=True,
                                     pao_start_number="7", street="TEST ROW", town="JOINFORD", postcode="JU1 1AA",
                                     classification="RD04"))
        own = session.get(SourceRecord, practice.records["CSC-100"])
        own.address_text = "7 Test Row, Joinford"
        for reference in ("CSC-100", "POL-100"):
            record = session.get(SourceRecord, practice.records[reference])
            session.add(AddressMatch(source_record_id=record.id, source_system_id=record.source_system_id,
                                     uprn="100000000777", score=1.0, method="exact", status="matched",
                                     normalised="7 TEST ROW", address_key=reference.ljust(64, "x")))
        ava = session.get(Person, practice.persons["PSAME000001"])
        ava.uprn = "100000000777"
        ava.golden = {**ava.golden, "uprn": {"value": "100000000777", "record_id": practice.records["POL-100"]}}
    ava_page = practice_client.get("/persons/PSAME000001").text
    assert "You may not see this person&#39;s current address" not in ava_page
    assert "100000000777" in ava_page
