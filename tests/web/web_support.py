"""The web tests' place (two agencies, their records, staff and a load) and sign-in helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fastapi.testclient import TestClient

from joinedup.accounts import create_user
from joinedup.db import transaction, utcnow
from joinedup.ingest.models import IngestLoad, LoadIssue, SourceRecord
from joinedup.partners.models import Organisation, SourceSystem

PASSWORD = "correct horse battery"
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
        council = Organisation(code="CSC", name="Children's Social Care", type="childrens_social_care")
        police = Organisation(code="POL", name="Police", type="police")
        session.add_all([council, police])
        session.flush()
        csc = SourceSystem(code="csc", name="Children's case system", owner_organisation_id=council.id)
        niche = SourceSystem(code="police", name="Police records", owner_organisation_id=police.id)
        session.add_all([csc, niche])
        session.flush()
        mine = SourceRecord(
            source_system_id=csc.id,
            local_id="CSC-001",
            forename="Jordan",
            surname="Smith",
            date_of_birth=date(2011, 3, 14),
            sex="male",
            address_text="1 High Street, Joinedup",
            postcode="JU1 1AA",
            nhs_number="9434765919",
            upn="A123456789012",
            facts={"cp_status": "open", "domestic_abuse": True},
            flags=[],
            row_hash="a",
        )
        twin = SourceRecord(
            source_system_id=csc.id,
            local_id="CSC-002",
            forename="Jordana",
            surname="Smithson",
            date_of_birth=date(2009, 1, 2),
            postcode="JU2 2BB",
            row_hash="b",
        )
        theirs = SourceRecord(
            source_system_id=niche.id,
            local_id="POL-77",
            forename="Jordan",
            surname="Smith",
            date_of_birth=date(2011, 3, 14),
            postcode="JU1 1AA",
            ni_number="AB123456C",
            row_hash="c",
        )
        session.add_all([mine, twin, theirs])
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
        create_user(
            session,
            username="sam.social",
            password=PASSWORD,
            display_name="Sam Okafor",
            organisation=council,
            team="Children in Need",
            job_title="Social worker",
            roles=["practitioner"],
        )
        create_user(
            session,
            username="dev.data",
            password=PASSWORD,
            display_name="Dev Patel",
            organisation="CSC",
            team="Data and Insight",
            job_title="Data analyst",
            roles=["data_team"],
        )
        create_user(
            session,
            username="pat.police",
            password=PASSWORD,
            display_name="PC Pat Lowe",
            organisation=police.id,
            roles=["practitioner"],
        )
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
