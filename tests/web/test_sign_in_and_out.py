"""Signing in and out through the pages: cookies, rotation, CSRF, limits, timeout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from web_support import PASSWORD, csrf_token, sign_in

from joinedup.accounts import WebSession
from joinedup.audit import AuditEvent
from joinedup.config import Settings
from joinedup.db import transaction, utcnow
from joinedup.web.context import SESSION_COOKIE
from joinedup.web.accounts.pages import wait_in_words


def _set_cookie(response) -> str:
    return "; ".join(value for name, value in response.headers.multi_items() if name == "set-cookie")


def test_the_sign_in_page_starts_an_anonymous_session_for_its_csrf_token(client, engine):
    page = client.get("/sign-in")
    assert page.status_code == 200
    cookie = _set_cookie(page).lower()
    assert f"{SESSION_COOKIE}=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie
    assert csrf_token(page.text)
    with transaction(engine) as session:
        (row,) = session.scalars(select(WebSession)).all()
        assert row.user_id is None and row.csrf_token == csrf_token(page.text)


def test_cookies_are_secure_when_the_settings_say_so(engine, place, tmp_path, make_app):
    settings = Settings(home=tmp_path, database_url="sqlite://", secure_cookies=True)
    with TestClient(make_app(settings, engine), base_url="https://testserver") as client:
        assert "secure" in _set_cookie(client.get("/sign-in")).lower()


@pytest.mark.parametrize("secure", [True, False])
def test_browsers_are_told_to_keep_to_https_only_when_it_is_served_over_https(engine, place, tmp_path, make_app,
                                                                              secure):
    settings = Settings(home=tmp_path, database_url="sqlite://", secure_cookies=secure)
    with TestClient(make_app(settings, engine), base_url="https://testserver") as client:
        for path in ("/sign-in", "/static/joinedup.css", "/no-such-page", "/api/v1/me"):
            hsts = client.get(path).headers.get("strict-transport-security")
            assert hsts == ("max-age=31536000; includeSubDomains" if secure else None), path


def test_signing_in_rotates_the_session_and_lands_on_the_page_asked_for(client, engine):
    page = client.get("/records?q=smith")
    assert page.status_code == 303 and page.headers["location"] == "/sign-in?next=%2Frecords%3Fq%3Dsmith"
    form = client.get(page.headers["location"])
    anonymous = client.cookies[SESSION_COOKIE]
    response = client.post(
        "/sign-in",
        data={
            "username": "sam.social",
            "password": PASSWORD,
            "csrf_token": csrf_token(form.text),
            "next": "/records?q=smith",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/records?q=smith"
    signed_in = client.cookies[SESSION_COOKIE]
    assert signed_in != anonymous
    with transaction(engine) as session:
        (row,) = session.scalars(select(WebSession)).all()
        assert row.user_id is not None and row.csrf_token != csrf_token(form.text)
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, anonymous)
    assert client.get("/").status_code == 303, "the pre-sign-in token is worthless after sign-in"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "records"])
def test_sign_in_never_redirects_off_the_site(client, target):
    response = sign_in(client, "sam.social", next_url=target)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_a_signed_in_user_visiting_sign_in_goes_home(signed_in):
    assert signed_in.get("/sign-in").headers["location"] == "/"


def test_empty_fields_are_reported_with_the_error_summary(client):
    form = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf_token(form.text)})
    assert response.status_code == 400
    assert "<title>Error: Sign in" in response.text
    assert 'class="govuk-error-summary"' in response.text
    assert '<a href="#username">Enter your username</a>' in response.text
    assert '<a href="#password">Enter your password</a>' in response.text


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, engine):
    response = sign_in(client, "sam.social", "not the password")
    unknown = sign_in(client, "nobody.here", PASSWORD)
    for page in (response, unknown):
        assert page.status_code == 400
        assert "Enter a correct username and password" in page.text
        assert SESSION_COOKIE in client.cookies
    assert "nobody.here" in unknown.text, "the username is kept in the form"
    assert PASSWORD not in unknown.text and "not the password" not in response.text
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in")).all()
    assert [(e.outcome, e.actor, e.channel, e.client_address) for e in events] == [
        ("failure", "sam.social", "web", "testclient"),
        ("failure", "nobody.here", "web", "testclient"),
    ]


def test_repeated_failures_make_this_username_here_wait_with_a_clear_message(client, app, engine):
    for attempt in range(4):
        assert sign_in(client, "sam.social", f"guess {attempt}").status_code == 400
    fifth = sign_in(client, "sam.social", "guess 5")
    assert fifth.status_code == 429 and fifth.headers["retry-after"] == "60"
    assert "You have tried to sign in too many times. Try again in 1 minute." in fifth.text
    locked = sign_in(client, "sam.social", PASSWORD)
    assert locked.status_code == 429 and "Try again in 1 minute" in locked.text
    assert sign_in(client, "dev.data").status_code == 303, "others at this address sign in as usual"
    with TestClient(app, follow_redirects=False, client=("198.51.100.7", 50000)) as elsewhere:
        assert sign_in(elsewhere, "sam.social").status_code == 303, "and so does Sam, elsewhere"
    with transaction(engine) as session:
        outcomes = list(
            session.scalars(
                select(AuditEvent.outcome).where(AuditEvent.action == "sign_in").order_by(AuditEvent.id)
            )
        )
    assert outcomes == ["failure"] * 5 + ["locked", "success", "success"]


def test_a_long_wait_is_told_in_hours():
    assert [wait_in_words(minutes) for minutes in (1, 2, 119, 120, 121, 1440)] == [
        "1 minute", "2 minutes", "119 minutes", "2 hours", "3 hours", "24 hours"]


def test_an_idle_session_times_out_with_a_clear_message(signed_in, engine):
    with transaction(engine) as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    response = signed_in.get("/records")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Frecords&timeout=1"
    page = signed_in.get(response.headers["location"])
    assert "You were signed out" in page.text and "Sign in to JoinedUp" in page.text
    with transaction(engine) as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_out")).all()
    assert event.outcome == "timeout"


def test_a_session_ends_after_its_lifetime_even_while_in_use(signed_in, engine):
    assert signed_in.get("/").status_code == 200
    with transaction(engine) as session:
        session.execute(update(WebSession).values(created_at=utcnow() - timedelta(hours=12, minutes=1)))
    response = signed_in.get("/records")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Frecords&timeout=1"
    with transaction(engine) as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_out")).all()
    assert (event.outcome, event.reason) == ("timeout", "Signed in for more than 12 hours.")


def test_the_api_says_401_when_the_session_has_timed_out(signed_in, engine):
    with transaction(engine) as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    response = signed_in.get("/api/v1/me")
    assert response.status_code == 401 and response.json() == {
        "detail": "Your session has expired. Sign in again."
    }


def test_signing_out_ends_the_session_for_good(signed_in, engine):
    token = signed_in.cookies[SESSION_COOKIE]
    home = signed_in.get("/")
    response = signed_in.post("/sign-out", data={"csrf_token": csrf_token(home.text)})
    assert response.status_code == 303 and response.headers["location"] == "/signed-out"
    assert 'joinedup_session=""' in _set_cookie(response) or "max-age=0" in _set_cookie(response).lower()
    assert "You have signed out" in signed_in.get("/signed-out").text
    signed_in.cookies.set(SESSION_COOKIE, token)
    assert signed_in.get("/").status_code == 303
    assert signed_in.get("/api/v1/me").status_code == 401
    with transaction(engine) as session:
        assert session.scalars(select(WebSession)).all() == []
        assert session.scalar(select(AuditEvent.outcome).where(AuditEvent.action == "sign_out")) == "success"


def test_signing_out_without_a_session_just_says_so(client):
    response = client.post("/sign-out", data={})
    assert response.status_code == 303 and response.headers["location"] == "/signed-out"
