from __future__ import annotations

import pytest

from joinedup.ingest import MappingError, load_mapping
from joinedup.ingest import mapping as mapping_module
from joinedup.ingest.mapping import compile_path

SOURCE = """
[source]
code = "x"
name = "X system"
organisation = "XORG"
organisation_type = "police"
format = "csv"
local_id = "ID"
"""


def write(tmp_path, text: str):
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    return path


def test_the_fixture_mappings_load(fixture_mapping):
    people = fixture_mapping("people")
    assert people.code == "test-people"
    assert people.organisation == "TESTLA"
    assert people.local_id.columns == ("PersonID",)
    assert people.fields["address_text"].columns == ("Addr1", "Addr2", "Town")
    assert people.fields["address_text"].join == ", "
    assert people.fields["date_of_birth"].formats == ("%d/%m/%Y",)
    assert people.fields["sex"].values == {"M": "male", "F": "female", "U": "unknown"}
    assert people.facts["domestic_abuse"].true == {"y"}
    assert people.facts["domestic_abuse"].false == {"n", ""}
    assert "name" not in people.canonical_fields
    assert people.canonical_fields[:3] == ("forename", "surname", "date_of_birth")
    patients = fixture_mapping("patients")
    assert patients.format == "fhir-ndjson"
    assert patients.encoding == "utf-8"


def test_a_column_may_be_marked_optional(tmp_path):
    mapping = load_mapping(write(tmp_path, SOURCE + """
[fields]
surname = "Surname"
upn = { column = "UPN", optional = true }
[fields.name]
column = "Name"
order = "surname_first"
optional = true
[facts]
arrears = { column = "Arrears", type = "number", optional = true }
[relationships]
group = "Ref"
role = "Role"
lead = "Lead"
roles = { Son = "child_of" }
optional = true
""".replace('surname = "Surname"\n', "")))
    assert (mapping.fields["upn"].optional, mapping.name_split.optional, mapping.facts["arrears"].optional,
            mapping.relationships.optional) == (True, True, True, True)
    assert not load_mapping(write(tmp_path, SOURCE + "[fields]\nsurname = 'S'\n")).fields["surname"].optional


def test_a_name_resolves_to_the_shipped_mappings_folder(tmp_path, monkeypatch):
    (tmp_path / "acme.toml").write_text(SOURCE)
    monkeypatch.setattr(mapping_module, "MAPPINGS_DIR", tmp_path)
    assert load_mapping("acme").code == "x"
    with pytest.raises(MappingError, match=r"no mapping named 'acne' \(the mappings are: acme\)"):
        load_mapping("acne")


def test_a_whole_name_column_is_split(tmp_path):
    mapping = load_mapping(write(tmp_path, SOURCE + """
[fields.name]
column = "ClientName"
order = "surname_first"
separator = ","
"""))
    assert mapping.name_split.column == "ClientName"
    assert mapping.canonical_fields == ("forename", "middle_names", "surname")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SOURCE + "[fields]\nforname = 'First'\n", r"\[fields\] forname: is not a canonical field"),
        (SOURCE + "[fields]\ndate_of_birth = { column = 'DOB', fromat = '%d' }\n",
         r"\[fields\] date_of_birth: unknown key 'fromat'"),
        (SOURCE + "[fields]\nsurname = { column = 'A', columns = ['B'] }\n",
         r"\[fields\] surname: needs exactly one of 'column' or 'columns'"),
        (SOURCE + "[fields]\nnhs_number = { column = 'N', type = 'integer' }\n",
         r"\[fields\] nhs_number type: the canonical field nhs_number is always a string"),
        (SOURCE + "[fields]\nsurname = { column = 'S', format = '%d' }\n", r"\[fields\] surname format: applies only to dates"),
        (SOURCE + "[facts]\nflag = { column = 'F', type = 'bool' }\n", r"\[facts\] flag type: 'bool' is not one of"),
        (SOURCE + "[facts]\nflag = { column = 'F', true = ['Y'] }\n", r"\[facts\] flag true: applies only to booleans"),
        (SOURCE + "[facts]\nflag = { column = 'F', type = 'boolean', true = ['Y'], false = ['y'] }\n",
         r"\[facts\] flag: a spelling cannot mean both true and false"),
        (SOURCE + "[fields]\nforename = 'F'\n[fields.name]\ncolumn = 'N'\norder = 'surname_first'\n",
         r"\[fields.name\]: splits a whole name, so \[fields\] must not also map forename"),
        (SOURCE + "[fields.name]\ncolumn = 'N'\norder = 'backwards'\n", r"\[fields.name\] order: 'backwards' is not one of"),
        (SOURCE + "[fields.name]\ncolumn = 'N'\n", r"\[fields.name\]: 'order' is required"),
        (SOURCE + "[fields]\nsex = { column = 'S', values = { M = 1 } }\n",
         r"\[fields\] sex values: the translation of 'M' must be a string"),
        (SOURCE.replace('format = "csv"', 'format = "xml"'), r"\[source\] format: 'xml' is not one of csv, jsonl, fhir-ndjson"),
        (SOURCE.replace('local_id = "ID"', ""), r"\[source\]: 'local_id' is required"),
        (SOURCE.replace('code = "x"', ""), r"\[source\]: 'code' is required"),
        (SOURCE + 'encoding = "utf-9"\n', r"\[source\] encoding: 'utf-9' is not a known encoding"),
        (SOURCE + 'delimiter = ";;"\n', r"\[source\] delimiter: must be a single character"),
        (SOURCE + 'colour = "red"\n', r"\[source\]: unknown key 'colour'"),
        (SOURCE.replace("police", "coastguard"), r"\[source\] organisation_type: 'coastguard' is not one of"),
        (SOURCE + "[extras]\n", r"top level: unknown key 'extras'"),
        (SOURCE + "[fields]\nsurname = { column = 'S', optional = 'yes' }\n",
         r"\[fields\] surname optional: must be true or false"),
        (SOURCE.replace('local_id = "ID"', 'local_id = { column = "ID", optional = true }'),
         r"\[source\] local_id optional: an identifier is never optional: every row needs it"),
        ("[source\n", r"not valid TOML"),
    ],
)
def test_a_bad_mapping_names_the_key(tmp_path, text, message):
    with pytest.raises(MappingError, match=message) as raised:
        load_mapping(write(tmp_path, text))
    assert str(tmp_path / "mapping.toml") in str(raised.value)


@pytest.mark.parametrize(
    ("path", "message"),
    [("name..family", "is not a dotted path"), ("identifier[system].value", "that is not key, index or key"),
     ("[a=b].value", "that is not key, index or key")],
)
def test_a_bad_json_path_is_named(tmp_path, path, message):
    text = SOURCE.replace('format = "csv"', 'format = "jsonl"') + f"[fields]\nsurname = '{path}'\n"
    with pytest.raises(MappingError, match=rf"\[fields\] surname: '.*' {message}"):
        load_mapping(write(tmp_path, text))


def test_the_delimiter_is_only_for_csv(tmp_path):
    text = SOURCE.replace('format = "csv"', 'format = "jsonl"') + 'delimiter = ";"\n'
    with pytest.raises(MappingError, match=r"\[source\] delimiter: applies only to the csv format"):
        load_mapping(write(tmp_path, text))


def test_csv_column_names_may_hold_dots_and_brackets(tmp_path):
    mapping = load_mapping(write(tmp_path, SOURCE + "[fields]\nsurname = 'Name.Last [family]'\n"))
    assert mapping.fields["surname"].columns == ("Name.Last [family]",)


def test_paths_compile_to_keys_indexes_and_filters():
    assert compile_path("name.0.family") == ("name", 0, "family")
    assert compile_path("identifier[system=https://fhir.nhs.uk/Id/nhs-number].value") == (
        "identifier", ("system", "https://fhir.nhs.uk/Id/nhs-number"), "value"
    )


def test_a_missing_mapping_file_is_a_mapping_error(tmp_path):
    with pytest.raises(MappingError, match="there is no mapping file at"):
        load_mapping(tmp_path / "nowhere.toml")


def test_a_path_that_does_not_fit_the_object_gives_nothing():
    from joinedup.ingest.readers import _path_accessor

    patient = {
        "name": [{"family": "Hughes", "given": "Amelia"}],
        "identifier": [{"system": "local", "value": "L1"}, {"system": 7, "value": "S7"}],
        "age": 12,
    }

    def follow(path):
        return _path_accessor(compile_path(path))(patient)

    assert follow("name.0.family") == "Hughes"
    assert follow("name.0.given.0") is None
    assert follow("name.1.family") is None
    assert follow("name.family") is None
    assert follow("age.value") is None
    assert follow("missing.0") is None
    assert follow("identifier[system=local].value") == "L1"
    assert follow("identifier[system=7].value") == "S7"
    assert follow("identifier[system=other].value") is None
    assert follow("age[system=local].value") is None
