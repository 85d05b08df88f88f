"""Who is involved and the directory through the JSON API: the same domain calls as the
pages, so the same rules (docs/involvements.md), the same shield, the same audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_involvement_pages import CHILD, SECRETS, world  # noqa: F401  (the world is a fixture)
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.involvements import Involvement, Team, Worker


@pytest.fixture
def web(app, world):  # noqa: F811
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def _as(client: TestClient, username: str) -> dict:
    sign_in(client, username)
    return {"X-CSRF-Token": csrf_token(client.get("/").text)}


def _directory(client: TestClient) -> dict:
    response = client.get("/api/v1/directory")
    assert response.status_code == 200, response.text
    return {team["name"]: team for team in response.json()["teams"]}


def _denied(engine, action: str) -> list[AuditEvent]:
    with transaction(engine) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                             AuditEvent.outcome == "denied")))


def test_a_practitioner_records_corrects_and_ends_an_involvement_and_reads_who_is_involved(web, engine):
    header = _as(web, "sam.social")
    team = _directory(web)["Children in Need Team 2"]
    worker = team["workers"][0]
    assert (worker["name"], worker["active"]) == ("Sam Okafor", True)
    body = {"role": "allocated_social_worker", "team_id": team["id"], "worker_id": worker["id"],
            "contact_route": "phone", "starts_on": "2025-05-03"}
    assert web.post(f"/api/v1/persons/{CHILD}/involvements", json=body).status_code == 403  # no CSRF header
    recorded = web.post(f"/api/v1/persons/{CHILD}/involvements", json=body, headers=header)
    assert recorded.status_code == 201, recorded.text
    involvement_id = recorded.json()["id"]

    who = web.get(f"/api/v1/persons/{CHILD}/involvements")
    assert who.status_code == 200, who.text
    mine = next(one for one in who.json()["current"] if one["id"] == involvement_id)
    assert (mine["worker"], mine["team"], mine["role"], mine["own"], mine["source"]) == (
        "Sam Okafor", "Children in Need Team 2", "Allocated social worker", True, "recorded")
    assert ["Phone", "0306 999 0121"] in mine["contacts"]
    # The voluntary group's mental health team: that a service is involved, never which.
    assert who.json()["shielded"] is True
    assert not any(secret in who.text for secret in SECRETS)

    corrected = web.post(f"/api/v1/involvements/{involvement_id}/correct",
                         json={**body, "role": "key_worker", "contact_route": "secure_email"}, headers=header)
    assert corrected.status_code == 200 and corrected.json()["role"] == "key_worker"
    unchanged = web.post(f"/api/v1/involvements/{involvement_id}/correct",
                         json={**body, "role": "key_worker", "contact_route": "secure_email"}, headers=header)
    assert unchanged.status_code == 400 and unchanged.json()["field"] == "role"

    early = web.post(f"/api/v1/involvements/{involvement_id}/end", json={"ends_on": "2025-01-01"}, headers=header)
    assert early.status_code == 400 and early.json()["field"] == "ends_on"
    future = (date.today() + timedelta(days=2)).isoformat()
    assert web.post(f"/api/v1/involvements/{involvement_id}/end", json={"ends_on": future},
                    headers=header).json()["field"] == "ends_on"
    ended = web.post(f"/api/v1/involvements/{involvement_id}/end", json={"ends_on": date.today().isoformat()},
                     headers=header)
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert web.post(f"/api/v1/involvements/{involvement_id}/end", json={"ends_on": date.today().isoformat()},
                    headers=header).status_code == 409
    after = web.get(f"/api/v1/persons/{CHILD}/involvements").json()
    assert involvement_id in [one["id"] for one in after["recently_ended"]]
    assert involvement_id not in [one["id"] for one in after["current"]]
    with transaction(engine) as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(involvement_id),
                                                                      AuditEvent.outcome == "success")))
    assert {"involvement.record", "involvement.correct", "involvement.end"} <= actions


def test_bad_input_is_refused_with_its_field_named(web):
    header = _as(web, "sam.social")
    team = _directory(web)["Children in Need Team 2"]
    good = {"role": "key_worker", "team_id": team["id"], "worker_id": team["workers"][0]["id"],
            "contact_route": "phone", "starts_on": "2025-05-03"}
    for change, field in (({"role": "wizard"}, "role"), ({"contact_route": "pigeon"}, "contact_route"),
                          ({"team_id": 999_999, "worker_id": None}, "team_id"),
                          ({"worker_id": None, "contact_route": "phone"}, "contact_route"),
                          ({"starts_on": (date.today() + timedelta(days=3)).isoformat()}, "starts_on")):
        refused = web.post(f"/api/v1/persons/{CHILD}/involvements", json={**good, **change}, headers=header)
        assert refused.status_code == 400, (change, refused.text)
        assert refused.json()["field"] == field, (change, refused.json())
    assert web.post("/api/v1/persons/PNOSUCH0001/involvements", json=good, headers=header).status_code == 404
    assert web.post(f"/api/v1/persons/{CHILD}/involvements", json={}, headers=header).status_code == 422


def test_only_the_involved_organisation_changes_its_involvement_and_the_refusal_is_audited(web, engine):
    with transaction(engine) as session:
        theirs = session.scalar(select(Involvement.id).where(Involvement.role == "voluntary_key_worker"))
        their_team = session.scalar(select(Team.id).where(Team.name == SECRETS[0]))
    header = _as(web, "sam.social")
    refused = web.post(f"/api/v1/involvements/{theirs}/end", json={"ends_on": "2025-06-01"}, headers=header)
    assert refused.status_code == 403
    assert not any(secret in refused.text for secret in SECRETS)
    assert [event.subject_id for event in _denied(engine, "involvement.end")] == [str(theirs)]
    # A team of another organisation's directory is refused by field, and named nowhere.
    foreign = web.post(f"/api/v1/persons/{CHILD}/involvements", json={
        "role": "key_worker", "team_id": their_team, "contact_route": "duty_line", "starts_on": "2025-05-03"},
        headers=header)
    assert foreign.status_code == 400 and foreign.json()["field"] == "team_id"
    assert SECRETS[0] not in foreign.text
    with transaction(engine) as session:
        assert session.get(Involvement, theirs).status == "current"


@pytest.mark.parametrize("username", ["dev.data", "iris.ig", "tara.trainer"])
def test_only_frontline_users_read_who_is_involved_and_the_refusal_is_audited(web, engine, username):
    sign_in(web, username)
    response = web.get(f"/api/v1/persons/{CHILD}/involvements")
    assert response.status_code == 403
    assert "Sam Okafor" not in response.text
    assert [event.subject_id for event in _denied(engine, "involvement.list")] == [CHILD]


def test_every_involvement_read_through_the_api_is_decided_and_audited(web, engine):
    sign_in(web, "sam.social")
    with transaction(engine) as session:
        before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert web.get(f"/api/v1/persons/{CHILD}/involvements").status_code == 200
    with transaction(engine) as session:
        views = list(session.scalars(select(AuditEvent).where(AuditEvent.id > before,
                                                              AuditEvent.action == "involvement.view")))
    # The voluntary group's involvement was decided (withheld: shielded) and audited like any other.
    assert views and {event.outcome for event in views} == {"denied"}


def test_an_administrator_keeps_the_directory_through_the_api(web, engine):
    header = _as(web, "dev.data")
    bad = web.post("/api/v1/directory/teams", json={"team": "Edge of Care", "team_duty_phone": "not a phone"},
                   headers=header)
    assert bad.status_code == 400 and bad.json()["field"] == "team_duty_phone"
    added = web.post("/api/v1/directory/teams", json={"team": "Edge of Care", "team_duty_phone": "0306 999 0140"},
                     headers=header)
    assert added.status_code == 201, added.text
    team_id = added.json()["id"]
    assert web.post("/api/v1/directory/teams", json={"team": "Edge of Care"}, headers=header).status_code == 409
    worker = web.post("/api/v1/directory/workers", json={
        "team": team_id, "worker": "Noor Haddad", "role": "key_worker", "phone": "0306 999 0141",
        "secure_email": "Noor.Haddad@csc.example"}, headers=header)
    assert worker.status_code == 201, worker.text
    assert worker.json()["secure_email"] == "noor.haddad@csc.example"
    duplicate = web.post("/api/v1/directory/workers", json={
        "team": team_id, "worker": "Noor Two", "role": "key_worker", "secure_email": "noor.haddad@csc.example"},
        headers=header)
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "secure_email"
    worker_id = worker.json()["id"]
    corrected = web.post(f"/api/v1/directory/workers/{worker_id}/correct", json={
        "team": team_id, "worker": "Noor Haddad", "role": "allocated_social_worker", "phone": "0306 999 0141",
        "secure_email": "noor.haddad@csc.example"}, headers=header)
    assert corrected.status_code == 200 and corrected.json()["role"] == "allocated_social_worker"
    # A team with an active worker is not retired; once the worker is, it is.
    busy = web.post(f"/api/v1/directory/teams/{team_id}/retire", headers=header)
    assert busy.status_code == 400 and busy.json()["field"] == "team_id" and "1 active worker" in busy.json()["detail"]
    assert web.post(f"/api/v1/directory/workers/{worker_id}/retire", headers=header).json()["active"] is False
    assert web.post(f"/api/v1/directory/teams/{team_id}/retire", headers=header).json()["active"] is False
    assert web.post(f"/api/v1/directory/teams/{team_id}/retire", headers=header).status_code == 409
    listed = _directory(web)["Edge of Care"]
    assert listed["active"] is False and [one["name"] for one in listed["workers"]] == ["Noor Haddad"]
    with transaction(engine) as session:
        actions = [event.action for event in session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("directory.%"), AuditEvent.outcome == "success", AuditEvent.actor == "dev.data")
            .order_by(AuditEvent.id))]
    assert actions == ["directory.team.add", "directory.worker.add", "directory.worker.correct",
                       "directory.worker.retire", "directory.team.retire"]


def test_only_an_administrator_of_the_organisation_changes_its_directory(web, engine):
    with transaction(engine) as session:
        hidden_team = session.scalar(select(Team.id).where(Team.name == SECRETS[0]))
        hidden_worker = session.scalar(select(Worker.id).where(Worker.secure_email == SECRETS[3]))
    header = _as(web, "sam.social")
    # A practitioner lists their own organisation's directory (to name a team), and keeps none of it.
    assert "Children in Need Team 2" in _directory(web) and SECRETS[0] not in _directory(web)
    assert web.post("/api/v1/directory/teams", json={"team": "Mine"}, headers=header).status_code == 403
    header = _as(web, "dev.data")
    assert SECRETS[0] not in web.get("/api/v1/directory").text  # the voluntary group's, not CSC's
    refused = web.post(f"/api/v1/directory/teams/{hidden_team}/retire", headers=header)
    assert refused.status_code == 403 and SECRETS[0] not in refused.text
    refused = web.post(f"/api/v1/directory/workers/{hidden_worker}/correct", json={
        "team": hidden_team, "worker": "Renamed", "role": "key_worker", "secure_email": "renamed@vcs.example"},
        headers=header)
    assert refused.status_code == 403
    assert {event.action for event in _denied(engine, "directory.team.retire") + _denied(
        engine, "directory.worker.correct")} == {"directory.team.retire", "directory.worker.correct"}
    with transaction(engine) as session:
        assert session.get(Team, hidden_team).active and session.get(Worker, hidden_worker).name == SECRETS[1]
    sign_in(web, "iris.ig")
    assert web.get("/api/v1/directory").status_code == 403
    assert _denied(engine, "directory.view")
