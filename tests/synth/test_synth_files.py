"""Every file a place promises exists, in its documented shape, readable by its mapping.

The mappings in ``joinedup/ingest/mappings`` are how the product reads these files, so
every column or JSON path a mapping names must be there in the extract it maps.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

import joinedup.ingest
from joinedup.synth import generate_place
from joinedup.synth.agencies import EXTRACTS
from joinedup.synth.gazetteer import CLASSIFICATIONS, GAZETTEER_COLUMNS
from joinedup.synth.place import TRUTH_FILES

MAPPINGS = Path(joinedup.ingest.__file__).parent / "mappings"
SOURCES = [extract.source for extract in EXTRACTS]
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")


def _mapping(source: str) -> dict:
    return tomllib.loads((MAPPINGS / f"{source}.toml").read_text())


def _referenced(mapping: dict) -> set[str]:
    """Every column (or JSON path) a mapping reads."""
    columns = {mapping["source"]["local_id"]}
    if "record_ref" in mapping["source"]:
        columns.add(mapping["source"]["record_ref"])
    for section in (mapping.get("fields", {}), mapping.get("facts", {})):
        for spec in section.values():
            if isinstance(spec, str):
                columns.add(spec)
            elif "column" in spec:
                columns.add(spec["column"])
            else:
                columns.update(spec["columns"])
    if "relationships" in mapping:
        columns.update((mapping["relationships"]["group"], mapping["relationships"]["role"]))
    return columns


def _resolve(resource, path: str):
    """A dotted path with ``[key=value]`` list filters, as docs/mappings.md defines it."""
    value = resource
    for segment in re.findall(r"(?:[^.\[\]]|\[[^\]]*\])+", path):
        name, _, rest = segment.partition("[")
        if name:
            if isinstance(value, list) and name.isdigit():
                value = value[int(name)] if int(name) < len(value) else None
            elif isinstance(value, dict):
                value = value.get(name)
            else:
                return None
        if rest:
            key, _, wanted = rest.rstrip("]").partition("=")
            value = next((item for item in value or [] if item.get(key) == wanted), None)
        if value is None:
            return None
    return value


def test_manifest_lists_every_extract_with_its_mapping_format_and_row_count(town):
    manifest = town.manifest
    assert [entry["source"] for entry in manifest["extracts"]] == SOURCES
    assert manifest["people"] == 10_000 == town.summary.people
    for entry in manifest["extracts"]:
        assert (MAPPINGS / f"{entry['mapping']}.toml").exists()
        assert entry["format"] == _mapping(entry["mapping"])["source"]["format"]
        assert entry["rows"] == town.summary.extract_rows[entry["source"]] > 0
        if entry["format"] == "csv":
            assert len(town.extract_rows(entry["source"])) == entry["rows"]
        else:
            assert len(town.gp_patients()) == entry["rows"]
    assert manifest["gazetteer"]["rows"] == town.summary.addresses == len(town.csv_rows("gazetteer.csv"))


@pytest.mark.parametrize("source", SOURCES)
def test_each_mapping_names_only_columns_its_extract_has(town, source):
    mapping = _mapping(source)
    entry = town.extract(source)
    assert mapping["source"]["code"] == source
    assert mapping["source"].get("encoding", "utf-8") == entry["encoding"]
    if entry["format"] == "csv":
        header = town.header(entry["file"], entry["encoding"], entry["delimiter"])
        assert mapping["source"].get("delimiter", ",") == entry["delimiter"]
        assert _referenced(mapping) <= set(header)
        extract = next(extract for extract in EXTRACTS if extract.source == source)
        assert tuple(header) == extract.columns
    else:
        patients = town.gp_patients()
        for path in _referenced(mapping):
            assert any(_resolve(patient, path) not in (None, "") for patient in patients), path
        assert all(_resolve(patient, mapping["source"]["local_id"]) for patient in patients)


def test_gp_patients_are_fhir_r4_patients_with_nhs_numbers_and_practices(town):
    patients = town.gp_patients()
    assert {patient["resourceType"] for patient in patients} == {"Patient"}
    assert len({patient["id"] for patient in patients}) == len(patients)
    with_nhs = [_resolve(p, "identifier[system=https://fhir.nhs.uk/Id/nhs-number].value") for p in patients]
    assert sum(1 for value in with_nhs if value) > 0.98 * len(patients)
    assert all(_resolve(p, "generalPractitioner.0.display") for p in patients)


def test_the_gazetteer_is_llpg_shaped(town):
    assert tuple(town.header("gazetteer.csv")) == GAZETTEER_COLUMNS
    rows = town.csv_rows("gazetteer.csv")
    approved = [row for row in rows if row["lpi_status"] == "approved"]
    assert len({row["uprn"] for row in approved}) == len(approved), "one approved LPI per UPRN"
    assert {row["uprn"] for row in rows} == {row["uprn"] for row in approved}
    assert all(len(row["uprn"]) == 12 and row["uprn"].isdigit() for row in rows)
    assert all(POSTCODE.match(row["postcode"]) for row in rows)
    assert {row["classification"] for row in rows} == set(CLASSIFICATIONS)
    statuses = Counter(row["lpi_status"] for row in rows)
    assert statuses["alternative"] > 0 and statuses["historic"] > 0
    assert statuses["alternative"] + statuses["historic"] < 0.15 * len(rows), "only a minority have other forms"
    uprns = {row["uprn"] for row in rows}
    flats = [row for row in approved if row["parent_uprn"]]
    assert flats and all(row["parent_uprn"] in uprns for row in flats)
    assert any(row["sao_text"] for row in flats) and any(row["sao_start_number"] for row in flats)
    assert any(row["in_boundary"] == "N" for row in rows) and any(row["town"] != "Joinford" for row in rows)


def test_truth_files_have_their_documented_columns(town):
    for path, columns in TRUTH_FILES.values():
        assert tuple(town.header(path)) == columns


def test_a_tiny_place_still_has_every_file(tmp_path):
    summary = generate_place(tmp_path, people=1, seed=1)
    assert summary.people == 1
    assert json.loads((tmp_path / "manifest.json").read_text())["people"] == 1
    for extract in EXTRACTS:
        assert (tmp_path / extract.file).exists()


def test_the_voluntary_spreadsheet_is_windows_1252_not_utf_8(town):
    raw = (town.root / town.extract("voluntary")["file"]).read_bytes()
    assert b"\x92" in raw or b"\x96" in raw or b"\xa3" in raw, "’, – or £ as Excel saves them"
    assert b"\r\n" in raw
    raw.decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_the_education_roll_starts_with_a_byte_order_mark(town):
    raw = (town.root / town.extract("education")["file"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfPupilRef,")
