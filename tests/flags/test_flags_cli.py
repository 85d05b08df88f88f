"""`joinedup flags index`: a loaded source's flags read through its mapping, the rows
refused named, and a source without a [flags] section refused."""

from __future__ import annotations

from typer.testing import CliRunner

from joinedup.cli import app

runner = CliRunner()
COLUMNS = ("PersonID,Forename,Surname,DOB,Gender,AddressLine1,AddressLine2,AddressLine3,Town,PostCode,NHSNumber,UPN,"
           "ReferralDate,ReferralSource,ReferralReason,CaseStatus,CINStartDate,CPPStartDate,CPCategory,LACStartDate,"
           "LegalStatus,CaseClosedDate,AllocatedWorker,WorkerTeam,WorkerPhone,WorkerEmail")
ROWS = (
    "C1,Mia,Stone,2015-05-05,2,1 High St,,,Joinford,JU1 1AA,,,2025-01-01,Police,Neglect,CP,2025-01-10,2025-05-03,"
    "Neglect,,,,,,,",
    "C2,Kai,Stone,2016-06-06,1,1 High St,,,Joinford,JU1 1AA,,,2025-01-01,Police,Neglect,Unheard,,,,,,,,,,",
)


def test_flags_are_indexed_from_the_command_line(settings, tmp_path):
    extract = tmp_path / "csc.csv"
    extract.write_text("\n".join((COLUMNS, *ROWS)) + "\n", encoding="utf-8")
    loaded = runner.invoke(app, ["ingest", "--source", "csc", str(extract)])
    assert loaded.exit_code == 0, loaded.output
    indexed = runner.invoke(app, ["flags", "index", "--source", "csc"])
    assert indexed.exit_code == 0, indexed.output
    assert "Flags read from the extract" in indexed.output
    assert "row C2, case_status: 'Unheard'" in indexed.output
    refused = runner.invoke(app, ["flags", "index", "--source", "gp"])
    assert refused.exit_code == 1 and "has no [flags] section" in refused.output
