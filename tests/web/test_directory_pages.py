"""The organisation's administrator keeps its directory on its page, a team or a worker
at a time, without JavaScript: bad input beside its field, every change audited, a retired
worker no longer offered, nobody else let in."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from practice_support import SYSTEM, seed_sharing
from sqlalchemy import select
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.involvements import Team, Worker, load_directory

HEADER = "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
PERSON = "PSAME000001"


@pytest.fixture
def web(app, engine):
    seed_sharing(engine)
    with transaction(engine) as session:
        load_directory(session, SYSTEM, "CSC", HEADER + (
            "Children in Need Team 2,0306 999 0120,cin2@csc.example,,Sam Okafor,allocated_social_worker,"
            "0306 999 0121,sam.okafor@csc.example\n"))
        load_directory(session, SYSTEM, "POL", HEADER + "Safeguarding Hub,0306 999 0300,,,,,,\n")
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def _admin(web) -> str:
    assert sign_in(web, "dev.data").status_code == 303
    return csrf_token(web.get("/directory").text)


def _id(engine, model, **where) -> int:
    with transaction(engine) as session:
        return session.scalar(select(model.id).filter_by(**where))


def _events(engine, action):
    with transaction(engine) as session:
        return [event.details for event in session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.outcome == "success").order_by(AuditEvent.id))]


def test_an_administrator_adds_a_team_and_a_worker_and_sees_them_listed(web, engine):
    token = _admin(web)
    page = web.get("/directory")
    assert 'href="/directory/teams/new"' in page.text and 'href="/directory/workers/new"' in page.text
    assert web.get("/directory/teams/new").status_code == 200
    added = web.post("/directory/teams", data={"csrf_token": token, "team": "Leaving Care Team",
                                               "team_duty_phone": "0306 999 0150"})
    assert added.status_code == 303 and added.headers["location"] == "/directory?done=team-added"
    team = _id(engine, Team, name="Leaving Care Team")
    form = web.get(f"/directory/workers/new?team={team}").text
    assert re.search(rf'<option value="{team}" selected>Leaving Care Team</option>', form)
    worker = web.post("/directory/workers", data={"csrf_token": token, "team": str(team), "worker": "Fay Wu",
                                                  "role": "key_worker", "phone": "0306 999 0151",
                                                  "secure_email": "fay.wu@csc.example"})
    assert worker.status_code == 303, worker.text
    listed = web.get(worker.headers["location"]).text
    assert "Worker added" in listed
    for shown in ("Leaving Care Team", "0306 999 0150", "Fay Wu", "Key worker", "fay.wu@csc.example"):
        assert shown in listed, shown
    assert _events(engine, "directory.worker.add")[0]["fields"]["worker"] == "Fay Wu"


def test_bad_input_is_shown_beside_each_field_and_kept_in_the_form(web):
    token = _admin(web)
    refused = web.post("/directory/workers", data={"csrf_token": token, "team": "", "worker": "Fay Wu",
                                                   "role": "", "phone": "call me", "secure_email": "fay"})
    assert refused.status_code == 400
    for field in ("team", "role", "phone", "secure_email"):
        assert f'href="#{field}"' in refused.text and f'id="{field}-error"' in refused.text, field
    assert 'id="worker-error"' not in refused.text and 'value="Fay Wu"' in refused.text
    assert "&#39;call me&#39; is not a phone number" in refused.text
    team = web.post("/directory/teams", data={"csrf_token": token, "team": "Children in Need Team 2"})
    assert team.status_code == 409 and 'href="#team"' in team.text and "already has a team" in team.text


def test_a_correction_is_audited_with_each_field_changed(web, engine):
    token = _admin(web)
    sam = _id(engine, Worker, secure_email="sam.okafor@csc.example")
    form = web.get(f"/directory/workers/{sam}").text
    assert 'value="Sam Okafor"' in form and 'value="sam.okafor@csc.example"' in form
    team = _id(engine, Team, name="Children in Need Team 2")
    changed = web.post(f"/directory/workers/{sam}", data={"csrf_token": token, "team": str(team), "worker": "Sam Okafor",
                                                          "role": "allocated_social_worker", "phone": "0306 999 0199",
                                                          "secure_email": "sam.okafor@csc.example"})
    assert changed.status_code == 303, changed.text
    assert _events(engine, "directory.worker.correct") == [{"changes": {"phone": ["0306 999 0121",
                                                                                  "0306 999 0199"]}}]
    same = web.post(f"/directory/teams/{team}", data={"csrf_token": token, "team": "Children in Need Team 2",
                                                      "team_duty_phone": "0306 999 0120",
                                                      "team_secure_email": "cin2@csc.example"})
    assert same.status_code == 400 and "Nothing was changed" in same.text


def test_a_retired_worker_is_listed_as_retired_and_no_longer_offered(web, engine):
    token = _admin(web)
    sam, team = _id(engine, Worker, secure_email="sam.okafor@csc.example"), _id(engine, Team,
                                                                                 name="Children in Need Team 2")
    refused = web.post(f"/directory/teams/{team}/retire", data={"csrf_token": token})
    assert refused.status_code == 400 and 'href="#retire"' in refused.text and "1 active worker" in refused.text
    assert web.post(f"/directory/workers/{sam}/retire", data={"csrf_token": token}).status_code == 303
    listed = web.get("/directory").text
    assert "Worker retired" not in listed  # the banner is for the redirect's page only
    assert re.search(r"Sam Okafor <strong class=\"govuk-tag govuk-tag--grey\">Retired</strong>", listed)
    assert "Retire Sam Okafor" not in web.get(f"/directory/workers/{sam}").text
    sign_in(web, "sam.social")
    assert "Sam Okafor" not in web.get(f"/persons/{PERSON}/involvements/new").text
    assert _events(engine, "directory.worker.retire")[0]["changes"] == {"active": [True, False]}


def test_only_an_administrator_of_the_organisation_changes_its_rows(web, engine):
    sign_in(web, "sam.social")
    assert web.get("/directory/teams/new").status_code == 403
    token = csrf_token(web.get("/").text)
    assert web.post("/directory/teams", data={"csrf_token": token, "team": "Mine"}).status_code == 403
    token = _admin(web)
    police = _id(engine, Team, name="Safeguarding Hub")
    assert web.get(f"/directory/teams/{police}").status_code == 403
    assert web.post(f"/directory/teams/{police}/retire", data={"csrf_token": token}).status_code == 403
    assert web.post("/directory/teams", data={"team": "No token"}).status_code in (400, 403)
    with transaction(engine) as session:
        denied = session.execute(select(AuditEvent.action, AuditEvent.subject_id).where(
            AuditEvent.outcome == "denied", AuditEvent.actor == "dev.data")).all()
    assert set(denied) == {("directory.form", str(police)), ("directory.team.retire", str(police)),
                           ("csrf.refused", "/directory/teams")}  # the form sent with no token
    with transaction(engine) as session:
        assert session.get(Team, police).active
        assert session.scalar(select(Team).where(Team.name.in_(["Mine", "No token"]))) is None
