"""Errors are styled pages (or JSON under /api) and never show a stack trace."""

from __future__ import annotations

import pytest
from web_support import PASSWORD


@pytest.fixture
def crashing(app):
    def crash():
        raise RuntimeError("secret internals: password=" + PASSWORD)

    app.add_api_route("/crash", crash, include_in_schema=False)
    app.add_api_route("/api/v1/crash", crash, include_in_schema=False)
    return app


def _plain(text: str) -> None:
    assert "Traceback" not in text and "secret internals" not in text and 'File "' not in text


def test_a_crash_is_a_styled_500_without_a_traceback(client, crashing):
    response = client.get("/crash")
    assert response.status_code == 500
    assert response.headers["cache-control"] == "no-store" and "content-security-policy" in response.headers
    assert "Sorry, there is a problem with the service" in response.text and "govuk-template" in response.text
    _plain(response.text)


def test_a_crash_in_the_api_is_plain_json(client, crashing):
    response = client.get("/api/v1/crash")
    assert response.status_code == 500 and response.json() == {
        "detail": "Sorry, there is a problem with the service."
    }
    _plain(response.text)


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
