"""The team around the family on the person page, its own page with the forms to name the
lead professional and invite or remove a member, and the JSON API calling the same
domain functions."""

from __future__ import annotations

import pytest
from chronology_support import CHILD, MOTHER, SECRETS, build_world
from factories import user
from fastapi.testclient import TestClient
from sqlalchemy import select
from team_support import build_team
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.involvements import LeadProfessional, TeamMember

SOCIAL_WORKER, POLICE, IG = "cat.social", "pat.police", "ida.ig"


@pytest.fixture
def web(app, engine):
    world = build_world(engine)
    with transaction(engine) as session:
        ids = build_team(session, world)
        user(session, SOCIAL_WORKER, "CSC", ["practitioner"])
        user(session, POLICE, "POL", ["practitioner"])
        user(session, IG, "CSC", ["ig_lead"])
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        client.ids = ids
        yield client


def _as(web, username: str = SOCIAL_WORKER) -> str:
    """Signed in, with safeguarding a child stated on the child's page; the CSRF token."""
    assert sign_in(web, username).status_code == 303
    token = csrf_token(web.get("/").text)
    stated = web.post(f"/persons/{CHILD}/purpose", data={"csrf_token": token, "purpose": "safeguarding_child"})
    assert stated.status_code == 303, stated.text
    return token


def test_the_person_page_shows_the_team_around_the_family_with_the_mothers_involvements(web):
    _as(web)
    page = web.get(f"/persons/{CHILD}")
    assert page.status_code == 200, page.text
    section = page.text[page.text.index('id="team-around-the-family"'):]
    shielded = "A service is involved with Mia Stone: contact through the IG lead"
    for shown in ("Team around the family", "Mia Stone", "Lou Stone", "Ada Lovelace", "Hal Porter",
                  "Housing officer", "0306 999 0301", shielded):
        assert shown in section, shown
    assert not any(secret in section for secret in SECRETS)
    assert page.text.index('id="who-is-involved"') < page.text.index('id="team-around-the-family"')


def test_a_practitioner_names_the_lead_and_sees_it_marked_with_its_history(web, engine):
    token = _as(web)
    refused = web.post(f"/persons/{CHILD}/lead", data={"csrf_token": token, "scope": "family",
                                                       "involvement_id": str(web.ids["housing"]), "reason": ""})
    assert refused.status_code == 400 and "Enter why" in refused.text and 'href="#reason"' in refused.text
    named = web.post(f"/persons/{CHILD}/lead", data={"csrf_token": token, "scope": "family",
                                                     "involvement_id": str(web.ids["housing"]),
                                                     "reason": "Agreed at the strategy meeting"})
    assert named.status_code == 303, named.text
    page = web.get(named.headers["location"])
    assert "Lead professional named" in page.text and "Lead professional for the family" in page.text
    assert "named by cat.social" in page.text and "Agreed at the strategy meeting" in page.text
    with transaction(engine) as session:
        lead = session.scalar(select(LeadProfessional))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "lead.name",
                                                        AuditEvent.outcome == "success"))
    assert (lead.involvement_id, lead.named_by, event.details["reason"]) == (
        web.ids["housing"], SOCIAL_WORKER, "Agreed at the strategy meeting")


def test_invite_and_remove_a_member_through_the_page(web, engine):
    token = _as(web)
    invited = web.post(f"/persons/{CHILD}/team/members", data={"csrf_token": token, "worker_id": str(web.ids["ivy"]),
                                                               "invite_reason": "Arrears support"})
    assert invited.status_code == 303, invited.text
    page = web.get(f"/persons/{CHILD}/team")
    assert "Ivy Moss" in page.text and "Arrears support" in page.text
    with transaction(engine) as session:
        member = session.scalar(select(TeamMember))
    refused = web.post(f"/persons/{CHILD}/team/members/{member.id}/remove", data={"csrf_token": token})
    assert refused.status_code == 400 and "Enter why" in refused.text
    removed = web.post(f"/persons/{CHILD}/team/members/{member.id}/remove",
                       data={"csrf_token": token, "remove_reason": "Arrears cleared"})
    assert removed.status_code == 303
    with transaction(engine) as session:
        member = session.get(TeamMember, member.id)
    assert (member.removed_by, member.removed_reason) == (SOCIAL_WORKER, "Arrears cleared")


def test_an_organisation_not_involved_may_read_but_not_change(web):
    token = _as(web, POLICE)
    page = web.get(f"/persons/{CHILD}/team")
    assert page.status_code == 200 and "Name the lead professional" not in page.text
    refused = web.post(f"/persons/{CHILD}/lead", data={"csrf_token": token, "scope": "family",
                                                       "involvement_id": str(web.ids["csc"]), "reason": "Why"})
    assert refused.status_code == 403


def test_the_api_reads_the_team_and_names_the_lead_invites_and_removes(web):
    _as(web)
    header = {"X-CSRF-Token": csrf_token(web.get("/").text)}
    purpose = {"purpose": "safeguarding_child"}
    team = web.get(f"/api/v1/persons/{CHILD}/team", params=purpose)
    assert team.status_code == 200, team.text
    body = team.json()
    assert {(row["person_id"], row["involvement"]["worker"]) for row in body["rows"]} == {
        (CHILD, "Ada Lovelace"), (MOTHER, "Hal Porter")}
    assert body["shielded"] == ["Mia Stone"] and not any(secret in team.text for secret in SECRETS)
    refused = web.put(f"/api/v1/persons/{CHILD}/lead-professional", params=purpose, headers=header,
                      json={"scope": "person", "involvement_id": web.ids["housing"], "reason": "Why"})
    assert refused.status_code == 400 and refused.json()["field"] == "involvement_id"
    named = web.put(f"/api/v1/persons/{CHILD}/lead-professional", params=purpose, headers=header,
                    json={"scope": "person", "involvement_id": web.ids["csc"], "reason": "The plan's social worker"})
    assert named.status_code == 200, named.text
    assert named.json()["person"]["involvement"]["worker"] == "Ada Lovelace"
    assert named.json()["history"][0]["named_by"] == SOCIAL_WORKER
    invited = web.post(f"/api/v1/persons/{CHILD}/team/members", headers=header,
                       json={"worker_id": web.ids["ivy"], "reason": "Arrears support"})
    assert invited.status_code == 201, invited.text
    removed = web.request("DELETE", f"/api/v1/persons/{CHILD}/team/members/{invited.json()['id']}",
                          headers=header, json={"reason": "Arrears cleared"})
    assert removed.status_code == 204, removed.text


def test_the_api_refuses_others_than_frontline_users(web):
    assert sign_in(web, IG).status_code == 303
    assert web.get(f"/api/v1/persons/{CHILD}/team", params={"purpose": "safeguarding_child"}).status_code == 403
