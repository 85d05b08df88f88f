"""The data-quality report, the household view (under access control) and the export."""

from __future__ import annotations

import csv
import io

import pytest
from decisions import per_record
from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.gazetteer import ANOMALY_KINDS, load_gazetteer, match_addresses, quality_report, quality_report_csv
from joinedup.disclosure import EXPORT_COLUMNS, export_addresses, household_at
from joinedup.disclosure.addresses import disclose_anomalies
from joinedup.ingest.models import SourceRecord

DATA_TEAM = Actor(username="dana", roles=frozenset({"data_team"}), channel="cli")


@pytest.fixture
def matched(engine, gazetteer_csv, sources):
    load_gazetteer(engine, gazetteer_csv)
    sources.add("housing", "T1", "12 High Street", "JU1 1AA", surname="Shah", forename="Amir")
    sources.add("housing", "T2", "12 High Street", "JU1 1AD", surname="Shah", forename="Leila")  # another street's postcode
    sources.add("housing", "T3", "3 School Road", "JU1 1AD")                    # the care home
    sources.add("housing", "T4", "2 Boundary Road, Ashby Marsh", "JU4 4DD")     # outside, postcode straddles
    sources.add("police", "N1", "12 High Street", "JU1 1AA", record_ref="22/1", surname="Shah")
    sources.add("police", "N1", "Flat 1, 10 High Street", "JU1 1AA", record_ref="23/9", surname="Shah")
    sources.add("police", "N2", "5 Mill Lane, Joinford", record_ref="23/5")     # ambiguous, no postcode
    sources.add("police", "N3", "1 Rue Lepic, Paris, France", "75018", record_ref="23/6")
    match_addresses(engine, address_engine=None)
    return engine


def test_the_report_counts_each_source_and_all(matched):
    with transaction(matched) as session:
        report = quality_report(session)
    by_source = {figures.source: figures for figures in report.sources}
    housing, police = by_source["housing"], by_source["police"]
    assert (housing.records, housing.matched, housing.ambiguous, housing.unmatched) == (4, 4, 0, 0)
    assert (police.records, police.matched, police.ambiguous, police.unmatched) == (4, 2, 1, 1)
    assert (report.overall.records, report.overall.matched) == (8, 6)
    assert report.match_rate_by_source == [("housing", 1.0), ("police", 0.5)]
    with transaction(matched) as session:
        only = quality_report(session, source_code="police")
    assert [figures.source for figures in only.sources] == ["police"]


def test_the_boundary_is_counted_by_postcode_before_and_by_uprn_after(matched):
    with transaction(matched) as session:
        housing = next(f for f in quality_report(session).sources if f.source == "housing")
    # 2 Boundary Road's postcode also covers 1 Boundary Road, inside: by postcode it is inside.
    assert (housing.before.inside, housing.before.outside, housing.before.unknown) == (4, 0, 0)
    assert (housing.after.inside, housing.after.outside, housing.after.unknown) == (3, 1, 0)


def test_anomalies_name_the_record_and_why(matched):
    with transaction(matched) as session:
        report = quality_report(session)
    kinds = {(a.kind, a.source, a.local_id, a.record_ref) for a in report.anomalies}
    assert ("postcode_mismatch", "housing", "T2", "") in kinds
    assert ("non_residential", "housing", "T3", "") in kinds
    assert {("conflicting_addresses", "police", "N1", "22/1"), ("conflicting_addresses", "police", "N1", "23/9")} <= kinds
    assert report.anomaly_counts == {"postcode_mismatch": 1, "conflicting_addresses": 2, "non_residential": 1}
    text = quality_report_csv(report)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"section", "source", "measure", "value", "local_id", "uprn", "detail"} <= set(rows[0])
    assert {"summary", "anomaly"} == {row["section"] for row in rows}
    matched_all = next(row for row in rows if row["section"] == "summary" and row["source"] == "" and row["measure"] == "matched")
    assert matched_all["value"] == "6"
    assert "Shah" not in text


def test_the_household_shows_only_what_the_sharing_decision_allows(matched, sources):
    housing_officer = Actor(user_id=None, username="harry", organisation_id=sources.organisations["housing"],
                            roles=frozenset({"practitioner"}), channel="web")
    with transaction(matched) as session:
        household = household_at(session, housing_officer, "110")
        assert household.address.single_line.startswith("12 High Street")
        assert [(r.fields["local_id"], r.fields["surname"]) for r in household.records] == [("T1", "Shah"), ("T2", "Shah")]
        named = household_at(session, housing_officer, "111")
        assert [a.lpi_status for a in [named.address, *named.alternatives]] == ["approved", "alternative"]
        nobody = household_at(session, Actor(channel="web"), "110")
        assert nobody.records == [] and nobody.address is not None
    outcomes = sorted(event.outcome for event in per_record(matched, "household.view"))
    assert outcomes.count("denied") >= 3 and outcomes.count("allowed") == 2


def test_the_export_has_one_row_per_record(matched, tmp_path):
    out = tmp_path / "addresses.csv"
    with transaction(matched) as session:
        assert export_addresses(session, out, actor=DATA_TEAM) == 8
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    by_key = {(row["source"], row["local_id"], row["record_ref"]): row for row in rows}
    assert by_key[("housing", "T1", "")]["uprn"] == "110"
    assert by_key[("housing", "T1", "")]["method"] in {"exact", "probabilistic"}
    ambiguous = by_key[("police", "N2", "23/5")]
    assert (ambiguous["uprn"], ambiguous["status"]) == ("", "ambiguous")
    abroad = by_key[("police", "N3", "23/6")]
    assert (abroad["uprn"], abroad["status"]) == ("", "unmatched")
    # Each row says why, in the words the review queue shows (docs/gazetteer.md, "The export").
    assert abroad["reason"] and ambiguous["reason"].startswith(("2 addresses fit", "3 addresses fit")), ambiguous
    assert by_key[("housing", "T1", "")]["reason"]


def test_the_export_decides_and_audits_every_record(matched, tmp_path):
    with transaction(matched) as session:
        export_addresses(session, tmp_path / "addresses.csv", actor=DATA_TEAM)
        record_ids = set(session.scalars(select(SourceRecord.id)))
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "address.export")).all()
    decisions = per_record(matched, "address.export")
    assert {int(event.subject_id) for event in decisions} == record_ids and len(decisions) == len(record_ids)
    assert {(event.outcome, event.actor, event.channel) for event in decisions} == {("allowed", "dana", "cli")}
    assert {tuple(event.details["policy_ids"]) for event in decisions} == {("address-data-quality",)}
    # The fields shown: only address fields, those each record holds (docs/sharing.md).
    assert all({"source", "local_id", "address_text"} <= set(event.details["fields"])
               <= {"address_text", "local_id", "postcode", "record_ref", "source"} for event in decisions)
    (summary,) = [event for event in events if event.subject_type == "address_matches"]
    assert summary.details["rows"] == 8


def test_without_the_data_team_role_the_export_has_no_other_agencys_rows(matched, sources, tmp_path):
    out = tmp_path / "addresses.csv"
    officer = Actor(username="harry", organisation_id=sources.organisations["housing"], roles=frozenset({"practitioner"}), channel="cli")
    with transaction(matched) as session:
        assert export_addresses(session, out, actor=officer) == 4
    denied = [event for event in per_record(matched, "address.export") if event.outcome == "denied"]
    assert {row["source"] for row in csv.DictReader(out.open(encoding="utf-8"))} == {"housing"}
    assert len(denied) == 4
    with transaction(matched) as session:
        assert export_addresses(session, out, actor=Actor(username="nobody", channel="cli")) == 0
    assert out.read_text().splitlines() == [",".join(EXPORT_COLUMNS)]


def test_anomaly_rows_pass_the_sharing_decision(matched, sources):
    with transaction(matched) as session:
        report = quality_report(session)
        shown = disclose_anomalies(session, DATA_TEAM, report.anomalies, action="address.report")
        assert shown == report.anomalies
        officer = Actor(username="harry", organisation_id=sources.organisations["housing"], channel="web",
                        roles=frozenset({"practitioner"}))
        own = disclose_anomalies(session, officer, report.anomalies, action="address.report")
        assert {anomaly.source for anomaly in own} == {"housing"}
    events = per_record(matched, "address.report")
    assert {event.outcome for event in events} == {"allowed", "denied"}
    assert len(events) == 2 * len({anomaly.record_id for anomaly in report.anomalies})
    assert set(report.anomaly_counts) == set(ANOMALY_KINDS)
