"""The transparency pages and API, as the IG lead uses them: the report (names hidden, shown
with a reason), a hold, the PDF, and a subject access request to its zip."""

from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from web_support import csrf_token, sign_in

from joinedup.audit.checkpoints import instance_signer
from joinedup.audit.log import check_receipt, make_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "transparency"))
from transparency_support import AVA, build_world


@pytest.fixture
def client(web_settings, engine, make_app):
    build_world(engine)
    with TestClient(make_app(web_settings, engine), raise_server_exceptions=False,
                    follow_redirects=False) as client:
        yield client


def _ig(client) -> None:
    assert sign_in(client, "iris.ig").status_code == 303


def test_the_report_hides_staff_names_until_the_ig_lead_gives_a_reason(client):
    _ig(client)
    page = client.get(f"/transparency/persons/{AVA}")
    assert page.status_code == 200
    assert "Practitioner at Joinford Police" in page.text and "Pete Constable" not in page.text
    assert "Automatic" in page.text
    token = csrf_token(page.text)
    refused = client.post(f"/transparency/persons/{AVA}/names", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 400 and "Say why the staff names are needed" in refused.text
    assert f"<title>Error: Who has seen the record of {AVA} –" in refused.text  # "Error: " once
    shown = client.post(f"/transparency/persons/{AVA}/names", data={"csrf_token": token, "reason": "A complaint"})
    assert shown.status_code == 200 and "Pete Constable" in shown.text


def test_a_hold_is_listed_for_the_ig_lead_and_never_in_the_pdf(client):
    _ig(client)
    token = csrf_token(client.get(f"/transparency/persons/{AVA}").text)
    year = date.today().year + 1
    done = client.post(f"/transparency/persons/{AVA}/holds", data={
        "csrf_token": token, "organisation": "POL", "until-day": "1", "until-month": "6", "until-year": str(year),
        "hold_reason": "Operation Kestrel", "requested_by": "DI Jones"})
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "Operation Kestrel" in page.text and "Practitioner at Joinford Police" not in page.text
    pdf = client.get(f"/transparency/persons/{AVA}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Who has seen your record" in text and "Kestrel" not in text and "Joinford Police" not in text


def test_a_request_is_recorded_downloaded_and_closed_through_the_api(client):
    _ig(client)
    token = client.get("/api/v1/subject-access").headers["X-CSRF-Token"]
    made = client.post("/api/v1/subject-access", json={"person_id": AVA, "received_on": "2026-01-31"},
                       headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text
    assert made.json()["due_on"] == "2026-02-28"
    request_id = made.json()["id"]
    listed = client.get("/api/v1/subject-access").json()
    assert [row["id"] for row in listed] == [request_id]
    export = client.get(f"/api/v1/subject-access/{request_id}/export")
    assert export.status_code == 200
    assert "report.pdf" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    refused = client.post(f"/api/v1/subject-access/{request_id}/status", json={"move": "refuse"},
                          headers={"X-CSRF-Token": token})
    assert refused.status_code == 400 and refused.json()["field"] == "reason"
    done = client.post(f"/api/v1/subject-access/{request_id}/status", json={"move": "refuse", "reason": "Withdrawn"},
                       headers={"X-CSRF-Token": token})
    assert done.json()["status"] == "refused"
    assert client.get(f"/api/v1/subject-access/{request_id}/export").status_code == 409


def test_the_pages_are_the_ig_leads_alone(client):
    assert sign_in(client, "sam.social").status_code == 303
    assert client.get(f"/transparency/persons/{AVA}").status_code == 403
    assert client.get("/subject-access").status_code == 403
    assert client.get(f"/api/v1/transparency/persons/{AVA}").status_code == 403


def test_the_request_pages(client):
    _ig(client)
    page = client.get("/subject-access")
    token = csrf_token(page.text)
    refused = client.post("/subject-access", data={"csrf_token": token, "person_id": "", "received-day": "",
                                                   "received-month": "", "received-year": ""})
    assert refused.status_code == 400 and 'href="#received-day"' in refused.text
    today = date.today()
    made = client.post("/subject-access", data={"csrf_token": token, "person_id": AVA, "received-day": today.day,
                                                "received-month": today.month, "received-year": today.year})
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "The request is recorded" in page.text and "Download everything held" in page.text
    moved = client.post(made.headers["location"].split("?")[0] + "/status",
                        data={"csrf_token": token, "move": "start"})
    assert moved.status_code == 303
    assert "In progress" in client.get("/subject-access").text


def test_each_log_line_of_the_report_links_to_its_receipt_once_a_checkpoint_covers_it(client, web_settings, engine):
    _ig(client)
    page = client.get(f"/transparency/persons/{AVA}").text
    links = re.findall(rf'href="(/transparency/persons/{AVA}/receipts/[a-z_]+:\d+)"', page)
    assert links and all(":" in link for link in links)
    assert client.get(links[0]).status_code == 409  # no checkpoint covers it yet: said, not made
    signer = instance_signer(web_settings)
    make_checkpoint(engine, signer)
    receipt = client.get(links[0])
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/json"
    assert receipt.headers["content-disposition"].startswith(f'attachment; filename="receipt-{AVA}-')
    assert check_receipt(receipt.text, signer.verifier).entry["id"] == int(links[0].rsplit(":", 1)[1])
    api = client.get(f"/api/v1/transparency/persons/{AVA}").json()
    entry = next(line["entry"] for line in api["entries"] if line["entry"])
    assert client.get(f"/api/v1/transparency/persons/{AVA}/receipts/{entry}").status_code == 200
