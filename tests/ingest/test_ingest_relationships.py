"""Relationships a source states between its own records, through a mapping's [relationships].

Rows that share a group value are one household in the source; each row's role says how
it relates to the group's lead. The loader writes one statement per member and lead, in
the load's transaction, and each reload replaces the statements of the records it holds.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.ingest import MappingError, ingest_file, load_mapping
from joinedup.ingest.models import SourceRecord, StatedRelationship

MAPPING = """
[source]
code = "tenancies"
organisation = "HSG"
organisation_type = "housing"
format = "csv"
local_id = "ID"
record_ref = "Tenancy"

[fields]
forename = "First"
surname = "Last"

[relationships]
group = "Tenancy"
role = "Relation"
lead = ["Lead tenant", "Sole tenant"]
unrelated = ["Lodger"]

[relationships.roles]
"Joint tenant" = "partner_of"
"Son" = "child_of"
"Daughter" = "child_of"
"Mother" = "parent_of"
"Grandson" = "cared_for_by"
"""

HEADER = "ID,Tenancy,Relation,First,Last\n"
FIRST = HEADER + (
    "T1,TEN/1,Lead tenant,Ann,Shah\n"
    "T2,TEN/1,Joint tenant,Raj,Shah\n"
    "T3,TEN/1,son,Dev,Shah\n"            # case does not matter
    "T4,TEN/1,Lodger,Sam,Lee\n"          # a member with no relationship to state
    "T5,TEN/1,Stepson,Kit,Lee\n"         # not a role the mapping names: flagged, kept
    "T6,TEN/2,Sole tenant,Mo,Khan\n"
    "T7,TEN/2,Mother,Ida,Khan\n"
    "T8,TEN/3,Daughter,Zoe,Ray\n"        # a group with no lead
    "T9,TEN/4,,Al,Bee\n"                 # no role: states nothing
    "T11,,Son,Ed,Bee\n"                  # a relationship with no group to place it in: flagged
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def statements(engine) -> set[tuple[str, str, str]]:
    with transaction(engine) as session:
        ids = dict(session.execute(select(SourceRecord.id, SourceRecord.local_id)).all())
        return {(ids[s.source_record_id], ids[s.related_record_id], s.kind)
                for s in session.scalars(select(StatedRelationship))}


def test_the_mapping_section_is_read_with_roles_compared_ignoring_case(tmp_path):
    mapping = load_mapping(write(tmp_path, "m.toml", MAPPING))
    stated = mapping.relationships
    assert (stated.group, stated.role) == ("Tenancy", "Relation")
    assert stated.kind_of("Lead tenant") == stated.kind_of("SOLE  TENANT") == "lead"
    assert stated.kind_of(" son ") == "child_of"
    assert stated.kind_of("Lodger") == ""
    assert stated.kind_of("Stepson") is None
    assert load_mapping(write(tmp_path, "plain.toml", MAPPING.split("[relationships]")[0])).relationships is None


@pytest.mark.parametrize(("change", "message"), [
    (('"Son" = "child_of"', '"Son" = "son_of"'),
     r"\[relationships.roles\] 'Son': 'son_of' is not a relationship kind \(expected one of parent_of, child_of, "
     r"carer_of, cared_for_by, partner_of"),
    (('unrelated = ["Lodger"]', 'unrelated = ["Lodger"]\nmembers = "x"'),
     r"\[relationships\]: unknown key 'members'"),
    (('lead = ["Lead tenant", "Sole tenant"]\n', ''), r"\[relationships\]: 'lead' is required"),
    (('lead = ["Lead tenant", "Sole tenant"]', 'lead = []'), r"\[relationships\] lead: must be a role value"),
    (('unrelated = ["Lodger"]', 'unrelated = ["lodger", "son"]'),
     r"\[relationships.roles\] 'Son': the role 'Son' is already named in \[relationships\] unrelated"),
    (('group = "Tenancy"', 'group = "Relation"'), r"'group' and 'role' must be different columns"),
    (('role = "Relation"', ''), r"\[relationships\]: 'role' is required"),
])
def test_a_bad_relationships_section_fails_naming_the_key(tmp_path, change, message):
    old, new = change
    assert old in MAPPING
    with pytest.raises(MappingError, match=message):
        load_mapping(write(tmp_path, "m.toml", MAPPING.replace(old, new)))


def test_a_json_source_names_paths_and_they_are_checked(tmp_path):
    text = MAPPING.replace('format = "csv"', 'format = "jsonl"').replace('group = "Tenancy"', 'group = "tenancy..ref"')
    with pytest.raises(MappingError, match=r"\[relationships\] group: 'tenancy..ref' is not a dotted path"):
        load_mapping(write(tmp_path, "m.toml", text))


def test_members_are_related_to_their_lead_and_unknown_roles_are_flagged(engine, tmp_path):
    mapping = load_mapping(write(tmp_path, "m.toml", MAPPING))
    load = ingest_file(engine, mapping, write(tmp_path, "t.csv", FIRST))
    assert (load.status, load.rows_read, load.rows_loaded, load.rows_rejected) == ("completed", 10, 10, 0)
    assert statements(engine) == {
        ("T2", "T1", "partner_of"), ("T3", "T1", "child_of"), ("T7", "T6", "parent_of"),
    }
    problems = [(i.row_number, i.field, i.severity, i.message, i.value) for i in load.issues]
    assert problems == [
        (6, "relationship", "flagged",
         "is not a role the mapping's [relationships] names, so no relationship was recorded", "Stepson"),
        (11, "relationship", "flagged",
         "states a relationship, but its group ('Tenancy') is empty, so it cannot be recorded", "Son"),
        # Known only once the whole file is read, so reported after the rows' flags.
        (9, "relationship", "warning", "its group has no lead, so its relationship was not recorded", "TEN/3"),
    ]
    assert load.rows_flagged == 2
    with transaction(engine) as session:
        kept = session.scalar(select(SourceRecord).where(SourceRecord.local_id == "T5"))
        assert kept.forename == "Kit"
        assert kept.flags == [{"field": "relationship", "problem": problems[0][3], "value": "Stepson"}]
        assert {s.load_id for s in session.scalars(select(StatedRelationship))} == {load.id}
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "ingest.load")).one()
        details = event.details if isinstance(event.details, dict) else json.loads(event.details)
        assert details["relationships_stated"] == 3


def test_a_reload_replaces_the_statements_of_the_records_it_holds(engine, tmp_path):
    mapping = load_mapping(write(tmp_path, "m.toml", MAPPING))
    ingest_file(engine, mapping, write(tmp_path, "t.csv", FIRST))
    again = ingest_file(engine, mapping, write(tmp_path, "t.csv", FIRST))
    assert again.rows_unchanged == 10
    assert len(statements(engine)) == 3, "an unchanged reload states the same, once"
    # The son has left the tenancy, the joint tenant is now the lead's son, and TEN/3 has its lead.
    second = HEADER + (
        "T1,TEN/1,Lead tenant,Ann,Shah\n"
        "T2,TEN/1,Son,Raj,Shah\n"
        "T8,TEN/3,Daughter,Zoe,Ray\n"
        "T10,TEN/3,Lead tenant,Eve,Ray\n"
    )
    ingest_file(engine, mapping, write(tmp_path, "t2.csv", second))
    assert statements(engine) == {
        ("T2", "T1", "child_of"),       # restated
        ("T8", "T10", "child_of"),      # the group's lead arrived
        ("T7", "T6", "parent_of"),      # TEN/2 was not in the file: its statements stand
    }


def test_a_group_recorded_with_two_leads_relates_members_to_each(engine, tmp_path):
    mapping = load_mapping(write(tmp_path, "m.toml", MAPPING))
    text = HEADER + "A1,TEN/9,Lead tenant,Ann,Ng\nA2,TEN/9,Lead tenant,Anne,Ng\nA3,TEN/9,Grandson,Tom,Ng\n"
    load = ingest_file(engine, mapping, write(tmp_path, "t.csv", text))
    assert statements(engine) == {("A3", "A1", "cared_for_by"), ("A3", "A2", "cared_for_by")}
    assert [(i.row_number, i.severity, i.value) for i in load.issues] == [(3, "warning", "TEN/9")]


def test_a_failed_load_leaves_the_statements_as_they_were(engine, tmp_path):
    mapping = load_mapping(write(tmp_path, "m.toml", MAPPING))
    ingest_file(engine, mapping, write(tmp_path, "t.csv", FIRST))
    before = statements(engine)
    failed = ingest_file(engine, mapping, write(tmp_path, "bad.csv", "Tenancy,Relation\nTEN/1,Son\n"))
    assert failed.status == "failed"
    assert statements(engine) == before


def test_relationships_load_from_json_lines_by_path(engine, tmp_path):
    text = (MAPPING.replace('format = "csv"', 'format = "jsonl"')
            .replace('local_id = "ID"', 'local_id = "id"').replace('record_ref = "Tenancy"', '')
            .replace('forename = "First"', 'forename = "name.given"').replace('surname = "Last"', '')
            .replace('group = "Tenancy"', 'group = "household.id"').replace('role = "Relation"', 'role = "household.role"'))
    rows = [
        {"id": "J1", "name": {"given": "Ann"}, "household": {"id": 7, "role": "Lead tenant"}},
        {"id": "J2", "name": {"given": "Bo"}, "household": {"id": 7, "role": "Daughter"}},
        {"id": "J3", "name": {"given": "Cy"}, "household": {"id": 8, "role": {"not": "a value"}}},
    ]
    path = write(tmp_path, "t.jsonl", "".join(json.dumps(row) + "\n" for row in rows))
    load = ingest_file(engine, load_mapping(write(tmp_path, "m.toml", text)), path)
    assert load.status == "completed", load.error
    assert statements(engine) == {("J2", "J1", "child_of")}
    assert [(i.row_number, i.field, i.severity) for i in load.issues] == [(3, "relationship", "flagged")]


def test_a_file_without_the_role_column_fails_unless_relationships_are_optional(engine, tmp_path):
    mapping = load_mapping(write(tmp_path, "tenancies.toml", MAPPING))
    assert ingest_file(engine, mapping, write(tmp_path, "first.csv", FIRST)).status == "completed"
    before = statements(engine)
    assert before
    without_roles = "ID,Tenancy,First,Last\nT1,TEN/1,Ann,Shah\nT2,TEN/1,Raj,Shah\n"

    failed = ingest_file(engine, mapping, write(tmp_path, "second.csv", without_roles))
    assert failed.status == "failed"
    assert failed.error.startswith("the file has no column 'Relation', which the mapping names as [relationships]")
    assert statements(engine) == before

    optional = load_mapping(write(tmp_path, "optional.toml", MAPPING.replace(
        'unrelated = ["Lodger"]', 'unrelated = ["Lodger"]\noptional = true')))
    kept = ingest_file(engine, optional, write(tmp_path, "third.csv", without_roles))
    assert kept.status == "completed"
    assert [issue.message for issue in kept.issues if issue.severity == "warning"] == [
        "the file has no column 'Relation', which the mapping marks optional: the relationships stated by earlier "
        "loads are kept"]
    assert statements(engine) == before
