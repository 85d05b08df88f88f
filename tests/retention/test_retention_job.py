"""The retention job on both stores: what is past the retention period of every agreement
it came under is deleted, with its person brought in line and each deletion recorded;
what cannot be worked out is kept; a dry run changes nothing; the log still verifies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import organisation, person_of, source_record, source_system
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.audit import Actor, AuditEvent
from joinedup.audit.checkpoints import load_signer
from joinedup.audit.log import make_checkpoint, stored_checkpoints
from joinedup.audit.verify import verify_log
from joinedup.cli import app
from joinedup.db import transaction
from joinedup.ingest.models import IngestLoad, SourceRecord
from joinedup.people.models import Person
from joinedup.retention import run_retention
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.models import SharingDecision
from joinedup.sharing.rules import create_agreement, set_status, sign
from joinedup.store import initialise

TODAY = date(2026, 12, 2)
DATA_TEAM = Actor(username="dana.data", roles=frozenset({"data_team"}), channel="cli")


def _agreement(session, code, parties, retention):
    """``parties`` provide; the council (LA) only receives."""
    version = create_agreement(session, DATA_TEAM, code, f"Agreement {code}",
                               parties=[{"organisation": party, "provides": True, "receives": True} for party in parties]
                               + [{"organisation": "LA", "provides": False, "receives": True}],
                               datasets={"early_help": ["identity"]}, lawful_basis={"article6": ["6(1)(e) public task"]},
                               retention=retention)
    for party in [*parties, "LA"]:
        sign(session, DATA_TEAM, version, organisation=party, name=f"Signatory {party}")
    set_status(session, DATA_TEAM, version, "active")


def _record(session, system, local_id, loaded_on, **values):
    load = IngestLoad(source_system_id=system.id, file_name=f"{local_id}.csv",
                      started_at=datetime.combine(loaded_on, datetime.min.time(), tzinfo=UTC), status="loaded")
    session.add(load)
    session.flush()
    return source_record(session, system, local_id, last_load_id=load.id, first_load_id=load.id, **values)


@pytest.fixture
def place(engine):
    """Police (6 years), children's social care (until 25, and police's agreement too),
    a voluntary group under an unread period, and housing under no agreement."""
    with transaction(engine) as session:
        owners = {code: organisation(session, code, code, "council") for code in ("POL", "CSC", "VCS", "HSG", "LA")}
        systems = {code: source_system(session, code.lower(), code, owner) for code, owner in owners.items()
                   if code != "LA"}
        ensure_catalogue(session, DATA_TEAM)
        _agreement(session, "POL-ISA", ["POL", "CSC"], "6 years")
        _agreement(session, "CSC-ISA", ["CSC"], "Until the child is 25")
        _agreement(session, "VCS-ISA", ["VCS"], "As long as it is useful")
        old = _record(session, systems["POL"], "P-OLD", date(2019, 6, 1), forename="Ann", surname="Old",
                      date_of_birth=date(1980, 1, 1))
        recent = _record(session, systems["POL"], "P-NEW", date(2024, 6, 1), forename="Ann", surname="Old",
                         date_of_birth=date(1980, 1, 1))
        alone = _record(session, systems["POL"], "P-ALONE", date(2018, 1, 1), forename="Bo", surname="Gone")
        grown = _record(session, systems["CSC"], "C-GROWN", date(2010, 1, 1), forename="Cy", surname="Grown",
                        date_of_birth=date(1995, 5, 5))
        child = _record(session, systems["CSC"], "C-CHILD", date(2010, 1, 1), forename="Di", surname="Young",
                        date_of_birth=date(2012, 5, 5))
        unread = _record(session, systems["VCS"], "V-1", date(2001, 1, 1), forename="Ed", surname="Kept")
        housing = _record(session, systems["HSG"], "H-1", date(2001, 1, 1), forename="Fi", surname="Own")
        ann = person_of(session, "PANN0000001", [old.id, recent.id])
        bo = person_of(session, "PBO00000001", [alone.id])
        session.add(SharingDecision(username="sam", person_id="PBO00000001", record_id=alone.id, action="person.view",
                                    outcome="shared", fields=["forename"]))
        ids = {"old": old.id, "recent": recent.id, "alone": alone.id, "grown": grown.id, "child": child.id,
               "unread": unread.id, "housing": housing.id, "ann": ann.id, "bo": bo.id}
    return ids


def _left(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(SourceRecord.local_id)).scalars())


def test_a_dry_run_lists_what_would_go_and_changes_nothing(engine, place):
    with transaction(engine) as session:
        plan = run_retention(session, DATA_TEAM, today=TODAY, log_years=8, dry_run=True)
    assert sorted(due.local_id for due in plan.due) == ["C-GROWN", "P-ALONE", "P-OLD"]
    assert plan.due_by_source == {"pol": 2, "csc": 1}
    grown = next(due for due in plan.due if due.local_id == "C-GROWN")
    assert (grown.expired_on, grown.agreement) == (date(2020, 5, 5), "CSC-ISA v1"), \
        "under two agreements a record is kept until the later one runs out (25th birthday, not 2016)"
    assert (plan.kept_unread, plan.under_no_agreement) == (1, 1)
    assert [term.agreement for term in plan.unread] == ["VCS-ISA v1"]
    assert len(_left(engine)) == 7
    with transaction(engine) as session:
        run = session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.run"))
        assert run.details["dry_run"] is True and run.details["records_due"] == 3


def test_a_run_deletes_what_is_due_and_brings_persons_in_line(engine, place):
    with transaction(engine) as session:
        plan = run_retention(session, DATA_TEAM, today=TODAY, log_years=8)
    assert (plan.erased.records, plan.erased.persons_rebuilt, plan.erased.persons_retired) == (3, 1, 1)
    assert _left(engine) == {"P-NEW", "C-CHILD", "V-1", "H-1"}
    with transaction(engine) as session:
        ann, bo = session.get(Person, place["ann"]), session.get(Person, place["bo"])
        assert ann.record_count == 1 and ann.retired_at is None and ann.forename == "Ann"
        assert bo.retired_at is not None and bo.golden == {} and bo.forename is None and bo.surname is None
        erased = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.erase")).all()
        assert sorted(int(event.subject_id) for event in erased) == sorted([place["old"], place["alone"],
                                                                            place["grown"]])
        assert all("Ann" not in str(event.details) for event in erased), "ids and the agreement, never content"
        decision = session.scalar(select(SharingDecision).where(SharingDecision.person_id == "PBO00000001"))
        assert decision.record_id == place["alone"], "a logged decision keeps the deleted record's id"
    with transaction(engine) as session:
        again = run_retention(session, DATA_TEAM, today=TODAY, log_years=8)
    assert again.due_count == 0


def test_the_log_verifies_after_records_are_deleted_and_old_entries_withheld(engine, place, tmp_path):
    signer = load_signer(tmp_path / "audit.key", "hub.example.org/audit")
    make_checkpoint(engine, signer)
    with transaction(engine) as session:
        run_retention(session, DATA_TEAM, today=date(2040, 1, 1), log_years=8)
    make_checkpoint(engine, signer)
    with engine.connect() as connection:
        kept = stored_checkpoints(connection, signer.verifier)
        result = verify_log(connection, kept[-1].checkpoint, kept=kept)
        remaining = connection.execute(select(func.count()).select_from(SharingDecision)).scalar_one()
    assert result.ok, result.failures
    assert result.withheld > 0 and remaining == 0, "in 2040 everything logged in 2026 is past 8 years"


def test_the_cli_dry_run_says_what_it_would_do_and_names_an_unread_period(settings):
    engine = initialise(settings)
    with transaction(engine) as session:
        for code in ("VCS", "LA"):
            organisation(session, code, code, "council")
        ensure_catalogue(session, DATA_TEAM)
        _agreement(session, "VCS-ISA", ["VCS"], "As long as it is useful")
    engine.dispose()
    result = CliRunner().invoke(app, ["retention", "run", "--dry-run", "--today", "2026-12-02"])
    assert result.exit_code == 0, result.output
    assert "0 would be deleted" in result.output
    assert "VCS-ISA v1's retention" in result.output and "cannot be read" in result.output
    refused = CliRunner().invoke(app, ["retention", "run", "--today", "2 December"])
    assert refused.exit_code == 1 and "is not a date" in refused.output
