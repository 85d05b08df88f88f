"""The administrators' API: unlocking an account, for administrators only, audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from web_support import PASSWORD, csrf_token, sign_in

from joinedup.accounts import create_user
from joinedup.audit import AuditEvent
from joinedup.db import transaction

UNLOCK = "/api/v1/admin/users/{}/unlock"


def _as(app, username: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    assert sign_in(client, username).status_code == 303
    return client, {"X-CSRF-Token": csrf_token(client.get("/").text)}


def _events(engine) -> list[tuple[str, str, str]]:
    with transaction(engine) as session:
        return [tuple(row) for row in session.execute(
            select(AuditEvent.actor, AuditEvent.outcome, AuditEvent.channel)
            .where(AuditEvent.action == "account.unlock").order_by(AuditEvent.id))]


def test_an_administrator_unlocks_an_account_that_must_wait(client, app, engine):
    with transaction(engine) as session:
        create_user(session, username="ada.admin", password=PASSWORD, display_name="Ada", organisation="CSC",
                    roles=["admin"])
    for attempt in range(5):
        sign_in(client, "sam.social", f"guess {attempt}")
    assert sign_in(client, "sam.social").status_code == 429

    admin, csrf = _as(app, "ada.admin")
    response = admin.post(UNLOCK.format("Sam.Social"), headers=csrf)
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "sam.social" and response.json()["unlocked_at"]
    assert sign_in(client, "sam.social").status_code == 303
    assert _events(engine) == [("ada.admin", "success", "api")]

    assert admin.post(UNLOCK.format("no.such.person"), headers=csrf).status_code == 404
    assert admin.post(UNLOCK.format("sam.social")).status_code == 403, "the CSRF header is needed"


def test_anyone_else_is_refused_and_the_refusal_audited(client, app, engine):
    practitioner, csrf = _as(app, "sam.social")
    for username in ("pat.police", "no.such.person"):
        refused = practitioner.post(UNLOCK.format(username), headers=csrf)
        assert refused.status_code == 403 and refused.json() == {"detail": "Unlocking an account is for administrators."}
    assert _events(engine) == [("sam.social", "denied", "api")] * 2
    assert client.post(UNLOCK.format("pat.police")).status_code == 401


ROLES = "/api/v1/admin/users/{}/roles"


def test_an_administrator_changes_a_users_roles_and_anyone_else_is_refused_and_audited(client, app, engine):
    with transaction(engine) as session:
        create_user(session, username="ada.admin", password=PASSWORD, display_name="Ada", organisation="CSC",
                    roles=["admin"])
    practitioner, csrf = _as(app, "sam.social")
    refused = practitioner.put(ROLES.format("sam.social"), json={"roles": ["admin"], "reason": "Promote me"},
                               headers=csrf)
    assert refused.status_code == 403
    admin, csrf = _as(app, "ada.admin")
    bad = admin.put(ROLES.format("sam.social"), json={"roles": ["wizard"], "reason": "Why not"}, headers=csrf)
    assert bad.status_code == 400 and bad.json()["field"] == "roles"
    changed = admin.put(ROLES.format("Sam.Social"), json={"roles": ["mash_officer", "practitioner"],
                                                         "reason": "Joined the MASH"}, headers=csrf)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"username": "sam.social", "roles": ["practitioner", "mash_officer"]}
    with transaction(engine) as session:
        events = [tuple(row) for row in session.execute(
            select(AuditEvent.actor, AuditEvent.outcome, AuditEvent.channel)
            .where(AuditEvent.action == "account.roles").order_by(AuditEvent.id))]
    assert events == [("sam.social", "denied", "api"), ("ada.admin", "success", "api")]
