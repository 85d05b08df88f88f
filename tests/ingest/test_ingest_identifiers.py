"""A mapping's [identifiers]: schemes other than NHS number, NI number and UPN."""

from __future__ import annotations

import pytest

from joinedup.ingest import MappingError, load_mapping
from joinedup.ingest.loader import ingest_file

MAPPING = """
[source]
code = "council"
name = "Council people"
organisation = "LA"
organisation_type = "local_authority"
format = "csv"
local_id = "Ref"

[fields]
forename = "First"
surname = "Last"

[identifiers]
council_person_id = { column = "CPID", format = "CP[0-9]{4}", unique = true }
hospital_number = "HospNo"
"""


def write(tmp_path, text: str, name: str = "mapping.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_identifier_schemes_are_read_with_their_format_and_uniqueness(tmp_path):
    mapping = load_mapping(write(tmp_path, MAPPING))
    council = mapping.identifiers["council_person_id"]
    assert council.column == "CPID" and council.unique
    assert council.pattern.fullmatch("CP1234") and not council.pattern.fullmatch("CP12")
    hospital = mapping.identifiers["hospital_number"]
    assert hospital.column == "HospNo" and not hospital.unique and hospital.pattern is None


@pytest.mark.parametrize(("entry", "message"), [
    ('nhs_number = "NHS"', "nhs_number is a canonical field: map it under [fields]"),
    ('"Council ID" = "CPID"', "a scheme name is lower-case letters"),
    ('pnc = { column = "PNC", format = "[" }', "[identifiers] pnc format: is not a regular expression"),
    ('pnc = { column = "PNC", unique = "yes" }', "[identifiers] pnc unique: must be true or false"),
    ('pnc = { column = "PNC", optional = true }', "unknown key 'optional'"),
    ('pnc = { format = "x" }', "'column' is required"),
])
def test_a_bad_identifier_entry_names_the_scheme_and_the_key(tmp_path, entry, message):
    text = MAPPING.split("[identifiers]")[0] + "[identifiers]\n" + entry + "\n"
    with pytest.raises(MappingError) as raised:
        load_mapping(write(tmp_path, text))
    assert message in str(raised.value)


def test_identifiers_are_stored_and_a_value_of_the_wrong_format_is_flagged_not_kept(engine, tmp_path, stored):
    extract = write(tmp_path, "Ref,First,Last,CPID,HospNo\n"
                              "1,Ann,Shah,CP0001,H-77\n"
                              "2,Bo,Lee,CP12,\n"
                              "3,Cy,Ray,,\n", "people.csv")
    load = ingest_file(engine, load_mapping(write(tmp_path, MAPPING)), extract)
    assert load.rows_loaded == 3 and load.rows_flagged == 1
    records = stored(engine, "council")
    assert records["1"].identifiers == {"council_person_id": {"value": "CP0001", "unique": True},
                                        "hospital_number": {"value": "H-77", "unique": False}}
    assert records["2"].identifiers == {}
    assert records["2"].flags == [{"field": "identifiers.council_person_id",
                                   "problem": "does not have the scheme's format (CP[0-9]{4})", "value": "CP12"}]
    assert records["3"].identifiers == {}


def test_a_file_without_an_identifier_column_fails_naming_it(engine, tmp_path):
    extract = write(tmp_path, "Ref,First,Last,CPID\n1,Ann,Shah,CP0001\n", "people.csv")
    load = ingest_file(engine, load_mapping(write(tmp_path, MAPPING)), extract)
    assert load.status == "failed"
    assert "no column 'HospNo', which the mapping names as [identifiers] hospital_number" in load.error


def test_a_changed_identifier_updates_the_record_and_the_same_file_changes_nothing(engine, tmp_path, stored):
    mapping = load_mapping(write(tmp_path, MAPPING))
    first = write(tmp_path, "Ref,First,Last,CPID,HospNo\n1,Ann,Shah,CP0001,\n", "one.csv")
    ingest_file(engine, mapping, first)
    again = ingest_file(engine, mapping, first)
    assert again.rows_unchanged == 1
    ingest_file(engine, mapping, write(tmp_path, "Ref,First,Last,CPID,HospNo\n1,Ann,Shah,CP0002,\n", "two.csv"))
    assert stored(engine, "council")["1"].identifiers["council_person_id"]["value"] == "CP0002"
