"""Match runs: incremental by default, full on request, decisions kept, failures harmless."""

from __future__ import annotations

import gc

import pytest
from gazetteer_support import ROWS, write_gazetteer
from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.gazetteer import runs
from joinedup.gazetteer import AddressMatch, MatchRun, decide_address, get_match, load_gazetteer, match_addresses

CLERK = Actor.system("cli", "data.clerk")


def _matches(engine) -> dict[int, AddressMatch]:
    with transaction(engine) as session:
        return {match.source_record_id: match for match in session.scalars(select(AddressMatch))}


@pytest.fixture
def loaded(engine, gazetteer_csv):
    load_gazetteer(engine, gazetteer_csv)
    return engine


def test_a_run_matches_every_record_and_stores_uprn_score_method_and_runner_up(loaded, sources):
    exact = sources.add("housing", "T1", "12 High Street, Old Town, Joinford", "JU1 1AA")
    scored = sources.add("housing", "T2", "Flt 2, 10 High St, Joinfrod", "JU1 1AA")
    tied = sources.add("housing", "T3", "5 Mill Lane, Joinford")
    empty = sources.add("housing", "T4", None)
    run = match_addresses(loaded, address_engine=None)
    assert (run.status, run.records, run.matched, run.ambiguous, run.unmatched) == ("completed", 4, 2, 1, 1)
    matches = _matches(loaded)
    assert (matches[exact].uprn, matches[exact].method, matches[exact].score) == ("110", "exact", 1.0)
    assert (matches[scored].uprn, matches[scored].method, matches[scored].status) == ("102", "probabilistic", "matched")
    assert 0 < matches[scored].score < 1
    assert matches[tied].status == "ambiguous"
    assert {matches[tied].uprn, matches[tied].runner_up_uprn} == {"120", "130"}
    assert matches[tied].runner_up_score is not None
    assert (matches[empty].status, matches[empty].uprn, matches[empty].reason) == ("unmatched", None, "the address is empty")
    assert all(match.run_id == run.id for match in matches.values())


def test_the_runs_summary_adds_up_matched_is_exact_plus_scored_plus_decided(loaded, sources):
    sources.add("housing", "T1", "12 High Street, Old Town, Joinford", "JU1 1AA")
    sources.add("housing", "T2", "Flt 2, 10 High St, Joinfrod", "JU1 1AA")
    sources.add("housing", "T3", "5 Mill Lane, Joinford")
    sources.add("housing", "T4", "Flat 7, 10 High Street, Joinford", "JU1 1AA")
    sources.add("housing", "T5", "5 Mill Lane", "JU3 3DE")
    run = match_addresses(loaded, address_engine=None)
    assert (run.matched, run.ambiguous) == (3, 1)
    assert (run.exact, run.probabilistic, run.manual) == (1, 2, 0)
    assert run.matched == run.exact + run.probabilistic + run.manual
    assert run.records == run.matched + run.ambiguous + run.unmatched + run.out_of_area + run.unmatchable


def test_runs_are_incremental_unless_full(loaded, sources):
    first = sources.add("housing", "T1", "12 High Street", "JU1 1AA")
    run = match_addresses(loaded, address_engine=None)
    assert run.records == 1
    second = sources.add("police", "N1", "Rose Cottage, High St", "JU1 1AB")
    run = match_addresses(loaded, address_engine=None)
    assert run.records == 1
    matches = _matches(loaded)
    assert matches[second].run_id == run.id and matches[first].run_id != run.id
    assert match_addresses(loaded, address_engine=None).records == 0
    full = match_addresses(loaded, full=True, address_engine=None)
    assert (full.records, full.full) == (2, True)


def test_a_record_changed_by_ingest_is_matched_again(loaded, sources):
    record_id = sources.add("housing", "T1", "12 High Street", "JU1 1AA")
    match_addresses(loaded, address_engine=None)
    from joinedup.db import utcnow
    from joinedup.ingest.models import SourceRecord

    with transaction(loaded) as session:
        record = session.get(SourceRecord, record_id)
        record.address_text, record.updated_at = "Flat 1, 10 High Street", utcnow()
    assert match_addresses(loaded, address_engine=None).records == 1
    assert _matches(loaded)[record_id].uprn == "101"


def test_a_run_with_no_gazetteer_fails_with_the_reason(engine, sources):
    sources.add("housing", "T1", "12 High Street", "JU1 1AA")
    run = match_addresses(engine, address_engine=None)
    assert run.status == "failed"
    assert "no gazetteer is loaded" in run.error


class BrokenEngine:
    name = "broken"

    def candidates(self, gazetteer, addresses, *, top=2):
        raise RuntimeError("the engine fell over")


def test_a_failed_run_leaves_earlier_results_intact(loaded, sources):
    kept = sources.add("housing", "T1", "12 High Street", "JU1 1AA")
    match_addresses(loaded, address_engine=None)
    before = _matches(loaded)[kept]
    sources.add("housing", "T2", "99 Nowhere Street, Joinford", "JU1 1AA")
    with pytest.raises(RuntimeError, match="fell over"):
        match_addresses(loaded, full=True, address_engine=BrokenEngine())
    after = _matches(loaded)
    assert list(after) == [kept]
    assert (after[kept].uprn, after[kept].run_id) == (before.uprn, before.run_id)
    with transaction(loaded) as session:
        failed = session.scalars(select(MatchRun).order_by(MatchRun.id.desc())).first()
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "address.match")
                                .order_by(AuditEvent.id.desc())).first()
    assert failed.status == "failed" and "fell over" in failed.error
    assert event.outcome == "failure"


def test_manual_decisions_survive_reruns_reloads_and_reach_new_records_with_the_same_address(
        loaded, sources, tmp_path, gazetteer_csv):
    first = sources.add("police", "N1", "5 Mill Lane, Joinford")
    match_addresses(loaded, address_engine=None)
    with transaction(loaded) as session:
        match_id = _matches(loaded)[first].id
        decide_address(session, CLERK, match_id, action="choose", uprn="130", reason="Called the tenant")
    assert match_addresses(loaded, full=True, address_engine=None).manual == 1
    load_gazetteer(loaded, write_gazetteer(tmp_path / "again.csv", [*ROWS]))
    match_addresses(loaded, full=True, address_engine=None)
    twin = sources.add("police", "N2", "5 MILL LANE, JOINFORD")
    other_source = sources.add("housing", "T9", "5 Mill Lane, Joinford")
    run = match_addresses(loaded, address_engine=None)
    matches = _matches(loaded)
    assert (matches[first].uprn, matches[first].method, matches[first].status) == ("130", "manual", "matched")
    assert (matches[twin].uprn, matches[twin].method) == ("130", "manual")
    assert "Called the tenant" in matches[twin].reason
    assert matches[other_source].status == "ambiguous"
    assert run.manual == 1


def test_a_decision_for_a_retired_uprn_no_longer_applies(loaded, sources, tmp_path):
    record = sources.add("housing", "T1", "12 Hihg Street", "JU1 1AA")
    match_addresses(loaded, address_engine=None)
    with transaction(loaded) as session:
        decide_address(session, CLERK, _matches(loaded)[record].id, action="choose", uprn="110")
    load_gazetteer(loaded, write_gazetteer(tmp_path / "v2.csv", [row for row in ROWS if row[0] != "110"]))
    assert _matches(loaded)[record].needs_rematch
    run = match_addresses(loaded, address_engine=None)
    assert run.records == 1
    assert _matches(loaded)[record].status == "unmatched"


def test_a_records_match_keeps_its_id_across_full_and_incremental_reruns_with_its_values_updated(
        loaded, sources, tmp_path):
    house = sources.add("housing", "T1", "12 High Street", "JU1 1AA")
    cottage = sources.add("police", "N1", "Rose Cottage, High St", "JU1 1AB")
    tied = sources.add("housing", "T2", "5 Mill Lane, Joinford")
    empty = sources.add("housing", "T3", None)
    first = match_addresses(loaded, address_engine=None)
    before = _matches(loaded)
    ids = {record: match.id for record, match in before.items()}
    assert (before[house].uprn, before[cottage].uprn) == ("110", "111")

    from joinedup.db import utcnow
    from joinedup.ingest.models import SourceRecord

    with transaction(loaded) as session:
        record = session.get(SourceRecord, house)
        record.address_text, record.updated_at = "Flat 1, 10 High Street", utcnow()
    newcomer = sources.add("housing", "T4", "7 Mill Lane, Millbrook", "JU2 2BB")
    full = match_addresses(loaded, full=True, address_engine=None)
    after = _matches(loaded)
    assert {record: after[record].id for record in ids} == ids
    assert after[newcomer].id not in ids.values()
    assert (after[house].uprn, after[house].method, after[house].status) == ("101", "exact", "matched")
    assert after[house].normalised.startswith("FLAT 1") and after[house].address_key != before[house].address_key
    assert after[newcomer].uprn == "121"
    for record in (cottage, tied, empty):
        unchanged = (before[record].uprn, before[record].status, before[record].score, before[record].reason)
        assert (after[record].uprn, after[record].status, after[record].score, after[record].reason) == unchanged
    assert all(match.run_id == full.id and match.matched_at > before[cottage].matched_at
               for match in after.values())
    assert first.id != full.id

    load_gazetteer(loaded, write_gazetteer(tmp_path / "v2.csv", [row for row in ROWS if row[0] != "111"]))
    assert _matches(loaded)[cottage].needs_rematch
    incremental = match_addresses(loaded, address_engine=None)
    assert incremental.records == 1
    latest = _matches(loaded)
    assert {record: match.id for record, match in latest.items()} == {**ids, newcomer: after[newcomer].id}
    assert (latest[cottage].status, latest[cottage].uprn, latest[cottage].needs_rematch) == ("unmatched", None, False)
    assert latest[cottage].run_id == incremental.id
    assert all(latest[record].run_id == full.id for record in latest if record != cottage)
    with transaction(loaded) as session:
        assert get_match(session, ids[cottage]).source_record_id == cottage
        assert get_match(session, ids[house]).uprn == "101"


def test_a_run_matches_and_writes_with_the_garbage_collector_paused_and_resumes_it(loaded, sources, monkeypatch):
    sources.add("housing", "T1", "12 High Street, Old Town, Joinford", "JU1 1AA")
    seen = []
    run, write = runs._run, runs._write

    def matching(*args):
        seen.append(("matching", gc.isenabled()))
        return run(*args)

    def writing(*args):
        seen.append(("writing", gc.isenabled()))
        return write(*args)

    monkeypatch.setattr(runs, "_run", matching)
    monkeypatch.setattr(runs, "_write", writing)
    assert match_addresses(loaded, address_engine=None).status == "completed"
    assert seen == [("matching", False), ("writing", False)] and gc.isenabled()
