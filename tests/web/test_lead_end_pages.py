"""Ending the lead professional with no successor, on the team page and through the API:
the team then shows no lead, with a prompt to name one."""

from __future__ import annotations

import pytest
from chronology_support import CHILD, build_world
from factories import user
from fastapi.testclient import TestClient
from sqlalchemy import select
from team_support import build_team
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.involvements import LeadProfessional

SOCIAL_WORKER, POLICE = "cat.social", "pat.police"
NO_LEAD = "No lead professional is named for this person or the family."


@pytest.fixture
def web(app, engine):
    world = build_world(engine)
    with transaction(engine) as session:
        ids = build_team(session, world)
        user(session, SOCIAL_WORKER, "CSC", ["practitioner"])
        user(session, POLICE, "POL", ["practitioner"])
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        client.ids = ids
        yield client


def _as(web, username: str = SOCIAL_WORKER) -> str:
    assert sign_in(web, username).status_code == 303
    token = csrf_token(web.get("/").text)
    stated = web.post(f"/persons/{CHILD}/purpose", data={"csrf_token": token, "purpose": "safeguarding_child"})
    assert stated.status_code == 303, stated.text
    return token


def _name(web, token):
    named = web.post(f"/persons/{CHILD}/lead", data={"csrf_token": token, "scope": "family",
                                                     "involvement_id": str(web.ids["housing"]), "reason": "Agreed"})
    assert named.status_code == 303, named.text


def test_the_team_without_a_lead_prompts_to_name_one(web):
    _as(web)
    person, team = web.get(f"/persons/{CHILD}").text, web.get(f"/persons/{CHILD}/team").text
    assert NO_LEAD in person and f'href="/persons/{CHILD}/team#name-lead"' in person
    assert NO_LEAD in team and 'id="name-lead"' in team
    assert "End the lead professional" not in team  # nothing to end yet
    assert '<optgroup label="' in team  # the workers to invite, grouped by organisation


def test_a_practitioner_ends_the_lead_without_naming_a_successor(web, engine):
    token = _as(web)
    _name(web, token)
    team = web.get(f"/persons/{CHILD}/team").text
    assert NO_LEAD not in team and "End the lead professional" in team and "Now led by Hal Porter" in team
    refused = web.post(f"/persons/{CHILD}/lead/end", data={"csrf_token": token, "end_scope": "family",
                                                           "end_reason": ""})
    assert refused.status_code == 400 and 'href="#end_reason"' in refused.text and 'id="end_reason-error"' in refused.text
    ended = web.post(f"/persons/{CHILD}/lead/end", data={"csrf_token": token, "end_scope": "family",
                                                         "end_reason": "The plan ended at the review"})
    assert ended.status_code == 303, ended.text
    page = web.get(ended.headers["location"]).text
    assert "Lead professional ended" in page and NO_LEAD in page
    assert "Ended by cat.social" in page and "The plan ended at the review" in page
    with transaction(engine) as session:
        lead = session.scalar(select(LeadProfessional))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "lead.end",
                                                        AuditEvent.outcome == "success"))
    assert lead.ended_at is not None and lead.end_reason == "The plan ended at the review"
    assert event.details["reason"] == "The plan ended at the review"
    # Nothing left to end: refused beside the field.
    again = web.post(f"/persons/{CHILD}/lead/end", data={"csrf_token": token, "end_scope": "family",
                                                         "end_reason": "Again"})
    assert again.status_code == 400 and 'href="#end_scope"' in again.text


def test_an_organisation_not_involved_may_not_end_the_lead(web, engine):
    _name(web, _as(web))
    token = _as(web, POLICE)
    refused = web.post(f"/persons/{CHILD}/lead/end", data={"csrf_token": token, "end_scope": "family",
                                                           "end_reason": "Why"})
    assert refused.status_code == 403
    missing_csrf = web.post(f"/persons/{CHILD}/lead/end", data={"end_scope": "family", "end_reason": "Why"})
    assert missing_csrf.status_code in (400, 403)
    with transaction(engine) as session:
        assert session.scalar(select(LeadProfessional.ended_at)) is None
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "lead.end",
                                                       AuditEvent.outcome == "denied")) is not None


def test_the_api_ends_the_lead(web):
    token = _as(web)
    _name(web, token)
    header, purpose = {"X-CSRF-Token": token}, {"purpose": "safeguarding_child"}
    refused = web.post(f"/api/v1/persons/{CHILD}/lead-professional/end", params=purpose, headers=header,
                       json={"scope": "person", "reason": "Why"})
    assert refused.status_code == 404 and refused.json()["field"] == "scope"
    ended = web.post(f"/api/v1/persons/{CHILD}/lead-professional/end", params=purpose, headers=header,
                     json={"scope": "family", "reason": "Case closed"})
    assert ended.status_code == 200, ended.text
    body = ended.json()
    assert body["family"] is None and body["history"][0]["end_reason"] == "Case closed"
