"""The joinedup command line, run as a user runs it (in-process, through Typer)."""

import stat

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
    assert lines[0] == "source,local_id,uprn,score,method,status,record_ref"
    assert lines[1].startswith("tenancies,T1,110,1.0000,exact,matched")
    assert lines[3].startswith("tenancies,T3,,,,unmatched")
    report_csv = tmp_path / "report.csv"
    report = runner.invoke(app, ["addresses", "report", "--csv", str(report_csv)])
    assert report.exit_code == 0, report.output
    assert "tenancies" in report.output and "Anomalies" in report.output
    assert report_csv.read_text().startswith("section,source,measure,value")
