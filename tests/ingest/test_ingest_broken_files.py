"""Broken extracts: each gives a clear reason naming row and field, and the good rows load."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from joinedup.audit import AuditEvent
from joinedup.db import session_factory
from joinedup.ingest import SourceRecord, ingest_file, list_loads, load_mapping
from joinedup.ingest import rows as rows_module

HEADER = "PersonID,Forename,Surname,DOB,NHSNumber\n"


def people_file(tmp_path, body: str | bytes, header: str = HEADER, name: str = "people.csv"):
    path = tmp_path / name
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    path.write_bytes(header.encode("utf-8") + data)
    return path


def rejected(load) -> list[tuple]:
    return [(issue.row_number, issue.field, issue.message, issue.value) for issue in load.issues
            if issue.severity == "rejected"]


def record_count(engine) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(SourceRecord))


def test_bytes_in_the_wrong_encoding_flag_the_field_and_keep_the_other_rows(engine, fixture_mapping, tmp_path, stored):
    body = "P1,Zoë,Brontë,01/01/2000,\nP2,Amy,Smith,02/02/2002,\n".encode("cp1252")
    body += "P3,Ama,Mensah,03/03/2003,\n".encode("utf-8") + b"P\xe94,Bad,Key,04/04/2004,\n"
    load = ingest_file(engine, fixture_mapping("people"), people_file(tmp_path, body))

    assert load.status == "completed"
    assert (load.rows_loaded, load.rows_rejected, load.rows_flagged) == (3, 1, 1)
    records = stored(engine, "test-people")
    zoe = records["P1"]
    assert (zoe.forename, zoe.surname) == ("Zo\\xeb", "Bront\\xeb")
    assert zoe.flags == [
        {"field": "forename", "problem": "holds bytes that are not valid utf-8", "value": "Zo\\xeb"},
        {"field": "surname", "problem": "holds bytes that are not valid utf-8", "value": "Bront\\xeb"},
    ]
    assert records["P2"].flags == [] and records["P3"].forename == "Ama"
    assert rejected(load) == [(5, "local_id", "holds bytes that are not valid utf-8", "P\\xe94")]
    assert load.completeness["forename"] == {"present": 3, "valid": 2, "of": 3}


def whole_names(tmp_path, **source: str):
    """A mapping of source test-clients: a local id ``Ref`` and a whole name ``ClientName``,
    "SURNAME, Given Names"; ``source``: more keys of its [source]."""
    path = tmp_path / "clients.toml"
    extra = "".join(f'{key} = "{value}"\n' for key, value in source.items())
    path.write_text(f"""
[source]
code = "test-clients"
organisation = "TESTVCS"
organisation_type = "voluntary"
format = "csv"
{extra}local_id = "Ref"
[fields.name]
column = "ClientName"
order = "surname_first"
separator = ","
""")
    return load_mapping(path)


def test_a_declared_encoding_is_decoded_and_a_whole_name_is_split(engine, tmp_path, stored):
    path = tmp_path / "clients.csv"
    path.write_bytes("Ref;ClientName\nC1;Brontë, Zoë Anne\nC2;Smith\n".encode("cp1252"))
    load = ingest_file(engine, whole_names(tmp_path, encoding="cp1252", delimiter=";"), path)
    assert (load.rows_loaded, load.rows_flagged) == (2, 0)
    records = stored(engine, "test-clients")
    assert (records["C1"].forename, records["C1"].middle_names, records["C1"].surname) == ("Zoë", "Anne", "Brontë")
    assert (records["C2"].forename, records["C2"].surname) == (None, "Smith")
    assert load.completeness["forename"] == {"present": 1, "valid": 1, "of": 2}


def test_a_title_is_not_a_forename_in_a_whole_name_or_in_a_forename_column(engine, fixture_mapping, tmp_path, stored):
    """docs/mappings.md, "Canonical fields": a title before the given names is left out;
    a forename that is only a title is flagged and stored empty, its text in the flag."""
    path = tmp_path / "clients.csv"
    path.write_text("Ref,ClientName\nC1,\"BULL, MS RACHEL ELLIE\"\nC2,\"JACKSON, MR\"\nC3,\"Lord, Dr. Ann\"\n")
    load = ingest_file(engine, whole_names(tmp_path), path)
    records = stored(engine, "test-clients")
    assert [(records[ref].forename, records[ref].middle_names, records[ref].surname) for ref in ("C1", "C2", "C3")] == [
        ("RACHEL", "ELLIE", "BULL"), (None, None, "JACKSON"), ("Ann", None, "Lord")]
    assert [(issue.row_number, issue.field, issue.message, issue.value) for issue in load.issues] == [
        (3, "forename", "is a title, not a forename", "MR")]

    columns = ingest_file(engine, fixture_mapping("people"), people_file(
        tmp_path, "P1,Miss Nicola,Hart,,\nP2,Rev. Dr Harry,Lee,,\nP3,Mr,Jones,,\nP4,Ladybird,Lane,,\n"))
    people = stored(engine, "test-people")
    assert [people[ref].forename for ref in ("P1", "P2", "P3", "P4")] == ["Nicola", "Harry", None, "Ladybird"]
    assert [(issue.row_number, issue.field, issue.message, issue.value) for issue in columns.issues
            if issue.severity == "flagged"] == [(4, "forename", "is a title, not a forename", "Mr")]


def test_a_postcode_at_the_end_of_a_one_line_address_is_the_records_postcode(engine, tmp_path, stored):
    """A newcomer's health extract (docs/mappings.md) had the postcode only at the end of
    its one address line, so none of its 4,581 records had a postcode to link on."""
    mapping = tmp_path / "health.toml"
    mapping.write_text("""
[source]
code = "test-health"
organisation = "TESTGP"
organisation_type = "health"
format = "csv"
local_id = "Ref"
[fields]
surname = "Surname"
address_text = "Address"
postcode = "Postcode"
""")
    path = tmp_path / "health.csv"
    path.write_text("Ref,Surname,Address,Postcode\n"
                    "H1,Lee,\"12 High St, Joinford, ju1 1aa\",\n"
                    "H2,Khan,\"4 Mill Lane, Joinford JU2 2BB\",JU3 3DE\n"
                    "H3,Hart,\"9 Elm Road, Joinford, JU1\",\n")
    load = ingest_file(engine, load_mapping(mapping), path)
    records = stored(engine, "test-health")
    assert [records[ref].postcode for ref in ("H1", "H2", "H3")] == ["JU1 1AA", "JU3 3DE", None]
    assert records["H1"].address_text == "12 High St, Joinford, ju1 1aa"  # the address as written
    assert load.completeness["postcode"] == {"present": 2, "valid": 2, "of": 3}


def test_a_byte_order_mark_does_not_hide_the_first_column(engine, fixture_mapping, tmp_path, stored):
    path = people_file(tmp_path, "P1,Amy,Smith,,\n", header="\ufeff" + HEADER)
    load = ingest_file(engine, fixture_mapping("people"), path)
    assert load.status == "completed"
    assert stored(engine, "test-people")["P1"].surname == "Smith"


def test_a_missing_local_id_column_fails_the_load_naming_column_and_mapping_field(
    engine, fixture_mapping, tmp_path
):
    path = people_file(tmp_path, "P1,Amy,Smith,,\n", header="ID,Forename,Surname,DOB,NHSNumber\n")
    load = ingest_file(engine, fixture_mapping("people"), path, loaded_by="ada")

    assert load.status == "failed"
    assert load.error.startswith(
        "the file has no column 'PersonID', which the mapping names as [source] local_id"
        " (the header has 5 columns: 'ID', 'Forename'"
    )
    assert load.finished_at is not None
    assert load.issues == []
    assert load.source_system.code == "test-people"
    assert record_count(engine) == 0
    with session_factory(engine)() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "ingest.load"))
    assert (event.outcome, event.reason, event.subject_id) == ("failure", load.error, str(load.id))


def test_a_missing_required_column_fails_the_load_naming_it(engine, fixture_mapping, tmp_path):
    path = people_file(tmp_path, "P1,Amy\nP2,Bob\n", header="PersonID,Forename\n")
    load = ingest_file(engine, fixture_mapping("people"), path)

    assert load.status == "failed"
    assert load.error == (
        "the file has no column 'Surname', which the mapping names as [fields] surname (the header has 2 columns: "
        "'PersonID', 'Forename'); nothing was loaded. If files may leave a column out, mark it optional in the "
        "mapping (optional = true)"
    )
    assert load.issues == []
    assert record_count(engine) == 0


def test_a_missing_optional_column_is_a_warning_and_new_records_leave_it_empty(
    engine, fixture_mapping, tmp_path, stored
):
    path = people_file(tmp_path, "P1,Smith\nP2,Jones\n", header="PersonID,Surname\n")
    load = ingest_file(engine, fixture_mapping("people"), path)

    assert load.status == "completed"
    assert load.rows_loaded == 2
    warning = next(issue for issue in load.issues if issue.field == "forename")
    assert (warning.row_number, warning.severity, warning.message) == (
        None, "warning", "the file has no column 'Forename', which the mapping marks optional: forename keeps its "
        "stored value on existing records and is empty on new ones"
    )
    address = [issue.message for issue in load.issues if issue.field == "address_text"]
    assert address == ["the file has no column 'Addr1', 'Addr2', 'Town', which the mapping marks optional: "
                       "address_text keeps its stored value on existing records and is empty on new ones"]
    assert "forename" not in load.completeness and load.completeness["surname"]["present"] == 2
    assert stored(engine, "test-people")["P1"].forename is None


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_an_empty_csv_file_fails_clearly(engine, fixture_mapping, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    load = ingest_file(engine, fixture_mapping("people"), path)
    assert (load.status, load.error) == ("failed", "the file is empty")


@pytest.mark.parametrize("content", [b"", b"\n \n"])
def test_an_empty_json_file_fails_clearly(engine, fixture_mapping, tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    load = ingest_file(engine, fixture_mapping("pupils"), path)
    assert (load.status, load.error) == ("failed", "the file is empty")


def test_a_header_without_rows_fails_the_load_and_says_so(engine, fixture_mapping, tmp_path):
    load = ingest_file(engine, fixture_mapping("people"), people_file(tmp_path, "\n\n"))
    assert (load.status, load.error) == ("failed", "the file has a header but no rows; nothing could be loaded")
    assert load.rows_read == 0


def test_a_fhir_file_of_other_resources_only_fails_the_load_and_names_them(engine, fixture_mapping, tmp_path):
    path = tmp_path / "observations.ndjson"
    path.write_text('{"resourceType": "Observation", "id": "o1"}\n\n{"resourceType": "Observation", "id": "o2"}\n'
                    '{"resourceType": "Encounter", "id": "e1"}\n')
    load = ingest_file(engine, fixture_mapping("patients"), path)
    assert (load.status, load.error) == ("failed", (
        "the file has no Patient resources (all 3 of its lines hold other FHIR resources: Observation 2,"
        " Encounter 1); nothing could be loaded"))
    assert record_count(engine) == 0


def test_each_line_of_another_fhir_resource_is_reported_with_its_line_number(engine, fixture_mapping, tmp_path):
    def patient(local_id: str) -> str:
        return ('{"resourceType": "Patient", "id": "%s", "name": [{"family": "Hughes", "given": ["Amelia"]}],'
                ' "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "0830166130"}],'
                ' "birthDate": "2012-07-04", "gender": "female",'
                ' "address": [{"line": ["12 Mill Lane"], "postalCode": "TT1 1AA"}]}\n' % local_id)

    path = tmp_path / "mixed.ndjson"
    path.write_text(patient("gp-1") + '{"resourceType": "Observation", "id": "o1"}\n\n{"id": "x"}\n' + patient("gp-2"))
    load = ingest_file(engine, fixture_mapping("patients"), path)
    assert (load.status, load.rows_read, load.rows_loaded) == ("completed", 2, 2)
    assert [(issue.row_number, issue.field, issue.severity, issue.message, issue.value) for issue in load.issues
            if issue.field == "resourceType"] == [
        (2, "resourceType", "warning", "is a FHIR resource other than Patient, so it was not read as a row",
         "Observation"),
        (4, "resourceType", "warning", "is a FHIR resource other than Patient, so it was not read as a row",
         "no resourceType"),
    ]


def test_a_huge_field_rejects_its_row_naming_row_and_field(engine, fixture_mapping, tmp_path, stored):
    huge = "x" * (5 * 1024 * 1024)
    path = people_file(tmp_path, f"P1,Amy,Smith,,\nP2,{huge},Jones,,\nP3,Cat,Brown,,\n")
    load = ingest_file(engine, fixture_mapping("people"), path)

    assert load.status == "completed"
    assert (load.rows_read, load.rows_loaded, load.rows_rejected) == (3, 2, 1)
    [(row, field, message, value)] = rejected(load)
    assert (row, field, message) == (3, "forename", "is longer than 131,072 characters")
    assert value.endswith("… (5,242,880 characters)") and len(value) < 400
    assert set(stored(engine, "test-people")) == {"P1", "P3"}


def test_a_value_longer_than_its_column_is_flagged_and_not_stored(engine, fixture_mapping, tmp_path, stored):
    long_name = "A" * 250
    path = people_file(tmp_path, f"P1,{long_name},Smith,,\n{'K' * 65},Amy,Smith,,\n")
    load = ingest_file(engine, fixture_mapping("people"), path)

    record = stored(engine, "test-people")["P1"]
    assert record.forename is None
    assert record.flags == [{"field": "forename", "problem": "is longer than 200 characters", "value": long_name}]
    assert rejected(load) == [(3, "local_id", "is longer than 64 characters", "K" * 65)]


def test_ragged_rows_are_rejected_and_the_rest_load(engine, fixture_mapping, tmp_path, stored):
    path = people_file(tmp_path, "P1,Amy,Smith,,\nP2,Bob,Jones\nP3,Cat,Brown,01/01/2001,,extra\nP4,Dan,Green,,\n")
    load = ingest_file(engine, fixture_mapping("people"), path)

    assert (load.rows_read, load.rows_loaded, load.rows_rejected) == (4, 2, 2)
    assert rejected(load) == [
        (3, "", "has a different number of values from the header", "3 values; the header has 5 columns"),
        (4, "", "has a different number of values from the header", "6 values; the header has 5 columns"),
    ]
    assert set(stored(engine, "test-people")) == {"P1", "P4"}


def test_row_numbers_count_the_lines_of_quoted_values_that_span_lines(engine, fixture_mapping, tmp_path):
    path = people_file(tmp_path, 'P1,"Amy\nLou",Smith,,\nP2,Bob,Jones,31/31/2000,\n')
    load = ingest_file(engine, fixture_mapping("people"), path)
    assert [(issue.row_number, issue.field) for issue in load.issues if issue.severity == "flagged"] == [
        (4, "date_of_birth")
    ]


def test_nul_characters_are_flagged_and_the_row_loads(engine, fixture_mapping, tmp_path, stored):
    path = people_file(tmp_path, "P1,Amy\x00,Smith,,\n")
    load = ingest_file(engine, fixture_mapping("people"), path)
    record = stored(engine, "test-people")["P1"]
    assert record.forename == "Amy\\x00"
    assert record.flags == [{"field": "forename", "problem": "contains NUL characters", "value": "Amy\\x00"}]
    assert load.rows_flagged == 1


def test_no_row_with_a_local_id_fails_the_load(engine, fixture_mapping, tmp_path):
    load = ingest_file(engine, fixture_mapping("people"), people_file(tmp_path, ",Amy,Smith,,\n ,Bob,Jones,,\n"))
    assert load.status == "failed"
    assert load.error == (
        "no row has a local id in 'PersonID', which the mapping names as [source] local_id; nothing could be loaded"
    )


def test_a_json_value_that_is_an_object_is_flagged(engine, fixture_mapping, tmp_path, stored):
    path = tmp_path / "pupils.jsonl"
    path.write_text('{"pupil": {"id": "S1", "name": {"first": {"given": "Amy"}, "last": "Smith"}}}\n')
    ingest_file(engine, fixture_mapping("pupils"), path)
    record = stored(engine, "test-pupils")["S1"]
    assert record.forename == '{"given": "Amy"}'
    assert record.flags == [{"field": "forename", "problem": "is not a single value", "value": '{"given": "Amy"}'}]


def test_a_required_json_path_found_in_no_row_fails_the_load_naming_it(engine, fixture_mapping, tmp_path):
    path = tmp_path / "pupils.jsonl"
    path.write_text('{"pupil": {"id": "S1", "name": {"last": "Smith"}}}\n{"pupil": {"id": "S2"}}\n')
    load = ingest_file(engine, fixture_mapping("pupils"), path)
    assert (load.status, load.error) == ("failed", (
        "no row has the path 'pupil.name.first' ([fields] forename), which the mapping names; nothing was loaded. "
        "If rows may leave a path out, mark it optional in the mapping (optional = true)"))
    assert record_count(engine) == 0


def test_an_optional_json_path_found_in_no_row_is_a_warning(engine, fixture_mapping, tmp_path):
    path = tmp_path / "pupils.jsonl"
    path.write_text('{"pupil": {"id": "S1", "name": {"first": "Amy", "last": "Smith"}}}\n')
    load = ingest_file(engine, fixture_mapping("pupils"), path)
    assert load.status == "completed"
    warnings = {issue.field: issue.message for issue in load.issues if issue.severity == "warning"}
    assert warnings["attendance_pct"] == ("no row has the path 'attendance', which the mapping marks optional: the "
                                          "fact attendance_pct keeps its stored value on existing records and is "
                                          "empty on new ones")
    assert set(warnings) == {"date_of_birth", "upn", "address_text", "postcode", "attendance_pct", "sen",
                             "year_group"}


def test_a_fatal_error_mid_file_rolls_back_the_records_and_records_the_failure(
    engine, fixture_mapping, tmp_path, monkeypatch
):
    path = people_file(tmp_path, "".join(f"P{n},Amy,Smith,,\n" for n in range(5000)))
    shape = rows_module.RecordBuilder.shape

    def failing_shape(self, row_number, row, careful):
        if row_number == 4500:
            raise RuntimeError("disk on fire")
        return shape(self, row_number, row, careful)

    monkeypatch.setattr(rows_module.RecordBuilder, "shape", failing_shape)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest_file(engine, fixture_mapping("people"), path)

    assert record_count(engine) == 0
    with session_factory(engine)() as session:
        [load] = list_loads(session)
        assert (load.status, load.error) == ("failed", "the load stopped: RuntimeError: disk on fire")
        assert load.rows_read == 0


def test_a_missing_file_raises_before_anything_is_recorded(engine, fixture_mapping, tmp_path):
    with pytest.raises(FileNotFoundError):
        ingest_file(engine, fixture_mapping("people"), tmp_path / "nowhere.csv")
