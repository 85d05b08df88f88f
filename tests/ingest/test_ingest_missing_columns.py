"""A column the mapping names but the file lacks never blanks stored data (issue 10, #8).

A required column missing from the header fails the load before anything is written,
naming the column. A column the mapping marks optional may be left out: new records
leave its field empty, and existing records keep what is stored.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from joinedup.audit import AuditEvent
from joinedup.cli import app
from joinedup.db import session_factory
from joinedup.ingest import SourceRecord, ingest_file, load_mapping
from joinedup.ingest.mapping import MAPPINGS_DIR
from joinedup.store import initialise

runner = CliRunner()
COLUMNS = [
    "Tenant ID", "Tenancy Ref", "Title", "First Name", "Surname", "Date of Birth", "Relationship", "Flat", "Building",
    "House No", "Street", "Area", "Town", "Post Code", "NI Number", "Telephone", "Email", "Tenancy Start",
    "Tenancy Type", "Weekly Rent", "Arrears Balance", "Arrears As Of", "Housing Officer", "Officer Team",
    "Officer Phone", "Officer Email",
]


def tenants(count: int = 20) -> list[dict[str, str]]:
    return [{
        "Tenant ID": f"T{n:03d}", "Tenancy Ref": f"TEN{n:03d}", "Title": "Ms", "First Name": f"Amy{n}",
        "Surname": f"Okafor{n}", "Date of Birth": "04/07/1980", "Relationship": "Lead tenant", "Flat": "",
        "Building": "", "House No": str(n + 1), "Street": "Mill Lane", "Area": "", "Town": "Joinford",
        "Post Code": "JU1 1AA", "NI Number": "", "Telephone": "", "Email": "", "Tenancy Start": "01/04/2015",
        "Tenancy Type": "Secure", "Weekly Rent": "95.50", "Arrears Balance": f"{n}.00", "Arrears As Of": "25/03/2024",
        "Housing Officer": "Hal Officer", "Officer Team": "North", "Officer Phone": "01632 960000",
        "Officer Email": "hal@example.org",
    } for n in range(count)]


def housing_file(path: Path, rows: list[dict[str, str]], leave_out: tuple[str, ...] = ()) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [column for column in COLUMNS if column not in leave_out],
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def stored(engine) -> dict[str, tuple]:
    with session_factory(engine)() as session:
        return {local_id: tuple(rest) for local_id, *rest in session.execute(select(
            SourceRecord.local_id, SourceRecord.forename, SourceRecord.surname, SourceRecord.facts, SourceRecord.flags,
            SourceRecord.last_load_id))}


def test_a_file_without_a_mapped_column_fails_and_leaves_every_stored_value(engine, tmp_path):
    mapping = load_mapping("housing")
    first = ingest_file(engine, mapping, housing_file(tmp_path / "v1.csv", tenants()))
    assert (first.status, first.rows_loaded) == ("completed", 20)
    before = stored(engine)

    load = ingest_file(engine, mapping, housing_file(tmp_path / "v2.csv", tenants(), leave_out=("Surname",)))

    assert load.status == "failed"
    assert load.error.startswith("the file has no column 'Surname', which the mapping names as [fields] surname "
                                 "(the header has 25 columns: 'Tenant ID', 'Tenancy Ref', 'Title', 'First Name', ")
    assert load.error.endswith("); nothing was loaded. If files may leave a column out, mark it optional in the "
                               "mapping (optional = true)")
    assert stored(engine) == before
    assert {surname for _, surname, *_ in before.values()} == {f"Okafor{n}" for n in range(20)}
    with session_factory(engine)() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.subject_id == str(load.id)))
    assert (event.action, event.outcome, event.reason) == ("ingest.load", "failure", load.error)


def test_the_cli_exits_non_zero_and_names_the_missing_column(settings, tmp_path):
    initialise(settings)
    assert runner.invoke(app, ["ingest", "--source", "housing",
                               str(housing_file(tmp_path / "v1.csv", tenants()))]).exit_code == 0
    result = runner.invoke(app, ["ingest", "--source", "housing",
                                 str(housing_file(tmp_path / "v2.csv", tenants(), leave_out=("Surname",)))])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "(failed)" in said and "the file has no column 'Surname', which the mapping names as [fields] surname" in said


def optional_housing(tmp_path) -> Path:
    text = (MAPPINGS_DIR / "housing.toml").read_text()
    for plain, optional in (('surname = "Surname"', 'surname = { column = "Surname", optional = true }'),
                            ('arrears = { column = "Arrears Balance", type = "number" }',
                             'arrears = { column = "Arrears Balance", type = "number", optional = true }')):
        assert plain in text
        text = text.replace(plain, optional)
    path = tmp_path / "housing.toml"
    path.write_text(text)
    return path


def test_an_optional_column_left_out_keeps_the_stored_values_of_existing_records(engine, tmp_path):
    mapping = load_mapping(optional_housing(tmp_path))
    rows = tenants()
    rows[3]["Surname"] = "Bront\x00e"
    first = ingest_file(engine, mapping, housing_file(tmp_path / "v1.csv", rows))
    assert (first.status, first.rows_loaded, first.rows_flagged) == ("completed", 20, 1)
    flag = {"field": "surname", "problem": "contains NUL characters", "value": "Bront\\x00e"}

    newer = tenants(21)
    newer[5]["First Name"] = "Amelia"
    newer[3]["Weekly Rent"] = "99.00"
    load = ingest_file(engine, mapping, housing_file(tmp_path / "v2.csv", newer,
                                                     leave_out=("Surname", "Arrears Balance")))

    assert load.status == "completed", load.error
    assert (load.rows_loaded, load.rows_updated, load.rows_unchanged) == (1, 2, 18)
    after = stored(engine)
    assert after["T005"][:2] == ("Amelia", "Okafor5")
    assert after["T005"][2]["arrears"] == 5.0
    assert after["T003"][1] == "Bront\\x00e" and after["T003"][3] == [flag]
    assert after["T003"][2]["weekly_rent"] == 99.0 and after["T003"][2]["arrears"] == 3.0
    assert {local_id: values[1] for local_id, values in after.items() if local_id not in ("T003", "T020")} == {
        f"T{n:03d}": f"Okafor{n}" for n in range(20) if n != 3}
    assert after["T020"][1] is None and after["T020"][2]["arrears"] is None
    assert {values[4] for values in after.values()} == {load.id}
    warnings = [(issue.field, issue.message) for issue in load.issues if issue.severity == "warning"]
    assert warnings == [
        ("surname", "the file has no column 'Surname', which the mapping marks optional: surname keeps its stored "
                    "value on existing records and is empty on new ones"),
        ("arrears", "the file has no column 'Arrears Balance', which the mapping marks optional: the fact arrears "
                    "keeps its stored value on existing records and is empty on new ones"),
    ]
    assert "surname" not in load.completeness

    again = ingest_file(engine, mapping, housing_file(tmp_path / "v3.csv", newer,
                                                      leave_out=("Surname", "Arrears Balance")))
    assert (again.rows_loaded, again.rows_updated, again.rows_unchanged) == (0, 0, 21)
    assert stored(engine)["T003"][1:4] == after["T003"][1:4]
