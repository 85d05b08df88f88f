"""The person search, the person page and the persons API: only through the sharing decision.

The index here is built by hand over the web place (golden records made by the real
``golden_record`` from the real records, memberships and events written directly, as a
link run, a merge and a split write them), so that each access rule is visible:

- Jordan Smith (``PJORDAN``): the council's CSC-001 and the police's POL-77, at 1 High
  Street; merged from ``PRETIRED`` by a reviewer.
- Kim Smith (``PKIM``), Jordan's parent, as both the council and the police state; she
  lives with Jordan. Lee Jones (``PLEE``), a lodger the police alone know, lives there too.
- Ida Smith (``PIDA``), Kim's parent (the council states it), in a care home.
- Jo (``PLOW``): a first name only, low-information.
- CSC-002 (Jordana Smithson) is in no person yet.
"""

from __future__ import annotations

import json

import re
from datetime import date

import pytest
from sqlalchemy import select
from decisions import per_record
from web_support import sign_in

from joinedup.accounts import create_user
from joinedup.audit import AuditEvent
from joinedup.db import transaction, utcnow
from joinedup.gazetteer.models import GazetteerAddress
from joinedup.ingest.models import SourceRecord, StatedRelationship
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people import GOLDEN_FIELDS, golden_record, read_records
from joinedup.people.models import LinkRun, Person, PersonEvent, PersonRecord

HOME, CARE_HOME = "100", "200"
POLICE_FACT = "violence warning marker"
CSC_FACT = "Domestic abuse"  # CSC-001 records domestic_abuse: the page would label it so


@pytest.fixture
def index(engine, place):
    """The hand-built index over the web place; returns record ids by agency reference."""
    with transaction(engine) as session:
        systems = {system.code: system for system in session.scalars(select(SourceSystem))}
        police_record = session.get(SourceRecord, place.police_record)
        police_record.facts = {"warnings": POLICE_FACT}
        extra = {
            "CSC-020": ("csc", dict(forename="Kim", surname="Smith", date_of_birth=date(1985, 6, 1), sex="female",
                                    postcode="JU1 1AA", nhs_number="4010232137")),
            "POL-91": ("police", dict(forename="Kim", surname="Smith", date_of_birth=date(1985, 6, 1),
                                      postcode="JU1 1AA", facts={"warnings": POLICE_FACT})),
            "POL-92": ("police", dict(forename="Lee", surname="Jones", date_of_birth=date(1990, 2, 2),
                                      postcode="JU1 1AA")),
            "CSC-030": ("csc", dict(forename="Ida", surname="Smith", date_of_birth=date(1940, 3, 3),
                                    postcode="JU9 9ZZ")),
            "CSC-040": ("csc", dict(forename="Jo")),
        }
        added = {}
        for local_id, (code, values) in extra.items():
            record = SourceRecord(source_system_id=systems[code].id, local_id=local_id, row_hash=local_id, **values)
            session.add(record)
            session.flush()
            added[local_id] = record.id
        ids = {"CSC-001": place.council_record, "CSC-002": place.council_twin, "POL-77": place.police_record, **added}
        session.add_all([
            StatedRelationship(source_record_id=ids["CSC-001"], related_record_id=ids["CSC-020"], kind="child_of"),
            StatedRelationship(source_record_id=ids["POL-91"], related_record_id=ids["POL-77"], kind="parent_of"),
            StatedRelationship(source_record_id=ids["CSC-030"], related_record_id=ids["CSC-020"], kind="parent_of"),
            StatedRelationship(source_record_id=ids["POL-92"], related_record_id=ids["POL-77"], kind="carer_of"),
        ])
        for uprn, name, classification in ((HOME, "1", "residential"), (CARE_HOME, "Elm House", "care_home")):
            session.add(GazetteerAddress(
                uprn=uprn, lpi_status="approved", preferred=True, pao_start_number=name if name.isdigit() else "",
                pao_text="" if name.isdigit() else name, street="High Street", town="Joinford", postcode="JU1 1AA",
                classification=classification, in_boundary=True,
            ))
        session.flush()
        people = {
            "PJORDAN": (["CSC-001", "POL-77"], HOME, "CSC-001"),
            "PKIM": (["CSC-020", "POL-91"], HOME, "CSC-020"),
            "PLEE": (["POL-92"], HOME, "POL-92"),
            "PIDA": (["CSC-030"], CARE_HOME, "CSC-030"),
            "PLOW": (["CSC-040"], None, None),
        }
        run = LinkRun(status="completed", ran_by="cli")
        session.add(run)
        session.flush()
        for person_id, (held, uprn, address_from) in people.items():
            records = read_records(session, [ids[local_id] for local_id in held])
            golden = golden_record(records)
            if uprn:
                source = next(record for record in records if record["id"] == ids[address_from])
                golden["uprn"] = {"value": uprn, "source": source["source"], "local_id": address_from,
                                  "record_ref": "", "agreeing": 1, "of": 1, "record_id": ids[address_from]}
            person = Person(
                person_id=person_id, golden=golden, record_count=len(held), uprn=uprn,
                forename=golden.get("forename", {}).get("value"), surname=golden.get("surname", {}).get("value"),
                low_information=person_id == "PLOW", created_run_id=run.id,
            )
            session.add(person)
            session.flush()
            session.add_all(PersonRecord(source_record_id=ids[local_id], person_id=person.id) for local_id in held)
        jordan = session.scalar(select(Person).where(Person.person_id == "PJORDAN"))
        retired = Person(person_id="PRETIRED", golden={}, record_count=0, retired_at=utcnow(),
                         superseded_by="PJORDAN")
        session.add(retired)
        session.flush()
        session.add_all([
            PersonEvent(person_id=jordan.id, kind="merged", decided_by="dev.data", reason="Same NHS number and name",
                        details={"merged": "PRETIRED", "records": [ids["POL-77"]], "count": 1}),
            PersonEvent(person_id=retired.id, kind="retired", decided_by="dev.data", reason="Same NHS number and name",
                        details={"superseded_by": "PJORDAN", "merged": True}),
        ])
        hub = Organisation(code="HUB", name="Joinford Data Hub", type="local_authority")
        session.add(hub)
        session.flush()
        create_user(session, username="hub.data", password="correct horse battery", display_name="Hana Data",
                    organisation=hub, roles=["data_team"])
    return ids


def _events(engine, action):
    with transaction(engine) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _as(client, username):
    assert sign_in(client, username).status_code == 303
    return client


# --------------------------------------------------------------------------- the search


def test_the_search_finds_persons_and_shows_only_what_a_practitioner_may_see(signed_in, engine, place, index):
    response = signed_in.get("/persons", params={"q": "Jordan Smith 14/03/2011"})
    assert response.status_code == 200
    assert "1 person found" in response.text
    assert 'href="/persons/PJORDAN?q=Jordan+Smith+14%2F03%2F2011"' in response.text
    assert "Children&#39;s case system" in response.text
    assert "Police records" not in response.text and "AB123456C" not in response.text
    decisions = {(event.subject_id, event.outcome) for event in per_record(engine, "record.search")}
    assert decisions == {(str(place.council_record), "allowed"), (str(place.police_record), "denied")}
    (search,) = _events(engine, "search")
    assert search.subject_type == "persons" and search.details["shown"] == 1
    # The log refers to people by id, never by content (issue 14): the kinds typed, not the names.
    assert search.details["criteria"] == {"names": 2, "date_of_birth": 1} and search.details["purpose"] == "record.search"
    assert "jordan" not in json.dumps(search.details).lower() and "2011" not in json.dumps(search.details)


def test_a_person_is_found_only_through_a_matching_record_the_user_may_see(signed_in, index):
    response = signed_in.get("/persons", params={"q": "AB 12 34 56 C"})  # the police's NI number for Jordan
    assert response.status_code == 200 and "No persons found" in response.text
    assert "PJORDAN" not in response.text


def test_another_agency_finds_the_same_person_with_its_own_values(client, index):
    response = _as(client, "pat.police").get("/persons", params={"q": "AB123456C"})
    assert "1 person found" in response.text and 'href="/persons/PJORDAN?' in response.text
    assert "Police records" in response.text and "Children&#39;s case system" not in response.text


@pytest.mark.parametrize(
    "query, expected",
    [
        ("smith", {"PJORDAN", "PKIM", "PIDA"}),
        ("14/03/2011", {"PJORDAN"}),
        ("943 476 5919", {"PJORDAN"}),
        ("csc-020", {"PKIM"}),
        ("lee jones", set()),
        ("jo", {"PJORDAN", "PLOW"}),
    ],
)
def test_search_by_name_date_of_birth_or_identifier(signed_in, index, query, expected):
    response = signed_in.get("/persons", params={"q": query})
    shown = {person_id for person_id in ("PJORDAN", "PKIM", "PIDA", "PLEE", "PLOW")
             if f'href="/persons/{person_id}?' in response.text}
    assert shown == expected


def test_records_not_yet_in_a_person_are_listed_apart(signed_in, index):
    response = signed_in.get("/persons", params={"q": "jordana"})
    assert "Records not yet linked to a person" in response.text
    # Jordan sounds like Jordana: found, and labelled so, after the record named exactly.
    assert "1 person found" in response.text and "Sounds similar" in response.text
    assert f'href="/records/{index["CSC-002"]}?q=jordana"' in response.text
    assert "Check the spelling" not in response.text


def test_the_data_team_finds_everyone_by_identifying_fields(client, engine, index):
    response = _as(client, "hub.data").get("/persons", params={"q": "smith"})
    assert "3 persons found" in response.text
    assert {event.outcome for event in _events(engine, "person.review")} == {"allowed"}
    assert not _events(engine, "record.search")


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


def test_the_old_search_address_goes_to_the_person_search(signed_in):
    response = signed_in.get("/records", params={"q": "Jordan Smith"})
    assert response.status_code == 303 and response.headers["location"] == "/persons?q=Jordan+Smith"
    assert signed_in.get("/records").headers["location"] == "/persons"
    assert 'href="/persons"' in signed_in.get("/").text and "Find a person" in signed_in.get("/").text


# --------------------------------------------------------------------------- the person page


def test_a_practitioner_sees_their_own_organisations_values_only(signed_in, engine, index):
    response = signed_in.get("/persons/PJORDAN", params={"q": "jordan"})
    assert response.status_code == 200
    text = response.text
    assert re.search(r'<h1 class="govuk-heading-l[^"]*">Jordan Smith</h1>', text)
    assert 'href="/persons?q=jordan"' in text
    for shown in ("9434765919", "14 March 2011", "Children&#39;s case system", "1 of the 1 record you may see agrees",
                  "CSC-001"):
        assert shown in text, shown
    # Agreement is counted over the records the user may see: "of 2 records" would
    # reveal the police record.
    for withheld in ("AB123456C", "POL-77", "Police records", POLICE_FACT, CSC_FACT, "of 2 record", "of the 2 record"):
        assert withheld not in text, withheld
    assert f'href="/records/{index["CSC-001"]}?person=PJORDAN&amp;q=jordan"' in text
    assert "Other records of this person that you may not see" in text
    assert "/linkage/" not in text, "split and merge are for the data team"
    view = _events(engine, "person.view")
    assert [(event.subject_id, event.outcome, event.channel) for event in view] == [("PJORDAN", "allowed", "web")]
    decided = {(event.subject_id, event.outcome) for event in per_record(engine, "record.view")}
    assert (str(index["CSC-001"]), "allowed") in decided and (str(index["POL-77"]), "denied") in decided


def test_the_family_view_shows_only_people_and_relationships_the_user_may_see(signed_in, index):
    text = signed_in.get("/persons/PJORDAN").text
    assert "1 High Street" in text and "An ordinary home." in text
    assert 'href="/persons/PKIM"' in text and "Parent (stated by Children&#39;s case system)" in text
    assert "PLEE" not in text and "Lee" not in text, "the police's lodger is neither shown nor counted"
    assert "PIDA" not in text, "Ida is Kim's parent, not Jordan's"
    kim = signed_in.get("/persons/PKIM").text
    assert "Relatives not living at this address" in kim and 'href="/persons/PIDA"' in kim
    assert "a care home, a communal establishment" in kim
    ida = signed_in.get("/persons/PIDA").text
    assert "This is a care home: a communal establishment, not one household." in ida
    assert "Nobody else you may see lives at this address." in ida


def test_another_agency_sees_its_own_side_of_the_same_family(client, index):
    text = _as(client, "pat.police").get("/persons/PJORDAN").text
    assert "AB123456C" in text and "9434765919" not in text
    assert "You may not see this person&#39;s current address" in text, "Jordan's address is the council's"
    assert "Living at this address" not in text and "<caption class=\"govuk-table__caption govuk-table__caption--s\">Relatives</caption>" in text
    assert 'href="/persons/PKIM"' in text and 'href="/persons/PLEE"' in text
    assert "<td class=\"govuk-table__cell\">Parent</td>" in text and "<td class=\"govuk-table__cell\">Carer</td>" in text
    assert "csc" not in text.split("Household and family")[1].split("How this person came to be")[0]
    assert "PIDA" not in text


def test_the_data_team_sees_identifying_fields_never_facts_and_the_linkage_links(client, engine, index):
    text = _as(client, "hub.data").get("/persons/PJORDAN").text
    for shown in ("9434765919", "AB123456C", "Children&#39;s case system", "Police records"):
        assert shown in text, shown
    for fact in (POLICE_FACT, CSC_FACT, "Domestic abuse", "Cp status"):
        assert fact not in text, fact
    assert f'href="/linkage/persons/PJORDAN/split?record={index["POL-77"]}"' in text
    assert 'href="/linkage/persons/PJORDAN/merge"' in text
    assert f'href="/records/{index["POL-77"]}' not in text, "the record page would refuse it: no dead link"
    assert "Other records of this person that you may not see" not in text
    assert {event.outcome for event in _events(engine, "person.review")} == {"allowed"}
    assert not _events(engine, "record.view")


def test_the_history_says_who_merged_and_why_and_a_retired_person_points_on(signed_in, index):
    text = signed_in.get("/persons/PJORDAN").text
    assert "Created by link run 1" in text
    assert 'href="/persons/PRETIRED">PRETIRED</a> was merged into this person' in text
    # Who decided, why (written by someone who saw every agency's records) and how many
    # records moved are for the data team; a practitioner sees what happened only.
    assert "1 record moved here" not in text
    assert "dev.data" not in text and "Same NHS number and name" not in text
    retired = signed_in.get("/persons/PRETIRED")
    assert retired.status_code == 200
    assert 'Their records now belong to <a class="govuk-link" href="/persons/PJORDAN">' in retired.text
    assert "Retired: their records now belong to" in retired.text
    assert "9434765919" not in retired.text


def test_a_low_information_person_is_flagged(signed_in, index):
    text = signed_in.get("/persons/PLOW").text
    assert "Low information" in text and "too little to link on" in text


def test_a_person_the_user_may_not_see_is_refused_and_audited(signed_in, engine, index):
    response = signed_in.get("/persons/PLEE")
    assert response.status_code == 403
    assert "No rule allows you to see any of this person&#39;s records." in response.text
    assert "Lee" not in response.text and "POL-92" not in response.text
    (event,) = _events(engine, "person.view")
    assert (event.subject_id, event.outcome) == ("PLEE", "denied")


def test_an_unknown_person_is_404(signed_in, index):
    assert signed_in.get("/persons/PNOBODY").status_code == 404
    assert signed_in.get("/persons/not-a-person-id").status_code == 404
    assert signed_in.get("/api/v1/persons/PNOBODY").status_code == 404


def test_the_record_page_leads_back_to_its_person(signed_in, index):
    text = signed_in.get(f"/records/{index['CSC-001']}", params={"person": "PJORDAN"}).text
    assert '<a href="/persons/PJORDAN" class="govuk-back-link">Back to person</a>' in text
    assert '<a class="govuk-link" href="/persons/PJORDAN">PJORDAN</a>' in text


@pytest.mark.parametrize(
    "path", ["/persons?q=Jordan+Smith", "/persons/PJORDAN", "/api/v1/persons?q=Jordan", "/api/v1/persons/PJORDAN"]
)
def test_without_a_session_there_is_no_data(client, index, path):
    response = client.get(path)
    if path.startswith("/api/"):
        assert response.status_code == 401 and response.json() == {"detail": "Sign in to use the API."}
    else:
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
    assert not any(value in response.text for value in ("Jordan", "Smith", "9434765919", "PJORDAN\""))


# --------------------------------------------------------------------------- the API


def test_api_search_shows_only_disclosed_values(signed_in, engine, index):
    found = signed_in.get("/api/v1/persons", params={"q": "jordan smith"}).json()
    assert [person["person_id"] for person in found["persons"]] == ["PJORDAN"]
    jordan = found["persons"][0]
    assert jordan["name"] == "Jordan Smith" and jordan["date_of_birth"] == "2011-03-14"
    assert jordan["sources"] == ["Children's case system"] and jordan["matched_records"] == [index["CSC-001"]]
    assert [record["local_id"] for record in found["unlinked_records"]] == ["CSC-002"]  # Jordana Smithson
    assert found["truncated"] is False
    unlinked = signed_in.get("/api/v1/persons", params={"q": "jordana"}).json()
    assert [record["id"] for record in unlinked["unlinked_records"]] == [index["CSC-002"]]
    assert [(person["person_id"], person["closeness"]) for person in unlinked["persons"]] == [("PJORDAN", "sounds_like")]
    assert (unlinked["total"], unlinked["exact"], unlinked["unlinked_total"], unlinked["pages"]) == (1, 0, 1, 1)
    assert signed_in.get("/api/v1/persons", params={"q": "31/02/2011"}).status_code == 400
    assert signed_in.get("/api/v1/persons").status_code == 422
    assert {event.channel for event in _events(engine, "search")} == {"api"}


def test_api_person_has_the_golden_record_records_history_and_family(signed_in, engine, index):
    person = signed_in.get("/api/v1/persons/PJORDAN").json()
    golden = {value["field"]: value for value in person["golden"]}
    assert golden["nhs_number"]["value"] == "9434765919" and golden["nhs_number"]["source"] == "csc"
    assert golden["forename"]["of"] == 1 and "ni_number" not in golden  # of the records the user may see
    assert golden["uprn"]["value"] == HOME
    assert [record["id"] for record in person["records"]] == [index["CSC-001"]]
    assert person["others_withheld"] is True
    assert [entry["kind"] for entry in person["history"]] == ["created", "merged"]
    merged = person["history"][1]
    assert (merged["person_id"], merged["decided_by"], merged["reason"]) == ("PRETIRED", "", "")
    assert person["history"][0]["description"] == "Created by link run 1"
    family = person["family"]
    assert family["address"]["uprn"] == HOME and family["address"]["kind"] == "home"
    assert [(m["person"]["person_id"], m["co_resident"], [t["role"] for t in m["ties"]]) for m in family["members"]] \
        == [("PKIM", True, ["parent"])]
    assert family["members"][0]["ties"][0]["sources"] == ["csc"]
    assert family["members"][0]["stated_by"] == ["Children's case system"]
    assert {event.channel for event in _events(engine, "person.view")} == {"api"}

    refused = signed_in.get("/api/v1/persons/PLEE")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "No rule allows you to see any of this person's records."}
    retired = signed_in.get("/api/v1/persons/PRETIRED").json()
    assert retired["superseded_by"] == "PJORDAN" and retired["golden"] == [] and retired["family"] is None


def test_api_the_data_team_never_gets_facts(client, index):
    person = _as(client, "hub.data").get("/api/v1/persons/PJORDAN").json()
    assert {record["id"] for record in person["records"]} == {index["CSC-001"], index["POL-77"]}
    for record in person["records"]:
        assert "facts" not in record and "flags" not in record
        assert record["access"]["policy_ids"] == ["linkage-data-quality"]
    assert {value["field"] for value in person["golden"]} >= {"nhs_number", "ni_number", "date_of_birth"}
    assert person["others_withheld"] is False


def test_the_persons_api_is_in_the_openapi_description(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/persons", "/api/v1/persons/{person_id}"} <= set(paths)
    assert all(operation["responses"].get("401") for path in ("/api/v1/persons", "/api/v1/persons/{person_id}")
               for operation in paths[path].values())


def test_golden_fields_are_all_known_to_the_page():
    from joinedup.disclosure.persons import DISCLOSED_AS
    from joinedup.sharing import RECORD_FIELDS

    assert {DISCLOSED_AS.get(name, name) for name in GOLDEN_FIELDS} <= RECORD_FIELDS


def test_the_search_counts_every_match_pages_them_and_says_when_it_stopped(engine, place, index):
    from joinedup.audit import Actor
    from joinedup.disclosure import search_persons
    from joinedup.disclosure import parse_search

    actor = Actor(username="sam", organisation_id=place.council_org, roles=frozenset({"practitioner"}), channel="web")
    with transaction(engine) as session:
        everyone = search_persons(session, actor, parse_search("smith"), action="record.search")
        first = search_persons(session, actor, parse_search("smith"), action="record.search", per_page=2)
        second = search_persons(session, actor, parse_search("smith"), action="record.search", per_page=2, page=2)
        beyond = search_persons(session, actor, parse_search("smith"), action="record.search", per_page=2, page=9)
        scanned = search_persons(session, actor, parse_search("smith"), action="record.search", scan_limit=2)
        nothing = search_persons(session, actor, parse_search(""), action="record.search")
    assert [card.person_id for card in everyone.persons] == ["PIDA", "PJORDAN", "PKIM"]
    assert everyone.total == 3 and everyone.pages == 1 and not everyone.truncated
    assert [card.person_id for card in first.persons] == ["PIDA", "PJORDAN"] and first.total == 3
    assert first.pages == 2 and not first.truncated and (first.first, first.last) == (1, 2)
    assert [card.person_id for card in second.persons] == ["PKIM"] and (second.first, second.last) == (3, 3)
    assert beyond.page == 2 and [card.person_id for card in beyond.persons] == ["PKIM"]
    assert scanned.truncated and scanned.total <= 2
    assert nothing.persons == [] and nothing.unlinked == [] and not nothing.truncated and nothing.total == 0