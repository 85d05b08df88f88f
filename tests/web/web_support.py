"""The web tests' place (two agencies, their records, staff and a load) and sign-in helpers.

``PASSWORD`` is re-exported for the tests that sign in with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from factories import PASSWORD, organisation, source_record, source_system, user
from fastapi.testclient import TestClient

from joinedup.db import transaction, utcnow
from joinedup.ingest.models import IngestLoad, LoadIssue

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Place:
    council_record: int
    council_twin: int
    police_record: int
    load: int
    council_org: int
    police_org: int


def seed(engine) -> Place:
    with transaction(engine) as session:
        council = organisation(session, "CSC", "Children's Social Care", "childrens_social_care")
        police = organisation(session, "POL", "Police", "police")
        csc = source_system(session, "csc", "Children's case system", council)
        niche = source_system(session, "police", "Police records", police)
        mine = source_record(session, csc, "CSC-001", row_hash="a", forename="Jordan", surname="Smith",
                             date_of_birth=date(2011, 3, 14), sex="male", address_text="1 High Street, Joinedup",
                             postcode="JU1 1AA", nhs_number="9434765919", upn="A123456789012",
                             facts={"cp_status": "open", "domestic_abuse": True}, flags=[])
        twin = source_record(session, csc, "CSC-002", row_hash="b", forename="Jordana", surname="Smithson",
                             date_of_birth=date(2009, 1, 2), postcode="JU2 2BB")
        theirs = source_record(session, niche, "POL-77", row_hash="c", forename="Jordan", surname="Smith",
                               date_of_birth=date(2011, 3, 14), postcode="JU1 1AA", ni_number="AB123456C")
        now = utcnow()
        load = IngestLoad(
            source_system_id=csc.id,
            file_name="csc-2024-05.csv",
            file_sha256="f" * 64,
            started_at=now,
            finished_at=now,
            status="finished",
            rows_read=5,
            rows_loaded=2,
            rows_updated=0,
            rows_unchanged=0,
            rows_rejected=2,
            rows_flagged=1,
            loaded_by="dev.data",
            completeness={
                "surname": {"present": 5, "valid": 5, "of": 5},
                "date_of_birth": {"present": 4, "valid": 3, "of": 5},
                "nhs_number": {"present": 2, "valid": 1, "of": 5},
            },
            issues=[
                LoadIssue(
                    row_number=3,
                    field="date_of_birth",
                    severity="rejected",
                    message="is not a real date",
                    value="31/02/2011",
                ),
                LoadIssue(
                    row_number=4,
                    field="date_of_birth",
                    severity="rejected",
                    message="is not a real date",
                    value="00/00/0000",
                ),
                LoadIssue(
                    row_number=5,
                    field="nhs_number",
                    severity="flagged",
                    message="fails the modulus-11 check",
                    value="1234567890",
                ),
                LoadIssue(
                    row_number=None,
                    field="upn",
                    severity="warning",
                    message="the column 'UPN' was not found in any row",
                ),
            ],
        )
        session.add(load)
        session.flush()
        user(session, "sam.social", council, ["practitioner"], display_name="Sam Okafor", team="Children in Need",
             job_title="Social worker")
        user(session, "dev.data", "CSC", ["data_team"], display_name="Dev Patel", team="Data and Insight",
             job_title="Data analyst")
        user(session, "pat.police", police.id, ["practitioner"], display_name="PC Pat Lowe")
        return Place(mine.id, twin.id, theirs.id, load.id, council.id, police.id)


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next_url: str = ""):
    """Sign in afresh through the real form; returns the POST's response."""
    client.cookies.clear()
    page = client.get("/sign-in")
    assert page.status_code == 200
    return client.post(
        "/sign-in",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(page.text),
            "next": next_url,
        },
    )
