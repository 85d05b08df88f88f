"""Who is involved on the person page, and the forms that record, end and correct an
involvement and load a directory: CSRF, permissions, and the shield."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from factories import PASSWORD
from practice_support import SYSTEM, seed_sharing
from sqlalchemy import select
from web_support import csrf_token, sign_in

from joinedup.accounts import create_user
from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.involvements import (
    Involvement,
    InvolvementTerms,
    Team,
    Worker,
    load_directory,
    record_involvement,
)
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people.models import Person, PersonRecord

HEADER = "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
CSC_DIRECTORY = HEADER + (
    "Children in Need Team 2,0306 999 0120,cin2@csc.example,,Sam Okafor,allocated_social_worker,0306 999 0121,"
    "sam.okafor@csc.example\n")
#: The voluntary group's mental health team: a sensitive service. None of this may show to a partner.
SECRETS = ("Wellbeing Hub", "Wren Hiddenworth", "0306 999 0766", "wren.hiddenworth@vcs.example",
           "Family Support Network")
VCS_DIRECTORY = HEADER + (
    f"{SECRETS[0]},0306 999 0760,,sensitive_services,{SECRETS[1]},voluntary_key_worker,{SECRETS[2]},{SECRETS[3]}\n")
CHILD = "PINVOLVE001"


@pytest.fixture
def world(engine):
    world = seed_sharing(engine)
    with transaction(engine) as session:
        load_directory(session, SYSTEM, "CSC", CSC_DIRECTORY)
        load_directory(session, SYSTEM, "VCS", VCS_DIRECTORY)
        systems = {system.code: system.id for system in session.scalars(select(SourceSystem))}
        rows = [SourceRecord(source_system_id=systems["csc"], local_id="CSC-900", forename="Kit", surname="Involved",
                             date_of_birth=date(2014, 9, 9), row_hash="csc900"),
                SourceRecord(source_system_id=systems["voluntary"], local_id="VCS-900", forename="Kit",
                             surname="Involved", date_of_birth=date(2014, 9, 9), row_hash="vcs900",
                             facts={"need": "Family support"})]
        session.add_all(rows)
        session.flush()
        person = Person(person_id=CHILD, record_count=2, forename="Kit", surname="Involved")
        session.add(person)
        session.flush()
        session.add_all(PersonRecord(source_record_id=row.id, person_id=person.id) for row in rows)
        vcs = session.scalar(select(Organisation).where(Organisation.code == "VCS"))
        create_user(session, username="val.vcs", password=PASSWORD, display_name="Val", organisation=vcs,
                    roles=["practitioner"])
        team = session.scalar(select(Team).where(Team.name == SECRETS[0]))
        worker = session.scalar(select(Worker).where(Worker.secure_email == SECRETS[3]))
        vcs_actor = SYSTEM.__class__(username="val.vcs", organisation_id=vcs.id, roles=frozenset({"practitioner"}))
        record_involvement(session, vcs_actor, CHILD, InvolvementTerms("voluntary_key_worker", team.id, worker.id,
                                                                      "phone", date(2025, 4, 1)))
    return world


@pytest.fixture
def web(app, world):
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def _form(client, person_id=CHILD, **values):
    page = client.get(f"/persons/{person_id}/involvements/new")
    assert page.status_code == 200, page.text
    return client.post(f"/persons/{person_id}/involvements", data={"csrf_token": csrf_token(page.text), **values})


def _option(html: str, label: str) -> str:
    return re.search(r'<option value="(\d+)"[^>]*>' + re.escape(label), html).group(1)


def test_a_practitioner_records_an_involvement_and_sees_who_is_involved_first(web):
    sign_in(web, "sam.social")
    page = web.get(f"/persons/{CHILD}/involvements/new").text
    response = web.post(f"/persons/{CHILD}/involvements", data={
        "csrf_token": csrf_token(page), "role": "allocated_social_worker", "team": _option(page, "Children in Need Team 2"),
        "worker": _option(page, "Sam Okafor"), "contact_route": "phone",
        "starts_day": "3", "starts_month": "5", "starts_year": "2025"})
    assert response.status_code == 303 and "done=involvement-recorded" in response.headers["location"]
    person = web.get(response.headers["location"]).text
    assert "The involvement is recorded" in person
    who = person.index('id="who-is-involved"')
    assert who < person.index("The golden record") and who < person.index("you can see</caption>")
    section = person[who:person.index("</section>", who)]
    for shown in ("Allocated social worker", "Sam Okafor", "Children in Need Team 2", "Phone: 0306 999 0121",
                  "Team duty line: 0306 999 0120", "3 May 2025", "Correct or end"):
        assert shown in section, shown
    # The voluntary group's mental health team: that a service is involved, never which.
    assert "A service is involved: contact through the IG lead" in section
    assert not any(secret in person for secret in SECRETS)


def test_bad_input_is_shown_beside_its_field(web):
    sign_in(web, "sam.social")
    response = _form(web, role="", contact_route="phone", starts_day="31", starts_month="2", starts_year="2025")
    assert response.status_code == 400
    assert "The date it started must be a real date" in response.text
    response = _form(web, contact_route="pigeon")
    assert response.status_code == 400
    for message in ("Select the role", "Select how to contact them", "Select a team in your organisation"):
        assert message in response.text
    assert 'href="#team_id"' in response.text and 'id="team_id"' in response.text


def test_forms_need_their_csrf_token(web):
    sign_in(web, "sam.social")
    response = web.post(f"/persons/{CHILD}/involvements", data={"role": "key_worker"})
    assert response.status_code == 403


@pytest.mark.parametrize("username", ["dev.data", "iris.ig", "tara.trainer"])
def test_only_frontline_roles_open_the_forms(web, username):
    sign_in(web, username)
    assert web.get(f"/persons/{CHILD}/involvements/new").status_code == 403


def test_the_involved_organisation_ends_and_corrects_its_involvement_and_nobody_else(engine, web):
    with transaction(engine) as session:
        mine = session.scalar(select(Involvement).where(Involvement.role == "voluntary_key_worker")).id
    sign_in(web, "sam.social")
    assert web.get(f"/involvements/{mine}").status_code == 403  # the voluntary group's, not CSC's
    with transaction(engine) as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "involvement.form",
                                                          AuditEvent.outcome == "denied")).all()
    assert [(event.subject_type, event.subject_id) for event in denied] == [("involvement", str(mine))]
    with TestClient(web.app, raise_server_exceptions=False, follow_redirects=False) as val:
        sign_in(val, "val.vcs")
        page = val.get(f"/involvements/{mine}")
        assert page.status_code == 200 and SECRETS[1] in page.text
        refused = val.post(f"/involvements/{mine}/end", data={"csrf_token": csrf_token(page.text), "ends_day": "1",
                                                              "ends_month": "1", "ends_year": "2025"})
        assert refused.status_code == 400 and "on or after the date it started" in refused.text
        corrected = val.post(f"/involvements/{mine}/correct", data={
            "csrf_token": csrf_token(page.text), "role": "key_worker", "team": _option(page.text, SECRETS[0]),
            "worker": _option(page.text, SECRETS[1]), "contact_route": "secure_email",
            "starts_day": "1", "starts_month": "4", "starts_year": "2025"})
        assert corrected.status_code == 303
        today = date.today()
        ended = val.post(f"/involvements/{mine}/end", data={
            "csrf_token": csrf_token(page.text), "ends_day": str(today.day), "ends_month": str(today.month),
            "ends_year": str(today.year)})
        assert ended.status_code == 303
        assert "Recently ended (1)" in val.get(ended.headers["location"]).text
    with transaction(engine) as session:
        stored = session.get(Involvement, mine)
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(mine))))
    assert (stored.status, stored.role, stored.contact_route) == ("ended", "key_worker", "secure_email")
    assert {"involvement.correct", "involvement.end"} <= actions
    assert web.get("/involvements/999999").status_code == 404


def test_an_administrator_loads_their_organisations_directory(web):
    sign_in(web, "sam.social")
    assert web.get("/directory").status_code == 403
    sign_in(web, "dev.data")
    page = web.get("/directory")
    assert page.status_code == 200 and "Children in Need Team 2" in page.text
    response = web.post("/directory", data={"csrf_token": csrf_token(page.text)},
                            files={"file": ("directory.csv", (CSC_DIRECTORY + ",,,,Nobody,key_worker,,x@y.example\n")
                                            .encode(), "text/csv")})
    assert response.status_code == 200, response.text
    assert "1 teams and 1 workers" in response.text and "Row 3, team: Enter the team&#39;s name" in response.text
    empty = web.post("/directory", data={"csrf_token": csrf_token(page.text)})
    assert empty.status_code == 400 and "Select a CSV file" in empty.text
