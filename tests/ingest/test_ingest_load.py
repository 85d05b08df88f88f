from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from joinedup.audit import AuditEvent
from joinedup.db import session_factory, transaction
from joinedup.ingest import (
    IngestLoad,
    MappingError,
    SourceRecord,
    describe_issue,
    get_load,
    ingest_file,
    issue_summary,
    list_loads,
    load_mapping,
)
from joinedup.ingest import loader as loader_module
from joinedup.partners import Organisation, SourceSystem


def counts(load: IngestLoad) -> dict[str, int]:
    return {
        "read": load.rows_read,
        "loaded": load.rows_loaded,
        "updated": load.rows_updated,
        "unchanged": load.rows_unchanged,
        "rejected": load.rows_rejected,
        "flagged": load.rows_flagged,
    }


def issues(load: IngestLoad) -> list[tuple]:
    return [(issue.row_number, issue.field, issue.severity, issue.message, issue.value) for issue in load.issues]


def _load_police(engine, tmp_path, mapping: str, extract: str, code: str = "test-police") -> IngestLoad:
    """Load ``extract`` (CSV text) through a mapping of the test police force's system
    ``code``: ``mapping`` is what follows the [source] table's first lines."""
    mapping_path = tmp_path / f"{code}.toml"
    mapping_path.write_text(f'[source]\ncode = "{code}"\norganisation = "TESTPOL"\norganisation_type = "police"\n'
                            f'format = "csv"\n{mapping}')
    path = tmp_path / f"{code}.csv"
    path.write_text(extract)
    return ingest_file(engine, load_mapping(mapping_path), path)


def test_a_csv_extract_loads_canonical_fields_facts_and_flags(engine, fixture_mapping, fixture_path, stored):
    load = ingest_file(engine, fixture_mapping("people"), fixture_path("people.csv"), loaded_by="ada")

    assert load.status == "completed"
    assert load.error == ""
    assert load.file_name == "people.csv"
    assert len(load.file_sha256) == 64
    assert load.loaded_by == "ada"
    assert load.finished_at >= load.started_at
    assert load.source_system.code == "test-people"
    assert counts(load) == {"read": 7, "loaded": 6, "updated": 0, "unchanged": 0, "rejected": 1, "flagged": 4}

    records = stored(engine, "test-people")
    assert set(records) == {"P001", "P002", "P003", "P004", "P005", "P006"}
    amelia = records["P001"]
    assert (amelia.forename, amelia.surname, amelia.date_of_birth, amelia.sex) == (
        "Amelia", "Hughes", date(2012, 7, 4), "female"
    )
    assert amelia.address_text == "12 Mill Lane, Tinytown"
    assert amelia.postcode == "TT1 1AA"
    assert amelia.nhs_number == "0830166130"
    assert amelia.upn == "B801200005001"
    assert amelia.phone == "01632960001"
    assert amelia.record_ref == ""
    assert amelia.facts == {
        "cp_status": "CP", "cp_start": "2024-01-15", "attendance_pct": 93.5, "exclusions": 0, "domestic_abuse": False,
    }
    assert amelia.flags == []
    assert amelia.first_load_id == amelia.last_load_id == load.id
    assert records["P002"].address_text == "Flat 2, Rose Court, Station Road, Tinytown"
    assert records["P002"].facts["domestic_abuse"] is True
    assert records["P004"].phone == "+442079460958"
    assert records["P006"].ni_number == "AB123456C"
    json.dumps(records["P005"].facts)


def test_an_invalid_value_is_kept_as_raw_text_and_flagged_naming_row_and_field(
    engine, fixture_mapping, fixture_path, stored
):
    load = ingest_file(engine, fixture_mapping("people"), fixture_path("people.csv"))
    records = stored(engine, "test-people")

    ben = records["P002"]
    assert ben.date_of_birth is None
    assert ben.flags == [
        {"field": "date_of_birth", "problem": "is not a real date in the format DD/MM/YYYY", "value": "31/02/2010"}
    ]
    chloe = records["P003"]
    assert chloe.nhs_number == "9960308244"
    assert {"field": "nhs_number", "problem": "fails the modulus-11 check", "value": "9960308244"} in chloe.flags
    assert records["P004"].flags == [{"field": "date_of_birth", "problem": "is in the future", "value": "01/01/2099"}]
    fay = records["P005"]
    assert (fay.sex, fay.postcode, fay.ni_number, fay.upn, fay.phone, fay.email) == (
        "X", "NOT A POSTCODE", "DA123456A", "A801200005003", "12345", "fay@"
    )
    assert fay.facts == {
        "cp_status": "CIN", "cp_start": "2024-13-01", "attendance_pct": "high", "exclusions": "two",
        "domestic_abuse": "maybe",
    }
    assert {flag["field"] for flag in fay.flags} == {
        "sex", "postcode", "ni_number", "upn", "phone", "email", "cp_start", "attendance_pct", "exclusions",
        "domestic_abuse",
    }

    assert issues(load)[:6] == [
        (3, "date_of_birth", "flagged", "is not a real date in the format DD/MM/YYYY", "31/02/2010"),
        (4, "date_of_birth", "flagged", "is not a real date in the format DD/MM/YYYY", "2011-05-06"),
        (4, "nhs_number", "flagged", "fails the modulus-11 check", "9960308244"),
        (5, "date_of_birth", "flagged", "is in the future", "01/01/2099"),
        (6, "local_id", "rejected", "is empty, so the row cannot be a record", ""),
        (7, "sex", "flagged", "is not male, female or unknown", "X"),
    ]
    assert describe_issue(load.issues[2]) == "row 4, nhs_number: fails the modulus-11 check: '9960308244'"
    assert describe_issue(load.issues[4]) == "row 6, local_id: is empty, so the row cannot be a record"


def test_completeness_counts_present_and_valid_values_per_canonical_field(engine, fixture_mapping, fixture_path):
    load = ingest_file(engine, fixture_mapping("people"), fixture_path("people.csv"))
    assert load.completeness["forename"] == {"present": 6, "valid": 6, "of": 6}
    assert load.completeness["date_of_birth"] == {"present": 6, "valid": 3, "of": 6}
    assert load.completeness["nhs_number"] == {"present": 6, "valid": 5, "of": 6}
    assert load.completeness["ni_number"] == {"present": 3, "valid": 2, "of": 6}
    assert load.completeness["email"] == {"present": 3, "valid": 2, "of": 6}
    assert set(load.completeness) == set(fixture_mapping("people").canonical_fields)


def test_loading_the_same_file_again_changes_nothing(engine, fixture_mapping, fixture_path, stored):
    mapping = fixture_mapping("people")
    first = ingest_file(engine, mapping, fixture_path("people.csv"))
    before = {key: (record.id, record.row_hash, record.updated_at) for key, record in stored(engine, "test-people").items()}
    again = ingest_file(engine, mapping, fixture_path("people.csv"))

    assert counts(again) == {"read": 7, "loaded": 0, "updated": 0, "unchanged": 6, "rejected": 1, "flagged": 4}
    assert again.file_sha256 == first.file_sha256
    after = stored(engine, "test-people")
    assert {key: (record.id, record.row_hash, record.updated_at) for key, record in after.items()} == before
    assert {record.last_load_id for record in after.values()} == {again.id}
    assert {record.first_load_id for record in after.values()} == {first.id}
    assert again.completeness == first.completeness


def test_a_newer_extract_updates_records_by_local_id(engine, fixture_mapping, fixture_path, stored):
    mapping = fixture_mapping("people")
    first = ingest_file(engine, mapping, fixture_path("people.csv"))
    before = stored(engine, "test-people")
    newer = ingest_file(engine, mapping, fixture_path("people_v2.csv"))

    assert counts(newer) == {"read": 5, "loaded": 1, "updated": 1, "unchanged": 3, "rejected": 0, "flagged": 2}
    after = stored(engine, "test-people")
    assert set(after) == {"P001", "P002", "P003", "P004", "P005", "P006", "P007"}
    assert after["P001"].id == before["P001"].id
    assert (after["P001"].address_text, after["P001"].postcode) == ("1 New Street, Tinytown", "TT1 9ZZ")
    assert after["P001"].updated_at > before["P001"].updated_at
    assert (after["P001"].first_load_id, after["P001"].last_load_id) == (first.id, newer.id)
    assert after["P007"].first_load_id == newer.id
    assert after["P004"].last_load_id == first.id
    assert newer.completeness["forename"] == {"present": 5, "valid": 5, "of": 5}


def test_a_repeated_local_id_in_one_file_keeps_the_first_row_and_rejects_the_later(
    engine, fixture_mapping, tmp_path, stored, monkeypatch
):
    monkeypatch.setattr(loader_module, "CHUNK_ROWS", 2)
    header = "PersonID,Forename,Surname\n"
    path = tmp_path / "people.csv"
    path.write_text(header + "A1,Ann,One\nA1,Anne,Won\nB2,Bob,Two\nC3,Cat,Three\nA1,Annie,Juan\n")
    load = ingest_file(engine, fixture_mapping("people"), path)

    assert counts(load)["loaded"] == 3
    assert counts(load)["rejected"] == 2
    assert stored(engine, "test-people")["A1"].forename == "Ann"
    rejected = [(issue.row_number, issue.field, issue.value) for issue in load.issues if issue.severity == "rejected"]
    assert rejected == [(3, "local_id", "A1"), (6, "local_id", "A1")]
    assert load.issues[-1].message == "repeats the local id of an earlier row in this file; the earlier row was loaded"


def test_a_record_ref_keeps_several_rows_for_one_person(engine, tmp_path, stored):
    load = _load_police(engine, tmp_path, """delimiter = "|"
local_id = "Nominal"
record_ref = "Incident"
[fields]
surname = "Surname"
[facts]
incident_date = { column = "When", type = "date", format = ["%d/%m/%Y", "%Y-%m-%d"] }
""", "Nominal|Incident|Surname|When\nN1|I-1|Hughes|01/02/2024\nN1|I-2|Hughes|2024-03-04\nN2|I-3|Brown|\n")

    assert counts(load)["loaded"] == 3
    records = stored(engine, "test-police")
    assert set(records) == {"N1/I-1", "N1/I-2", "N2/I-3"}
    assert records["N1/I-2"].facts == {"incident_date": "2024-03-04"}
    assert records["N2/I-3"].facts == {"incident_date": None}
    with session_factory(engine)() as session:
        system = session.scalar(select(SourceSystem).where(SourceSystem.code == "test-police"))
        assert system.name == "test-police"
        assert system.owner.name == "TESTPOL"


def test_a_placeholder_date_of_birth_is_stored_as_not_known(engine, tmp_path, stored):
    """docs/mappings.md: 01/01/1900 and 01/01/1901 are flagged and stored empty; an
    agency's own placeholder is mapped to empty with ``values``, and is then simply absent."""
    load = _load_police(engine, tmp_path, """local_id = "Ref"
[fields]
surname = "Surname"
date_of_birth = { column = "DOB", type = "date", format = "%d/%m/%Y", values = { "01/01/1970" = "" } }
""", "Ref,Surname,DOB\nC1,Hughes,01/01/1900\nC2,Brown,01/01/1970\nC3,Khan,02/01/1970\n", code="test-custody")

    records = stored(engine, "test-custody")
    assert [records[ref].date_of_birth for ref in ("C1", "C2", "C3")] == [None, None, date(1970, 1, 2)]
    assert records["C1"].flags == [{"field": "date_of_birth", "problem": "is 01/01/1900, which systems write for a "
                                    "date not known", "value": "01/01/1900"}]
    assert records["C2"].flags == []
    assert counts(load)["loaded"] == 3


def test_a_postcode_read_from_the_address_counts_in_the_summary_with_no_postcode_column(engine, tmp_path, stored):
    """docs/mappings.md: a row with no postcode of its own whose address ends in one takes
    it, "and counts as having one in the data-quality summary". A newcomer's police list
    (no postcode column) had no postcode row in its summary at all, so nothing said
    whether the postcodes had been read."""
    load = _load_police(engine, tmp_path, """local_id = "Ref"
[fields]
surname = "Surname"
address_text = "HomeAddress"
""", 'Ref,Surname,HomeAddress\nP1,Hughes,"12 High St, Joinford, JU1 1AA"\nP2,Brown,"3 Mill Lane, Joinford"\nP3,Khan,\n')

    records = stored(engine, "test-police")
    assert [records[ref].postcode for ref in ("P1", "P2", "P3")] == ["JU1 1AA", None, None]
    assert load.completeness["postcode"] == {"present": 1, "valid": 1, "of": 3}
    assert load.completeness["address_text"] == {"present": 2, "valid": 2, "of": 3}


def test_a_jsonl_extract_follows_dotted_paths(engine, fixture_mapping, fixture_path, stored):
    load = ingest_file(engine, fixture_mapping("pupils"), fixture_path("pupils.jsonl"))

    assert counts(load) == {"read": 5, "loaded": 3, "updated": 0, "unchanged": 0, "rejected": 2, "flagged": 1}
    records = stored(engine, "test-pupils")
    assert set(records) == {"S1", "1002", "S4"}
    assert records["S1"].address_text == "12 Mill Lane, Tinytown"
    assert records["S1"].postcode == "TT1 1AA"
    assert records["S1"].facts == {"attendance_pct": 93.5, "sen": False, "year_group": 7}
    assert records["1002"].facts == {"attendance_pct": 88, "sen": True, "year_group": 9}
    assert records["S4"].facts == {"attendance_pct": "ninety", "sen": True, "year_group": 7}
    assert records["S4"].address_text is None
    rejected = [(issue.row_number, issue.message) for issue in load.issues if issue.severity == "rejected"]
    assert rejected == [(3, "is not valid JSON"), (4, "is not a JSON object")]
    assert "Expecting ',' delimiter" in load.issues[0].value


def test_a_fhir_export_reads_only_patients_and_filters_lists(engine, fixture_mapping, fixture_path, stored):
    load = ingest_file(engine, fixture_mapping("patients"), fixture_path("patients.ndjson"))

    assert counts(load) == {"read": 3, "loaded": 2, "updated": 0, "unchanged": 0, "rejected": 1, "flagged": 1}
    records = stored(engine, "test-gp")
    amelia = records["gp-1"]
    assert amelia.nhs_number == "0830166130"
    assert (amelia.forename, amelia.middle_names, amelia.surname) == ("Amelia", "Rose", "Hughes")
    assert amelia.email == "amelia.parent@example.org"
    assert amelia.phone == "01632960001"
    assert amelia.address_text == "12 Mill Lane, Tinytown"
    assert amelia.facts == {"practice": "Y00001", "deceased": False}
    ben = records["gp-2"]
    assert ben.sex == "other"
    assert {flag["field"] for flag in ben.flags} == {"nhs_number", "sex"}
    assert [issue for issue in issues(load) if issue[0] in (2, 4)] == [
        (2, "resourceType", "warning", "is a FHIR resource other than Patient, so it was not read as a row",
         "Observation"),
        (4, "local_id", "rejected", "is empty, so the row cannot be a record", ""),
    ]


def test_a_load_creates_its_organisation_and_source_system_once(engine, fixture_mapping, fixture_path):
    mapping = fixture_mapping("people")
    ingest_file(engine, mapping, fixture_path("people.csv"))
    ingest_file(engine, mapping, fixture_path("people_v2.csv"))
    with session_factory(engine)() as session:
        organisation = session.scalar(select(Organisation).where(Organisation.code == "TESTLA"))
        assert (organisation.name, organisation.type) == ("Test Borough Council", "local_authority")
        systems = session.scalars(select(SourceSystem)).all()
        assert [(s.code, s.name, s.owner.code, s.description) for s in systems] == [
            ("test-people", "Test people register", "TESTLA", "Invented rows with one of each kind of problem")
        ]


def test_a_source_system_owned_by_another_organisation_is_refused(engine, fixture_mapping, fixture_path, tmp_path):
    ingest_file(engine, fixture_mapping("people"), fixture_path("people.csv"))
    text = fixture_path("people.toml").read_text().replace('organisation = "TESTLA"', 'organisation = "OTHER"')
    (tmp_path / "other.toml").write_text(text)
    with pytest.raises(MappingError, match="belongs to organisation 'TESTLA', not 'OTHER'"):
        ingest_file(engine, load_mapping(tmp_path / "other.toml"), fixture_path("people.csv"))


def test_every_load_is_audited(engine, fixture_mapping, fixture_path):
    load = ingest_file(engine, fixture_mapping("people"), fixture_path("people.csv"), loaded_by="ada")
    with session_factory(engine)() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "ingest.load"))
    assert (event.actor, event.channel, event.outcome) == ("ada", "cli", "success")
    assert (event.subject_type, event.subject_id) == ("ingest_load", str(load.id))
    assert event.details["source"] == "test-people"
    assert event.details["rows_loaded"] == 6
    assert event.details["created"] == ["organisation TESTLA", "source system test-people"]


def test_loads_are_listed_newest_first_and_read_back_with_their_issues(engine, fixture_mapping, fixture_path):
    first = ingest_file(engine, fixture_mapping("people"), fixture_path("people.csv"))
    second = ingest_file(engine, fixture_mapping("pupils"), fixture_path("pupils.jsonl"))
    third = ingest_file(engine, fixture_mapping("people"), fixture_path("people_v2.csv"))
    with session_factory(engine)() as session:
        assert [load.id for load in list_loads(session)] == [third.id, second.id, first.id]
        assert [load.id for load in list_loads(session, source_code="test-people")] == [third.id, first.id]
        assert [load.id for load in list_loads(session, limit=1)] == [third.id]
        assert list_loads(session)[0].source_system.code == "test-people"
        assert get_load(session, 999_999) is None
        read_back = get_load(session, first.id)
        assert read_back.source_system.owner.code == "TESTLA"
        assert issues(read_back) == issues(first)
        unloaded = session.get(IngestLoad, first.id, populate_existing=True)
        session.expire(unloaded, ["issues"])
        assert issue_summary(unloaded) == issue_summary(first)


def test_the_issue_summary_groups_reasons_worst_first(engine, fixture_mapping, fixture_path):
    load = ingest_file(engine, fixture_mapping("people"), fixture_path("people.csv"))
    summary = issue_summary(load)
    assert summary[0] == ("rejected", "local_id", "is empty, so the row cannot be a record", 1)
    assert summary[1] == ("flagged", "date_of_birth", "is not a real date in the format DD/MM/YYYY", 2)
    assert sum(count for *_, count in summary) == len(load.issues)
    assert all(severity == "flagged" for severity, *_ in summary[1:])


def test_progress_is_reported_in_bytes(engine, fixture_mapping, tmp_path, monkeypatch):
    monkeypatch.setattr(loader_module, "CHUNK_ROWS", 10)
    path = tmp_path / "many.csv"
    path.write_text("PersonID,Surname\n" + "".join(f"P{n},Surname{n}\n" for n in range(100)))
    seen: list[tuple[int, int]] = []
    ingest_file(engine, fixture_mapping("people"), path, progress=lambda done, total: seen.append((done, total)))
    size = path.stat().st_size
    assert len(seen) >= 2
    assert all(total == size for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (size, size)


def test_a_load_of_many_chunks_stores_every_row(engine, fixture_mapping, tmp_path, monkeypatch, stored):
    monkeypatch.setattr(loader_module, "CHUNK_ROWS", 7)
    path = tmp_path / "many.csv"
    path.write_text("PersonID,Surname,NHSNumber\n" + "".join(f"P{n},Surname{n},{n}\n" for n in range(100)))
    load = ingest_file(engine, fixture_mapping("people"), path)
    assert counts(load) == {"read": 100, "loaded": 100, "updated": 0, "unchanged": 0, "rejected": 0, "flagged": 100}
    assert len(load.issues) == 100 + 14  # the flags, and a warning for each optional field left out
    assert [issue.row_number for issue in load.issues if issue.severity == "flagged"] == list(range(2, 102))
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == 100


def test_a_repeat_in_a_newer_extract_is_rejected_after_the_first_row_updates(
    engine, fixture_mapping, tmp_path, stored, monkeypatch
):
    monkeypatch.setattr(loader_module, "CHUNK_ROWS", 2)
    header = "PersonID,Forename,Surname\n"
    first = tmp_path / "first.csv"
    first.write_text(header + "A1,Ann,One\nB2,Bob,Two\n")
    newer = tmp_path / "newer.csv"
    newer.write_text(header + "A1,Ann,One\nB2,Robert,Two\nC3,Cat,Three\nB2,Bobby,Two\nA1,Annie,One\n")
    ingest_file(engine, fixture_mapping("people"), first)
    load = ingest_file(engine, fixture_mapping("people"), newer)

    assert counts(load) == {"read": 5, "loaded": 1, "updated": 1, "unchanged": 1, "rejected": 2, "flagged": 0}
    records = stored(engine, "test-people")
    assert (records["A1"].forename, records["B2"].forename) == ("Ann", "Robert")
    rejected = [(issue.row_number, issue.value) for issue in load.issues if issue.severity == "rejected"]
    assert rejected == [(5, "B2"), (6, "A1")]
