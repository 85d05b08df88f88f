"""A real server on a free port, a seeded data directory, and real Chromium with axe-core.

Chromium is Debian's (``JOINEDUP_CHROMIUM``, default ``/usr/bin/chromium``), never one
that Playwright downloads. axe-core comes from npm (``node_modules/axe-core``, or
``JOINEDUP_AXE``). When either is missing these tests skip, except on CI (``CI=true``),
where they fail. The helpers the journeys share (signing in, the axe-core check, a
module's own server) are in browser_support.py.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from browser_support import AXE, PASSWORD, add_partners, load_axe, migrated_store, serving

from joinedup.accounts import create_user
from joinedup.db import transaction, utcnow
from joinedup.ingest.models import IngestLoad, LoadIssue, SourceRecord
from joinedup.web import create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("JOINEDUP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Some journeys run over the web tests' seeded worlds (tests/web/*_support.py).
sys.path.insert(0, str(ROOT / "tests" / "web"))


def _unavailable(reason: str) -> None:
    if ON_CI:
        pytest.fail(f"{reason} (CI must run the browser tests)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM}")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as a script, which our content security policy would block.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def context(context):
    """pytest-playwright's context, its pages loading axe-core as they start."""
    return load_axe(context)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _unavailable(f"axe-core is not installed at {AXE}: run npm ci")
    return AXE.read_text()


@dataclass(frozen=True)
class LiveServer:
    url: str
    own_record: int
    other_record: int
    load: int


def _seed(engine) -> tuple[int, int, int]:
    with transaction(engine) as session:
        council, _police, csc, niche = add_partners(session)
        own = SourceRecord(
            source_system_id=csc.id,
            local_id="CSC-001",
            forename="Jordan",
            surname="Smith",
            date_of_birth=date(2011, 3, 14),
            sex="male",
            address_text="1 High Street, Joinedup",
            postcode="JU1 1AA",
            nhs_number="9434765919",
            facts={"cp_status": "open"},
            flags=[{"field": "upn", "problem": "fails the check letter"}],
            row_hash="a",
        )
        other = SourceRecord(
            source_system_id=niche.id,
            local_id="POL-77",
            forename="Jordan",
            surname="Smith",
            date_of_birth=date(2011, 3, 14),
            postcode="JU1 1AA",
            row_hash="b",
        )
        session.add_all([own, other])
        now = utcnow()
        load = IngestLoad(
            source_system_id=csc.id,
            file_name="csc-extract.csv",
            file_sha256="e" * 64,
            started_at=now,
            finished_at=now,
            status="finished",
            rows_read=4,
            rows_loaded=2,
            rows_rejected=1,
            rows_flagged=1,
            loaded_by="dev.data",
            completeness={
                "surname": {"present": 3, "valid": 3, "of": 3},
                "date_of_birth": {"present": 3, "valid": 2, "of": 4},
                "nhs_number": {"present": 2, "valid": 2, "of": 4},
            },
            issues=[
                LoadIssue(
                    row_number=3, field="date_of_birth", severity="rejected", message="is not a real date"
                ),
                LoadIssue(row_number=4, field="upn", severity="flagged", message="fails the check letter"),
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
            organisation=council,
            team="Data and Insight",
            job_title="Data analyst",
            roles=["data_team"],
        )
        return own.id, other.id, load.id


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, sqlite_template):
    """uvicorn serving create_app() in a background thread, against a seeded SQLite store."""

    def crash() -> None:
        raise RuntimeError("a deliberate failure, to see the error page")

    with migrated_store(tmp_path_factory, "e2e-home", sqlite_template) as (settings, engine):
        own, other, load = _seed(engine)
        app = create_app(settings, engine=engine)
        app.add_api_route("/e2e/crash", crash, include_in_schema=False)
        with serving(app) as url:
            yield LiveServer(url, own, other, load)
