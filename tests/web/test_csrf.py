"""CSRF tokens belong to one session. That every write is refused without its token is the
authorisation matrix's CSRF column (tests/web/test_authorisation_matrix.py)."""

from __future__ import annotations

from web_support import PASSWORD, csrf_token


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
