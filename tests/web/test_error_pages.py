"""Errors are styled pages (or JSON under /api) and never show a stack trace."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient
from web_support import PASSWORD, csrf_token, sign_in

from joinedup.web import create_app


@pytest.fixture
def crashing(web_settings, engine):
    """An app of its own with routes that crash, which no other test may see."""
    app = create_app(web_settings, engine=engine)

    def crash():
        raise RuntimeError("secret internals: password=" + PASSWORD)

    app.add_api_route("/crash", crash, include_in_schema=False)
    app.add_api_route("/api/v1/crash", crash, include_in_schema=False)
    return app


def _plain(text: str) -> None:
    assert "Traceback" not in text and "secret internals" not in text and 'File "' not in text


@pytest.fixture
def crashing_client(crashing, place):
    with TestClient(crashing, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def test_a_crash_is_a_styled_500_without_a_traceback(crashing_client):
    client = crashing_client
    response = client.get("/crash")
    assert response.status_code == 500
    assert response.headers["cache-control"] == "no-store" and "content-security-policy" in response.headers
    assert "Sorry, there is a problem with the service" in response.text and "govuk-template" in response.text
    _plain(response.text)


def test_a_crash_in_the_api_is_plain_json(crashing_client):
    client = crashing_client
    response = client.get("/api/v1/crash")
    assert response.status_code == 500 and response.json() == {
        "detail": "Sorry, there is a problem with the service."
    }
    _plain(response.text)


@pytest.fixture
def served(crashing):
    """The app served by uvicorn on a free port of this machine, for as long as the test runs."""
    listening = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(crashing, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    yield listening.getsockname()
    server.should_exit = True
    thread.join(10)
    listening.close()


def test_a_crash_is_answered_and_the_connection_kept(served, caplog):
    """Starlette re-raises after its 500, and uvicorn then drops the keep-alive connection:
    ours answers, logs the error with its traceback, and the connection serves on."""
    host, port = served
    connection = http.client.HTTPConnection(host, port, timeout=10)
    answers, sockets = [], []
    with caplog.at_level(logging.ERROR):
        for path in ("/api/v1/crash", "/crash", "/sign-in"):
            connection.request("GET", path)
            response = connection.getresponse()
            answers.append((response.status, response.getheader("connection"), response.read().decode()))
            sockets.append(connection.sock)
    connection.close()
    assert [status for status, _, _ in answers] == [500, 500, 200]
    assert sockets[0] is not None and all(sock is sockets[0] for sock in sockets)  # one connection served all
    assert all(header != "close" for _, header, _ in answers)
    for _, _, text in answers[:2]:
        _plain(text)
    logged = [record for record in caplog.records if "unhandled error on GET /api/v1/crash" in record.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert not any("Exception in ASGI application" in record.getMessage() for record in caplog.records)


BEYOND = "2147483648"  # one more than a database integer holds


@pytest.mark.parametrize("path", [
    f"/records/{BEYOND}", f"/ingest/{BEYOND}", f"/addresses/review/{BEYOND}", f"/linkage/runs/{BEYOND}",
    f"/linkage/pairs/1/{BEYOND}", f"/sharing/break-glass/{BEYOND}", f"/sharing/agreements/SAFE-ISA/versions/{BEYOND}",
    "/persons?q=Smith%00", "/sharing/log?username=a%00", "/sharing/purposes/a%00", "/sharing/agreements/a%00",
    "/sharing/view-as?person=PSAME000001&organisation=CSC%00&role=practitioner", "/linkage/persons/P%00",
    "/sharing/consent-script?purpose=a%00",
])
def test_a_value_the_database_cannot_hold_is_a_400_page(practice_client, practice, path):
    """Each of these was a 500 on PostgreSQL: the pages take ids and text as the API does."""
    assert sign_in(practice_client, practice.users["data_team+admin"]).status_code == 303
    response = practice_client.get(path)
    assert response.status_code == 400 and "There is a problem with your request" in response.text


def test_a_form_with_a_nul_is_a_400_page(practice_client, practice):
    assert sign_in(practice_client, practice.users["ig_lead"]).status_code == 303
    page = practice_client.get("/sharing/purposes/new")
    response = practice_client.post("/sharing/purposes/new", data={
        "csrf_token": csrf_token(page.text), "code": "nul", "name": "N\x00l", "safeguarding": "no"})
    assert response.status_code == 400 and "There is a problem with your request" in response.text


def test_not_found_is_a_styled_404(client):
    response = client.get("/no/such/page")
    assert (
        response.status_code == 404
        and "Page not found" in response.text
        and "govuk-template" in response.text
    )
    assert client.get("/api/v1/nothing").json() == {"detail": "Not Found"}


def test_a_wrong_method_is_a_styled_405(client):
    response = client.delete("/sign-in")
    assert response.status_code == 405 and "You cannot do that here" in response.text


def test_the_signed_in_user_keeps_their_navigation_on_error_pages(signed_in):
    response = signed_in.get("/no/such/page")
    assert "Sign out" in response.text and "Sam Okafor" in response.text


def test_every_response_carries_protective_headers(signed_in):
    response = signed_in.get("/")
    assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    static = signed_in.get("/static/joinedup.css?v=1")
    assert static.status_code == 200 and "immutable" in static.headers["cache-control"]
    assert signed_in.get("/static/joinedup.css").headers["cache-control"] == "no-cache"


def test_templates_have_no_inline_script_or_style(signed_in, place):
    for path in ("/", "/persons?q=smith", f"/records/{place.council_record}", "/docs", "/signed-out"):
        html = signed_in.get(path).text
        assert "<script>" not in html and " style=" not in html and "<style" not in html
