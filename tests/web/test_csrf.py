"""Every form post must carry its session's CSRF token, or it is refused with a styled 403."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from web_support import PASSWORD, csrf_token

from joinedup.accounts import WebSession
from joinedup.db import transaction
from joinedup.web.accounts import api as accounts_api
from joinedup.web.accounts import pages as auth
from joinedup.web.docs import pages as api_docs
from joinedup.web.home import pages as home
from joinedup.web.ingest import api as ingest_api
from joinedup.web.ingest import pages as ingest
from joinedup.web.persons import record_pages as records
from joinedup.web.persons import records_api

FORMS = {
    "/sign-in": {"username": "sam.social", "password": PASSWORD},
    "/sign-out": {},
}


def test_every_post_route_is_covered_here():
    posts = {
        route.path
        for module in (auth, home, records, ingest, api_docs, accounts_api, ingest_api, records_api)
        for route in module.router.routes
        if "POST" in getattr(route, "methods", ())
    }
    assert posts == set(FORMS)


@pytest.mark.parametrize("path", sorted(FORMS))
@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_post_without_the_right_token_is_refused(signed_in, engine, path, token):
    data = dict(FORMS[path])
    if token is not None:
        data["csrf_token"] = token
    response = signed_in.post(path, data=data)
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text and "govuk-template" in response.text
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 1, "nothing changed"


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
