"""CSRF tokens belong to one session. That every write is refused without its token is the
authorisation matrix's CSRF column (tests/web/test_authorisation_matrix.py)."""

from __future__ import annotations

from sqlalchemy import func, select
from web_support import PASSWORD, csrf_token

from joinedup.audit import AuditEvent
from joinedup.db import transaction


def test_the_sign_in_form_is_refused_without_its_pre_sign_in_session(client):
    form = client.get("/sign-in")
    token = csrf_token(form.text)
    client.cookies.clear()
    response = client.post(
        "/sign-in", data={"username": "sam.social", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403 and "Your form could not be sent" in response.text


def test_another_sessions_token_does_not_work(client, signed_in, app, place):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as other:
        other_token = csrf_token(other.get("/sign-in").text)
    response = signed_in.post("/sign-out", data={"csrf_token": other_token})
    assert response.status_code == 403


def test_a_signed_in_users_write_without_the_token_is_refused_and_audited(signed_in, engine):
    """A forged request leaves a trace: a page's form and an API write alike."""
    assert signed_in.post("/sign-out", data={}).status_code == 403
    assert signed_in.post("/api/v1/persons/PSAME000001/flags", json={}).status_code == 403
    with transaction(engine) as session:
        refused = session.execute(select(AuditEvent.actor, AuditEvent.subject_id, AuditEvent.outcome).where(
            AuditEvent.action == "csrf.refused").order_by(AuditEvent.id)).all()
    assert [tuple(row) for row in refused] == [("sam.social", "/sign-out", "denied"),
                                               ("sam.social", "/api/v1/persons/PSAME000001/flags", "denied")]


def test_an_anonymous_form_without_the_token_is_refused_and_not_logged(client, engine):
    client.get("/sign-in")
    assert client.post("/sign-in", data={"username": "sam.social", "password": PASSWORD}).status_code == 403
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "csrf.refused")) == 0
