"""Directories loaded from a file, and involvements read from extracts: bad rows are
refused with the row and field named, and the rest kept."""

from __future__ import annotations

from datetime import date

import pytest
from involvement_support import SYSTEM
from sqlalchemy import select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.errors import Forbidden, Refusal
from joinedup.ingest import sections
from joinedup.ingest.mapping import MappingError, load_mapping, parse_mapping
from joinedup.ingest.models import SourceRecord
from joinedup.involvements import (
    Involvement,
    Worker,
    index_involvements,
    load_directory,
)

HEADER = "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"


def test_a_directory_keeps_good_rows_and_names_each_bad_one(world):
    text = HEADER + (
        "Child Protection Team,0306 999 0100,,,Ada Lovelace,allocated_social_worker,0306 999 0101,ada.lovelace@csc.example\n"
        ",,,,No Team,key_worker,,no.team@csc.example\n"
        "Child Protection Team,,,,Wrong Role,chief_wizard,,wrong.role@csc.example\n"
        "Child Protection Team,,,,No Mail,key_worker,,not-an-address\n"
        "Child Protection Team,,,,Twice,key_worker,,ada.lovelace@csc.example\n"
        "Secret Team,,,made_up,Gil Ross,key_worker,,gil@csc.example\n"
        "Leaving Care Team,0306 999 0150,,,Fay Wu,key_worker,call me,fay.wu@csc.example\n"
        "Leaving Care Team,0306 999 0150,,,Hal Ek,key_worker,0306 999 0151,hal.ek@csc.example\n"
    )
    with transaction(world.engine) as session:
        report = load_directory(session, SYSTEM, "CSC", text)
        workers = {worker.secure_email: worker for worker in session.scalars(
            select(Worker).where(Worker.organisation_id == world.orgs["CSC"]))}
    assert [(refused.row, refused.field) for refused in report.refused] == [
        (3, "team"), (4, "role"), (5, "secure_email"), (6, "secure_email"), (7, "sensitive_category"), (8, "phone")]
    assert "chief_wizard" in report.refused[1].reason
    assert workers["hal.ek@csc.example"].active and workers["ada.lovelace@csc.example"].active
    # Ben Ng is no longer in the file: kept, but no longer active.
    assert not workers["ben.ng@csc.example"].active and report.no_longer_active == 1


def test_a_directory_without_its_columns_is_refused_naming_them(world):
    with transaction(world.engine) as session, pytest.raises(Refusal, match="secure_email") as refused:
        load_directory(session, SYSTEM, "CSC", "team,worker,role\nA,B,key_worker\n")
    assert refused.value.field == "file"


def test_a_directory_of_an_unknown_organisation_is_refused_naming_it(world):
    with transaction(world.engine) as session, pytest.raises(Refusal, match="There is no organisation NOPE") as refused:
        load_directory(session, SYSTEM, "NOPE", HEADER + "Lost Team,,,,Zed Nowhere,key_worker,,zed@nope.example\n")
    assert refused.value.field == "organisation"
    with transaction(world.engine) as session:
        assert session.scalar(select(Worker).where(Worker.secure_email == "zed@nope.example")) is None


def test_only_the_organisations_administrator_keeps_its_directory(world):
    with transaction(world.engine) as session:
        with pytest.raises(Forbidden):
            load_directory(session, world.actor("CSC", "practitioner"), "CSC", HEADER)
        with pytest.raises(Forbidden):
            load_directory(session, world.actor("EDU", "admin"), "CSC", HEADER)
        report = load_directory(session, world.actor("CSC", "admin"), "CSC", DIRECTORY_AGAIN)
        assert report.workers == 2
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.load",
                                                       AuditEvent.actor == "csc.admin")) is not None


DIRECTORY_AGAIN = HEADER + (
    "Child Protection Team,,,,Ada Lovelace,allocated_social_worker,,ada.lovelace@csc.example\n"
    "Child Protection Team,,,,Ben Ng,allocated_social_worker,,ben.ng@csc.example\n"
)


def test_extract_rows_become_involvements_of_the_source_organisation(world):
    with transaction(world.engine) as session:
        found = session.scalar(select(Involvement).where(Involvement.source_record_id == world.records["csc"]))
        assert (found.role, found.source, found.status, found.starts_on) == (
            "allocated_social_worker", "extract", "current", date(2025, 3, 1))
        assert found.worker.secure_email == "ada.lovelace@csc.example"  # matched without regard to case
        assert found.organisation_id == world.orgs["CSC"]
        again = index_involvements(session, SYSTEM, load_mapping("csc"), today=date(2026, 1, 1))
    assert (again.created, again.updated, again.unchanged, again.refused) == (0, 0, 1, [])


@pytest.mark.parametrize("chunk", [sections.CHUNK, 2])
def test_bad_extract_rows_are_refused_with_the_field_named_and_the_rest_kept(world, chunk, monkeypatch):
    """Whether the rows are read (and written) in one chunk or in several."""
    monkeypatch.setattr(sections, "CHUNK", chunk)
    with transaction(world.engine) as session:
        system_id = session.scalar(select(SourceRecord.source_system_id).where(SourceRecord.id == world.records["csc"]))
        session.add_all([
            SourceRecord(source_system_id=system_id, local_id="C2", row_hash="c2",
                         facts={"worker_team": "Child Protection Team", "worker_email": "stranger@csc.example"}),
            SourceRecord(source_system_id=system_id, local_id="C3", row_hash="c3",
                         facts={"worker_team": "Child Protection Team", "worker_email": "ben.ng@csc.example",
                                "referral_date": "2025-05-01", "case_closed": "2025-04-01"}),
            SourceRecord(source_system_id=system_id, local_id="C4", row_hash="c4",
                         facts={"worker_team": "Nowhere Team"}),
            SourceRecord(source_system_id=system_id, local_id="C5", row_hash="c5",
                         facts={"worker_team": "Child Protection Team", "referral_date": "soon"}),
            SourceRecord(source_system_id=system_id, local_id="C6", row_hash="c6",
                         facts={"worker_team": "Child Protection Team", "worker_email": "ben.ng@csc.example",
                                "referral_date": "2025-01-01", "case_closed": "2025-09-01"}),
        ])
        session.flush()
        report = index_involvements(session, SYSTEM, load_mapping("csc"), today=date(2026, 1, 1))
        ended = session.scalar(select(Involvement).join(SourceRecord, SourceRecord.id == Involvement.source_record_id)
                               .where(SourceRecord.local_id == "C6"))
    assert sorted((refused.row, refused.field) for refused in report.refused) == [
        ("C2", "worker_email"), ("C3", "case_closed"), ("C4", "worker_team"), ("C5", "referral_date")]
    assert report.created == 1 and (ended.status, ended.ends_on) == ("ended", date(2025, 9, 1))


def test_a_row_that_no_longer_names_anyone_ends_its_involvement(world):
    with transaction(world.engine) as session:
        row = session.get(SourceRecord, world.records["csc"])
        row.facts = {**row.facts, "worker_team": "", "worker_email": "", "case_closed": "2025-12-20"}
        report = index_involvements(session, SYSTEM, load_mapping("csc"), today=date(2026, 1, 1))
        found = session.scalar(select(Involvement).where(Involvement.source_record_id == row.id))
    assert report.ended == 1 and (found.status, found.ends_on) == ("ended", date(2025, 12, 20))


@pytest.mark.parametrize(("section", "problem"), [
    ({"role": "wizard", "team": "team"}, "'wizard' is not a role"),
    ({"role": "gp", "team": "nope"}, "'nope' is not a fact"),
    ({"role": "gp"}, "name the fact holding the team or the worker"),
    ({"role": "gp", "team": "team", "contact": "pigeon"}, "not a contact route"),
    ({"role": "gp", "team": "team", "colour": "red"}, "unknown key 'colour'"),
])
def test_a_mapping_involvements_section_is_checked(section, problem):
    document = {"source": {"code": "x", "organisation": "X", "format": "csv", "local_id": "ID"},
                "facts": {"team": "Team"}, "involvements": section}
    with pytest.raises(MappingError, match=problem):
        parse_mapping(document, origin="x.toml")
