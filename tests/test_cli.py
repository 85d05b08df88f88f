"""The joinedup command line, run as a user runs it (in-process, through Typer)."""

import stat
from datetime import timedelta

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.db import make_engine
from joinedup.db.migrate import current_revision

runner = CliRunner()


def test_init_creates_the_data_directory_key_and_schema(settings):
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert settings.secret_key_path.exists()
    assert current_revision(make_engine(settings.database_url)) is not None
    assert stat.S_IMODE(settings.home.stat().st_mode) == 0o700, "only the owner may enter the data directory"
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 0, again.output


def test_ingest_needs_exactly_one_mapping(settings, tmp_path):
    extract = tmp_path / "x.csv"
    extract.write_text("a\n1\n")
    result = runner.invoke(app, ["ingest", str(extract)])
    assert result.exit_code != 0
    assert "exactly one of --source NAME or --mapping FILE" in result.output


GAZETTEER = """uprn,parent_uprn,lpi_status,sao_text,sao_start_number,pao_start_number,pao_start_suffix,pao_text,street,locality,town,postcode,easting,northing,classification,in_boundary
100,,approved,,,10,,,High Street,Old Town,Joinford,JU1 1AA,452000,338000,residential,Y
101,100,approved,Flat 1,,10,,,High Street,Old Town,Joinford,JU1 1AA,452000,338000,residential,Y
110,,approved,,,12,,,High Street,Old Town,Joinford,JU1 1AA,452010,338000,residential,Y
,,approved,,,14,,,High Street,Old Town,Joinford,JU1 1AA,452020,338000,residential,Y
"""
EXTRACT_MAPPING = """[source]
code = "tenancies"
organisation = "HSG"
organisation_type = "housing"
format = "csv"
local_id = "Id"

[fields]
address_text = "Address"
postcode = "Postcode"
"""


def _place(tmp_path):
    gazetteer = tmp_path / "gazetteer.csv"
    gazetteer.write_text(GAZETTEER)
    mapping = tmp_path / "tenancies.toml"
    mapping.write_text(EXTRACT_MAPPING)
    extract = tmp_path / "tenancies.csv"
    extract.write_text("Id,Address,Postcode\nT1,12 High St,JU1 1AA\nT2,Flat 1 10 High Street,JU1 1AA\nT3,,\n")
    return gazetteer, mapping, extract


def test_gazetteer_load_reports_counts_and_bad_rows(settings, tmp_path):
    gazetteer, _, _ = _place(tmp_path)
    result = runner.invoke(app, ["gazetteer", "load", str(gazetteer)])
    assert result.exit_code == 0, result.output
    assert "UPRNs new" in result.output and "rejected" in result.output
    assert "uprn" in result.output and "is empty" in result.output
    bad_mapping = runner.invoke(app, ["gazetteer", "load", str(gazetteer), "--mapping", "nosuch"])
    assert bad_mapping.exit_code == 2
    assert "no gazetteer mapping named 'nosuch'" in bad_mapping.output


def test_ingest_matches_new_records_once_a_gazetteer_is_loaded(settings, tmp_path):
    gazetteer, mapping, extract = _place(tmp_path)
    before = runner.invoke(app, ["ingest", str(extract), "--mapping", str(mapping)])
    assert before.exit_code == 0, before.output
    assert "No gazetteer is loaded" in before.output
    assert runner.invoke(app, ["gazetteer", "load", str(gazetteer)]).exit_code == 0
    matched = runner.invoke(app, ["addresses", "match"])
    assert matched.exit_code == 0, matched.output
    assert "considered" in matched.output
    extract.write_text("Id,Address,Postcode\nT1,12 High St,JU1 1AA\nT2,Flat 1 10 High Street,JU1 1AA\n"
                       "T3,,\nT4,10 High Street,JU1 1AA\n")
    after = runner.invoke(app, ["ingest", str(extract), "--mapping", str(mapping)])
    assert after.exit_code == 0, after.output
    assert "Matched the addresses of 1 new or changed records" in " ".join(after.output.split())
    full = runner.invoke(app, ["addresses", "match", "--full"])
    assert full.exit_code == 0 and "full" in full.output


def test_ingest_of_a_file_without_rows_fails_and_says_why(settings, tmp_path):
    _, mapping, extract = _place(tmp_path)
    extract.write_text("Id,Address,Postcode\n")
    result = runner.invoke(app, ["ingest", str(extract), "--mapping", str(mapping)])
    assert result.exit_code == 1, result.output
    assert "(failed)" in result.output
    assert "the file has a header but no rows; nothing could be loaded" in " ".join(result.output.split())


def test_export_addresses_and_the_report(settings, tmp_path):
    gazetteer, mapping, extract = _place(tmp_path)
    runner.invoke(app, ["gazetteer", "load", str(gazetteer)])
    runner.invoke(app, ["ingest", str(extract), "--mapping", str(mapping)])
    out = tmp_path / "out" / "addresses.csv"
    result = runner.invoke(app, ["export", "addresses", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "source,local_id,uprn,score,method,status,record_ref,reason"
    assert lines[1].startswith("tenancies,T1,110,1.0000,exact,matched")
    assert lines[3].startswith("tenancies,T3,,,,unmatched")
    report_csv = tmp_path / "report.csv"
    report = runner.invoke(app, ["addresses", "report", "--csv", str(report_csv)])
    assert report.exit_code == 0, report.output
    assert "tenancies" in report.output and "Anomalies" in report.output
    assert report_csv.read_text().startswith("section,source,measure,value")


def test_users_unlock_lifts_an_accounts_sign_in_waits(settings, monkeypatch):
    from sqlalchemy import select

    from joinedup.accounts import SignInLimits, authenticate, create_user
    from joinedup.audit import AuditEvent
    from joinedup.db import transaction, utcnow
    from joinedup.partners import Organisation

    assert runner.invoke(app, ["init"]).exit_code == 0
    engine = make_engine(settings.database_url)
    limits = SignInLimits(first_delay=timedelta(hours=1))

    def sign_in(password: str, now=None) -> str:
        with transaction(engine) as session:
            return authenticate(session, username="sam.social", password=password, client_address="10.0.0.1",
                                limits=limits, now=now).outcome

    with transaction(engine) as session:
        session.add(Organisation(code="CSC", name="Children's Social Care", type="childrens_social_care"))
        session.flush()
        create_user(session, username="sam.social", password="correct horse battery", display_name="Sam",
                    organisation="CSC")
    start = utcnow() - timedelta(minutes=1)
    for second in range(limits.failures_before_delay):
        sign_in("guess", now=start + timedelta(seconds=second))
    assert sign_in("correct horse battery") == "locked"

    result = runner.invoke(app, ["users", "unlock", "Sam.Social"])
    assert result.exit_code == 0, result.output
    assert "Unlocked sam.social" in result.output
    assert sign_in("correct horse battery") == "success"

    unknown = runner.invoke(app, ["users", "unlock", "no.such.person"])
    assert unknown.exit_code == 1 and "No account has the username 'no.such.person'." in unknown.output
    with transaction(engine) as session:
        events = session.execute(select(AuditEvent.outcome, AuditEvent.channel)
                                 .where(AuditEvent.action == "account.unlock").order_by(AuditEvent.id)).all()
    assert [tuple(event) for event in events] == [("success", "cli"), ("failure", "cli")]


def test_users_roles_changes_a_users_roles_saying_why(settings, monkeypatch):
    from sqlalchemy import select

    from joinedup.accounts import create_user, find_user
    from joinedup.audit import AuditEvent
    from joinedup.db import transaction
    from joinedup.partners import Organisation

    assert runner.invoke(app, ["init"]).exit_code == 0
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        csc = Organisation(code="CSC", name="Children's Social Care", type="childrens_social_care")
        session.add(csc)
        session.flush()
        create_user(session, username="sam.social", password="correct horse battery", display_name="Sam",
                    organisation=csc, roles=["practitioner"])
    changed = runner.invoke(app, ["users", "roles", "Sam.Social", "--role", "ig_lead", "--reason", "New post"])
    assert changed.exit_code == 0, changed.output
    assert "sam.social now holds: ig_lead." in changed.output
    refused = runner.invoke(app, ["users", "roles", "sam.social", "--role", "wizard", "--reason", "Why not"])
    assert refused.exit_code == 1 and "roles: Unknown roles: wizard" in refused.output
    with transaction(engine) as session:
        assert find_user(session, "sam.social").roles == ["ig_lead"]
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.roles"))
        assert (event.details, event.reason, event.channel) == (
            {"before": ["practitioner"], "after": ["ig_lead"]}, "New post", "cli")


@pytest.mark.parametrize(("trusted", "peer", "forwarded", "recorded"), [
    ("", "127.0.0.1", "198.51.100.23", "127.0.0.1"),  # no proxy is trusted unless named, not even a local one
    ("10.9.9.9", "10.1.1.1", "198.51.100.23", "10.1.1.1"),  # nor a peer that is not the proxy
    ("10.1.1.0/24", "10.1.1.1", "198.51.100.23", "198.51.100.23"),  # the proxy's word is taken
    ("10.1.1.0/24", "10.1.1.1", "203.0.113.9, 198.51.100.23", "198.51.100.23"),  # what it added, not the client
])
def test_the_server_believes_forwarded_addresses_only_from_trusted_proxies(
    settings, monkeypatch, trusted, peer, forwarded, recorded
):
    """`joinedup serve` as it runs: the address the audit trail records is the client's."""
    from sqlalchemy import select

    from joinedup.audit import AuditEvent
    from joinedup.db import transaction

    monkeypatch.setenv("JOINEDUP_TRUSTED_PROXIES", trusted)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: served.append(server.config))
    result = runner.invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    (config,) = served
    config.load()
    headers = {"X-Forwarded-For": forwarded}
    with TestClient(config.loaded_app, client=(peer, 50000), follow_redirects=False) as client:
        page = client.get("/sign-in", headers=headers)
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/sign-in", headers=headers,
                    data={"username": "no.such.person", "password": "a guess", "csrf_token": token})
    with transaction(make_engine(settings.database_url)) as session:
        assert session.scalar(select(AuditEvent.client_address).where(AuditEvent.action == "sign_in")) == recorded


def test_serve_says_where_it_serves_once_the_port_is_its_own(settings, monkeypatch):
    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: served.append(sockets))
    result = runner.invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    ((listening,),) = served
    port = listening.getsockname()[1]
    listening.close()
    assert f"Serving JoinedUp on http://127.0.0.1:{port} " in result.output


@pytest.mark.parametrize("command", [["serve"], ["demo", "--people", "50"]])
def test_a_port_already_taken_is_told_in_one_line_before_anything_else(settings, monkeypatch, command):
    import socket

    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: pytest.fail("nothing may be served"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, [*command, "--port", str(port)])
    assert result.exit_code == 1
    assert result.output == (f"Port {port} on 127.0.0.1 is already in use. Stop what is using it, or choose "
                             f"another port: --port {port + 1} (make demo PORT={port + 1}).\n")
    assert not settings.home.exists(), "nothing was set up, built or loaded first"


INVOLVEMENTS_MAPPING = EXTRACT_MAPPING + """
[facts]
team = "Team"
worker = "Worker"
since = "Since"

[involvements]
role = "housing_officer"
team = "team"
worker = "worker"
starts = "since"
"""


def test_involvements_index_names_the_rows_refused_and_refuses_a_mapping_without_the_section(settings, tmp_path):
    """`involvements index` and `flags index` are one run over a loaded extract: this one
    reads [involvements], names each row refused and its field, and keeps the rest."""
    mapping = tmp_path / "tenancies.toml"
    mapping.write_text(INVOLVEMENTS_MAPPING)
    extract = tmp_path / "tenancies.csv"
    extract.write_text("Id,Address,Postcode,Team,Worker,Since\nT1,12 High St,JU1 1AA,,,\n"
                       "T2,10 High Street,JU1 1AA,,ann@hsg.example,2025-01-01\nT3,14 High St,JU1 1AA,,,someday\n")
    assert runner.invoke(app, ["ingest", "--mapping", str(mapping), str(extract)]).exit_code == 0
    indexed = runner.invoke(app, ["involvements", "index", "--source", str(mapping)])
    assert indexed.exit_code == 0, indexed.output
    said = " ".join(indexed.output.split())
    assert "Involvements read from the extracts" in said
    assert "tenancies: row T2, worker: the worker ann@hsg.example is not in the directory" in said
    assert "tenancies: row T3, since: 'someday' is not a date" in said
    mapping.write_text(EXTRACT_MAPPING)
    refused = runner.invoke(app, ["involvements", "index", "--source", str(mapping)])
    assert refused.exit_code == 1 and "has no [involvements] section" in refused.output
