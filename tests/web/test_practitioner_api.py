"""The practitioner's actions through the JSON API: the purposes they may state, consent,
break-glass and deciding not to share (``joinedup.web.access.api``). The same rules as the
pages: frontline roles only, the person must be seen for the purpose stated in the query
(except for break-glass), the CSRF header on every write, every refusal explained. The
world is tests/web/practice_support.py.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from practice_support import MARKERS
from sqlalchemy import select
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.sharing.models import BreakGlass, ConsentRecord, SharingDecision

SAFEGUARDING = {"purpose": "safeguarding_child"}


def _as(client, username: str) -> tuple[TestClient, dict[str, str]]:
    """Signed in, with the header every API write sends."""
    assert sign_in(client, username).status_code == 303
    return client, {"X-CSRF-Token": csrf_token(client.get("/").text)}


@pytest.fixture
def sam(practice_client):
    return _as(practice_client, "sam.social")


def _rows(engine, model, **where) -> list:
    with transaction(engine) as session:
        statement = select(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return session.scalars(statement).all()


def _count(engine, model, **where) -> int:
    return len(_rows(engine, model, **where))


def test_the_purposes_a_user_may_state_are_their_organisations(sam):
    client, _header = sam
    purposes = client.get("/api/v1/me/purposes").json()
    codes = [purpose["code"] for purpose in purposes]
    assert codes[0] == "direct_care" and {"safeguarding_child", "early_help"} <= set(codes)
    child = next(purpose for purpose in purposes if purpose["code"] == "safeguarding_child")
    assert child["safeguarding"] and not child["relationship_required"]
    assert next(purpose for purpose in purposes if purpose["code"] == "early_help")["relationship_required"]


def test_withdrawing_consent_through_the_api_blocks_the_very_next_request(sam, engine):
    client, header = sam
    person = "/api/v1/persons/PPARTNER001"
    assert MARKERS["partner_incident"] in str(client.get(person, params=SAFEGUARDING).json()["records"])
    withdrawn = client.post(f"{person}/consent", params=SAFEGUARDING, headers=header, json={
        "decision": "withdrawn", "form": "written", "purposes": ["safeguarding_child"], "organisations": ["CSC"],
        "evidence": "Letter of 3 March", "informed": True, "given_by": "parent_carer", "given_by_name": "Ben's father",
        "parental_responsibility": True})
    assert withdrawn.status_code == 201
    body = withdrawn.json()
    assert (body["decision"], body["form"], body["purposes"], body["recorded_by"]) == (
        "withdrawn", "written", ["safeguarding_child"], "sam.social")
    refused = client.get(person, params=SAFEGUARDING)
    assert refused.status_code == 403
    # The history is for a person one may see: now only with a stated risk of serious harm.
    assert client.get(f"{person}/consent", params=SAFEGUARDING).status_code == 403
    history = client.get(f"{person}/consent", params={**SAFEGUARDING, "safeguarding_risk": "true"})
    assert history.status_code == 200 and [row["id"] for row in history.json()] == [body["id"]]
    with transaction(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.consent.record",
                                                         AuditEvent.subject_id == "PPARTNER001",
                                                         AuditEvent.outcome == "success")).one()
        assert (event.actor, event.channel, event.details["consent_id"]) == ("sam.social", "api", body["id"])


#: Ava is a child: her mother, with parental responsibility, decides; the scope is named.
SCOPED = {"purposes": ["early_help"], "organisations": ["POL"], "categories": ["identity"],
          "given_by": "parent_carer", "given_by_name": "Ava's mother", "parental_responsibility": True}


@pytest.mark.parametrize(("body", "detail"), [
    ({**SCOPED, "decision": "given", "form": "verbal", "informed": False},
     "not_informed_reason: Say why the person was not told"),
    ({**SCOPED, "decision": "given", "form": "verbal", "informed": True, "purposes": ["no_such"]},
     "purposes: There is no such purpose: no_such."),
    ({**SCOPED, "decision": "given", "form": "verbal", "informed": True, "organisations": ["XYZ"]},
     "organisations: There is no such organisation: XYZ."),
    ({**SCOPED, "decision": "given", "form": "verbal", "informed": True, "categories": ["identity", "zzz"]},
     "categories: There is no such category: zzz."),
    ({**SCOPED, "decision": "given", "form": "verbal", "informed": True, "expires_on": "2001-01-01"},
     "expires_on: The expiry date must be today or later."),
    # Issue 10, finding 5: consent must name its scope, and say who decided for a child.
    ({"decision": "given", "form": "verbal", "informed": True, "given_by": "parent_carer",
      "given_by_name": "Ava's mother", "parental_responsibility": True},
     "purposes: Consent names its scope: choose at least one purpose it covers.; organisations: Consent names"),
    ({**SCOPED, "decision": "given", "form": "verbal", "informed": True, "given_by": "person"},
     "given_by: This person is a child: say whether the young person or a parent or carer decided."),
    ({**SCOPED, "decision": "given", "form": "verbal", "informed": True, "given_by": "young_person"},
     "competence_note: Note why the young person is competent to make this decision."),
    ({**SCOPED, "decision": "given", "form": "verbal", "informed": True, "parental_responsibility": False},
     "parental_responsibility: Confirm that they have parental responsibility."),
])
def test_consent_the_rules_cannot_keep_is_refused_naming_the_field(sam, engine, body, detail):
    client, header = sam
    response = client.post("/api/v1/persons/PSAME000001/consent", headers=header, json=body)
    assert response.status_code == 400 and response.json()["detail"].startswith(detail)
    assert _count(engine, ConsentRecord) == 1  # the world's own withdrawal only
    # The person's records were read to check the practitioner may see them: still logged.
    assert _count(engine, SharingDecision, person_id="PSAME000001") == 2  # its two records, each decided


def test_consent_needs_the_csrf_header_and_a_frontline_role(practice_client, engine):
    client, header = _as(practice_client, "sam.social")
    body = {"decision": "given", "form": "verbal", "informed": True}
    assert client.post("/api/v1/persons/PSAME000001/consent", json=body).status_code == 403
    ig, ig_header = _as(practice_client, "iris.ig")
    refused = ig.post("/api/v1/persons/PSAME000001/consent", headers=ig_header, json=body)
    assert refused.status_code == 403 and "practitioners and MASH officers" in refused.json()["detail"]
    assert _count(engine, ConsentRecord) == 1
    assert _count(engine, AuditEvent, action="sharing.consent.record", outcome="denied") == 1


def test_break_glass_through_the_api_opens_the_person_and_goes_for_review(practice_client, engine):
    client, header = _as(practice_client, "sam.social")
    person = "/api/v1/persons/PNONE000001"
    assert client.get(person).status_code == 403
    short = client.post(f"{person}/break-glass", headers=header, json={"reason": "Help", "minutes": 30})
    assert short.status_code == 400 and "what the emergency is" in short.json()["detail"]
    assert client.post(f"{person}/break-glass", headers=header,
                       json={"reason": "Child found alone", "minutes": 999}).status_code == 422
    assert client.post("/api/v1/persons/PNOBODY/break-glass", headers=header,
                       json={"reason": "Child found alone at the address", "minutes": 30}).status_code == 404
    started = client.post(f"{person}/break-glass", headers=header,
                          json={"reason": "Child found alone at the address", "minutes": 30})
    assert started.status_code == 201
    access = started.json()
    assert access["review_status"] == "pending" and access["person_id"] == "PNONE000001"
    seen = client.get(person)
    assert seen.status_code == 200 and seen.json()["break_glass_until"] is not None
    assert MARKERS["none_fact"] in str(seen.json()["records"])
    ig, _ig_header = _as(practice_client, "iris.ig")
    queue = ig.get("/api/v1/sharing/break-glass").json()
    assert [row["id"] for row in queue] == [access["id"]]
    assert _count(engine, BreakGlass) == 1


def test_a_decision_not_to_share_through_the_api_goes_to_the_log(sam, engine):
    client, header = sam
    url = "/api/v1/persons/PSAME000001/decline"
    unknown = client.post(url, headers=header, json={"purpose": "early_help", "recipient": "CSC", "reason": "No"})
    assert unknown.status_code == 400 and unknown.json()["detail"].startswith("recipient:")  # one's own organisation
    assert client.post(url, headers=header, json={"purpose": "no_such", "reason": "No"}).json()["detail"].startswith(
        "purpose:")
    assert _count(engine, SharingDecision, person_id="PSAME000001") == 4  # two records, read twice
    done = client.post(url, headers=header, json={"purpose": "early_help", "recipient": "HSG",
                                                  "reason": "Not proportionate: the family has a key worker"})
    assert done.status_code == 201
    assert done.json()["basis"] == "Not shared with Joinford Homes (HSG)"
    (declined,) = _rows(engine, SharingDecision, outcome="declined")
    assert (declined.person_id, declined.purpose, declined.channel) == ("PSAME000001", "early_help", "api")
    # Not for a person the user may not see.
    assert client.post("/api/v1/persons/PNONE000001/decline", headers=header,
                       json={"purpose": "early_help", "reason": "No"}).status_code == 403



def test_the_practitioners_api_is_described_in_openapi(practice_client):
    spec = practice_client.get("/openapi.json").json()
    described = {"/api/v1/me/purposes": ["get"], "/api/v1/persons/{person_id}/break-glass": ["post"],
                 "/api/v1/persons/{person_id}/consent": ["get", "post"],
                 "/api/v1/persons/{person_id}/decline": ["post"]}
    assert {path: sorted(spec["paths"].get(path, {})) for path in described} == described
    consent = spec["paths"]["/api/v1/persons/{person_id}/consent"]["post"]
    assert consent["tags"] == ["practitioners"] and {"201", "400", "403", "404"} <= set(consent["responses"])
    assert spec["components"]["schemas"]["ConsentIn"]["required"] == ["decision", "form", "informed"]
