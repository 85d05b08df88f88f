"""Who has seen my record and the subject access export, against the domain on both
databases: names hidden until the IG lead shows them (audited), the system's processing
explained, holds keeping entries back until their day, other people redacted, and the
one-month clock."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from factories import person_of, source_record
from pypdf import PdfReader
from sqlalchemy import delete, select
from transparency_support import AVA, TOM

from joinedup.accounts import change_roles, roles_held
from joinedup.audit import Actor, AuditEvent
from joinedup.audit.checkpoints import load_signer
from joinedup.audit.log import check_receipt, make_checkpoint
from joinedup.db import transaction
from joinedup.disclosure.core import disclose, load_records
from joinedup.errors import Conflict, Forbidden, NotFound, Refusal
from joinedup.flags import FlagTerms, record_flag
from joinedup.ingest.models import SourceRecord
from joinedup.involvements import Involvement
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing import (
    InvolvementSubject,
    decide_involvement_access,
    decide_record_access,
)
from joinedup.sharing.models import SharingDecision
from joinedup.transparency import (
    access_report,
    access_report_pdf,
    add_months,
    due_on,
    entry_receipt,
    extended_due_on,
    move_request,
    record_hold,
    record_request,
    requests_by_due,
    subject_access_export,
)

TODAY = date.today()


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.outcome == "success")))


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


# --------------------------------------------------------------------------- the one-month clock

@pytest.mark.parametrize(("received", "due"), [
    (date(2026, 1, 31), date(2026, 2, 28)),
    (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 9, 3), date(2026, 10, 3)),
    (date(2026, 12, 31), date(2027, 1, 31)),
])
def test_a_request_is_due_one_calendar_month_after_it_was_received(received, due):
    assert due_on(received) == due


def test_an_extension_gives_two_further_months_at_most():
    assert extended_due_on(date(2026, 1, 31)) == date(2026, 4, 30)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


# --------------------------------------------------------------------------- who has seen my record

def test_staff_are_a_role_and_an_organisation_by_default(world):
    with transaction(world.engine) as session:
        report = access_report(session, world.ig_lead, AVA)
        assert not report.names_shown
        who = {entry.who for entry in report.entries}
        assert "Practitioner at Joinford Children's Services" in who
        assert "Practitioner at Joinford Police" in who
        assert not any("Sam Socialworker" in entry.who or "Pete" in entry.who for entry in report.entries)
        seen = [entry for entry in report.entries if entry.kind == "access"]
        assert {entry.organisation for entry in seen} == {"Joinford Children's Services", "Joinford Police"}
        assert all(entry.purpose == "" or entry.purpose for entry in seen)
        (event,) = _events(session, "transparency.report.view")
        assert (event.subject_id, event.user_id) == (AVA, world.ig_lead.user_id)


def test_each_access_names_the_role_its_user_held_then_not_now(world):
    """Pete read Ava's record as a police practitioner; he is later made a trainer. The
    report, and the subject access export, still say a practitioner read it."""
    admin = Actor(username="root", roles=frozenset({"admin"}), channel="cli")
    with transaction(world.engine) as session:
        change_roles(session, admin, "pete.police", ["trainer"], "Moved to the training team")
    with transaction(world.engine) as session:
        who = {entry.who for entry in access_report(session, world.ig_lead, AVA).entries}
        assert "Practitioner at Joinford Police" in who and "Trainer at Joinford Police" not in who
        assert roles_held(session, {world.police.user_id}).current[world.police.user_id] == ("trainer",)
        request = record_request(session, world.ig_lead, AVA, TODAY)
        _name, data = subject_access_export(session, world.ig_lead, request.id)
    decisions = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("sharing_decisions.json"))
    police = [decision["by"] for decision in decisions if "Joinford Police" in decision["by"]]
    assert police and set(police) == {"Practitioner at Joinford Police"}


def test_the_ig_lead_shows_staff_names_only_with_a_reason_and_it_is_audited(world):
    with transaction(world.engine) as session:
        with pytest.raises(Refusal) as refused:
            access_report(session, world.ig_lead, AVA, show_names_because="  ")
        assert refused.value.field == "reason"
        report = access_report(session, world.ig_lead, AVA, show_names_because="The person asked who at the police")
        assert report.names_shown
        assert "Pete Constable, Practitioner at Joinford Police" in {entry.who for entry in report.entries}
        (event,) = _events(session, "transparency.names.reveal")
        assert event.reason == "The person asked who at the police"
        assert not _events(session, "transparency.report.view")


def test_only_the_ig_lead_reads_the_report(world):
    with transaction(world.engine) as session, pytest.raises(Forbidden):
        access_report(session, world.social, AVA)


def test_the_systems_own_processing_is_listed_and_explained(world):
    with transaction(world.engine) as session:
        report = access_report(session, world.ig_lead, AVA)
    system = [entry for entry in report.entries if entry.kind == "system"]
    whats = " ".join(entry.what for entry in system)
    assert "never what an agency recorded about you" in whats  # the data team's index check
    assert "Received your record from Joinford Police's Police records" in whats  # ingest
    assert all(entry.who.startswith("JoinedUp (automatic processing)") for entry in system)


def test_a_decision_belongs_to_whoever_holds_the_record_now(world):
    """Issue 14: "every access and disclosure about one person". A record read before it
    was linked is the person's once linked; one split away takes its reads with it."""
    with transaction(world.engine) as session:
        csc_sys = session.scalar(select(SourceSystem).where(SourceSystem.code == "csc"))
        late = source_record(session, csc_sys, "C9", forename="Ava", surname="Stone", date_of_birth=date(2015, 4, 1))
        disclose(session, world.social, load_records(session, [late.id]), action="record.view")
        unlinked = session.scalar(select(SharingDecision.id).where(SharingDecision.record_id == late.id))
        police_reads = set(session.scalars(select(SharingDecision.id).where(
            SharingDecision.record_id == world.ava_records[1], SharingDecision.outcome == "shared")))
        assert session.scalar(select(SharingDecision.person_id).where(SharingDecision.id == unlinked)) is None
        assert police_reads
    with transaction(world.engine) as session:
        assert f"sharing_decisions:{unlinked}" not in {entry.source for entry in
                                                       access_report(session, world.ig_lead, AVA).entries}
        ava = session.scalar(select(Person).where(Person.person_id == AVA))
        session.add(PersonRecord(source_record_id=late.id, person_id=ava.id))  # linked since
        # The police's record was Ava's when read, and is split away to a person of its own.
        session.execute(delete(PersonRecord).where(PersonRecord.source_record_id == world.ava_records[1]))
        person_of(session, "PAVB0000001", [world.ava_records[1]])
    with transaction(world.engine) as session:
        sources = {entry.source for entry in access_report(session, world.ig_lead, AVA).entries}
        split_off = {entry.source for entry in access_report(session, world.ig_lead, "PAVB0000001").entries}
    assert f"sharing_decisions:{unlinked}" in sources
    assert not {f"sharing_decisions:{read}" for read in police_reads} & sources
    assert {f"sharing_decisions:{read}" for read in police_reads} <= split_off


def test_a_decision_naming_several_records_follows_each_of_them(world):
    """Issue 14: one row for what a request showed of one person, and still "every access
    and disclosure about one person": split one of its records away, and the row is in both
    people's reports; the person who now holds neither record no longer sees it."""
    with transaction(world.engine) as session:
        csc_sys = session.scalar(select(SourceSystem).where(SourceSystem.code == "csc"))
        ava = session.scalar(select(Person).where(Person.person_id == AVA))
        pair = [source_record(session, csc_sys, f"C{n}", forename="Ava", surname="Stone",
                              date_of_birth=date(2015, 4, 1)) for n in (21, 22)]
        session.add_all([PersonRecord(source_record_id=record.id, person_id=ava.id) for record in pair])
        session.flush()
        disclose(session, world.social, load_records(session, [record.id for record in pair]), action="record.view")
        [row] = session.scalars(select(SharingDecision).where(SharingDecision.action == "record.view",
                                                              SharingDecision.record_ids.is_not(None))).all()
        assert (row.person_id, row.record_id, row.record_ids, row.record_count) == (
            AVA, None, sorted(record.id for record in pair), 2)
    with transaction(world.engine) as session:
        [line] = [entry for entry in access_report(session, world.ig_lead, AVA).entries
                  if entry.source == f"sharing_decisions:{row.id}"]
        assert "their own organisation's 2 records" in line.what
        session.execute(delete(PersonRecord).where(PersonRecord.source_record_id == pair[1].id))
        person_of(session, "PAVC0000001", [pair[1].id])
    with transaction(world.engine) as session:
        ava_report = access_report(session, world.ig_lead, AVA).entries
        split_off = {entry.source for entry in access_report(session, world.ig_lead, "PAVC0000001").entries}
        assert f"sharing_decisions:{row.id}" in {entry.source for entry in ava_report}
        assert f"sharing_decisions:{row.id}" in split_off
        [line] = [entry for entry in ava_report if entry.source == f"sharing_decisions:{row.id}"]
        assert "their own organisation's record " in line.what  # one of the two is hers now
        session.execute(delete(PersonRecord).where(PersonRecord.source_record_id == pair[0].id))
        person_of(session, "PAVC0000002", [pair[0].id])
    with transaction(world.engine) as session:
        assert f"sharing_decisions:{row.id}" not in {entry.source for entry in
                                                     access_report(session, world.ig_lead, AVA).entries}


def test_who_is_involved_reads_are_explained_as_involvements_not_records(world):
    """Explanations come from decisions: a read of who works with the person says so, and a
    refusal counts involvements, not records."""
    with transaction(world.engine) as session:
        ava = session.scalar(select(Person).where(Person.person_id == AVA))
        involvement = session.scalar(select(Involvement.id).where(Involvement.person_id == ava.id))
        subject = InvolvementSubject(involvement, owner="CSC", person_id=AVA)
        decide_involvement_access(session, world.social, [subject], person_seen=True)
        decide_involvement_access(session, world.police, [subject], person_seen=False)
        whats = [entry.what for entry in access_report(session, world.ig_lead, AVA).entries]
    assert any(what.startswith("Looked at who is working with you: their own organisation's involvement")
               for what in whats), whats
    assert "Looked at who is working with you: 1 involvement not shown, because no rule allowed it" in whats


def test_a_line_of_the_report_gets_a_receipt_checked_with_the_public_key_alone(world, tmp_path):
    """Issue 14: "a person can be handed a receipt for an access"."""
    signer = load_signer(tmp_path / "audit-signing.key", "test.example/joinedup-audit")
    with transaction(world.engine) as session:
        line = next(entry for entry in access_report(session, world.ig_lead, AVA).entries
                    if entry.kind == "access" and entry.has_receipt)
        system = next(entry for entry in access_report(session, world.ig_lead, AVA).entries
                      if entry.source.startswith("source_records:"))  # "received your record": not a log entry
        assert not system.has_receipt
        with pytest.raises(Conflict):  # no checkpoint covers it yet
            entry_receipt(session, world.ig_lead, AVA, line.source, signer.verifier)
    make_checkpoint(world.engine, signer)
    with transaction(world.engine) as session:
        text = entry_receipt(session, world.ig_lead, AVA, line.source, signer.verifier)
        (event,) = _events(session, "transparency.receipt")
        assert (event.subject_id, event.details) == (AVA, {"entry": line.source})
        with pytest.raises(NotFound):  # Ava's line asked on her brother's report
            entry_receipt(session, world.ig_lead, TOM, line.source, signer.verifier)
        with pytest.raises(NotFound):  # not a line of the report at all
            entry_receipt(session, world.ig_lead, AVA, system.source, signer.verifier)
        with pytest.raises(Forbidden):
            entry_receipt(session, world.social, AVA, line.source, signer.verifier)
    checked = check_receipt(text, signer.verifier)
    assert checked.entry["id"] == int(line.source.split(":")[1]) and checked.entry["person_id"] == AVA


def test_a_hold_keeps_an_organisations_entries_back_until_its_day_and_is_recorded(world):
    until = TODAY + timedelta(days=30)
    with transaction(world.engine) as session:
        with pytest.raises(Refusal) as refused:
            record_hold(session, world.ig_lead, AVA, until=TODAY, reason="", organisation="POL")
        assert {field for field, _ in refused.value.problems} == {"until", "reason"}
        record_hold(session, world.ig_lead, AVA, until=until, reason="Operation Kestrel: a live investigation",
                    requested_by="DI Jones, Joinford Police", organisation="POL")
    with transaction(world.engine) as session:
        report = access_report(session, world.ig_lead, AVA)
        assert not [entry for entry in report.entries if entry.kind != "system" and entry.organisation_id is not None
                    and "Police" in entry.organisation]
        (hold,) = report.holds
        assert (hold.organisation, hold.until, hold.recorded_by, hold.requested_by) == (
            "Joinford Police", until, "iris.ig", "DI Jones, Joinford Police")
        assert hold.entries_held >= 1
        (event,) = _events(session, "transparency.hold.record")
        assert event.reason == "Operation Kestrel: a live investigation"
        assert "Operation Kestrel" not in _text(access_report_pdf(report))
        # On the day, the entries appear and the hold is no longer in force.
        later = access_report(session, world.ig_lead, AVA, today=until)
        assert not later.holds
        assert "Practitioner at Joinford Police" in {entry.who for entry in later.entries}


def test_the_report_pdf_reads_back(world):
    with transaction(world.engine) as session:
        pdf = access_report_pdf(access_report(session, world.ig_lead, AVA))
    text = _text(pdf)
    assert "Who has seen your record" in text
    assert "Practitioner at Joinford Police" in text
    assert "Pete Constable" not in text


# --------------------------------------------------------------------------- subject access

def test_requests_move_through_their_states_and_list_by_due_date(world):
    with transaction(world.engine) as session:
        with pytest.raises(Refusal) as refused:
            record_request(session, world.ig_lead, "PNOBODY0001", TODAY + timedelta(days=1), today=TODAY)
        assert {field for field, _ in refused.value.problems} == {"person_id", "received_on"}
        late = record_request(session, world.ig_lead, AVA, TODAY - timedelta(days=40), today=TODAY)
        soon = record_request(session, world.ig_lead, AVA, TODAY, today=TODAY)
        listed = requests_by_due(session, world.ig_lead, today=TODAY)
        assert [shown.request.id for shown in listed] == [late.id, soon.id]
        assert listed[0].overdue and not listed[1].overdue
        move_request(session, world.ig_lead, soon.id, "extend", reason="Many records across agencies")
        assert soon.deadline == extended_due_on(TODAY)
        with pytest.raises(Conflict):
            move_request(session, world.ig_lead, soon.id, "extend", reason="Again")
        with pytest.raises(Conflict):
            move_request(session, world.ig_lead, soon.id, "done")  # not started
        move_request(session, world.ig_lead, soon.id, "start", today=TODAY)
        move_request(session, world.ig_lead, soon.id, "done", today=TODAY)
        assert (soon.status, soon.completed_on) == ("done", TODAY)
        with pytest.raises(Refusal):
            move_request(session, world.ig_lead, late.id, "refuse")
        move_request(session, world.ig_lead, late.id, "refuse", reason="Manifestly unfounded")
        assert requests_by_due(session, world.ig_lead) == []
        assert len(requests_by_due(session, world.ig_lead, open_only=False)) == 2
        with pytest.raises(Forbidden):
            requests_by_due(session, world.social)


def test_the_export_holds_everything_with_other_people_redacted(world):
    with transaction(world.engine) as session:
        record_flag(session, world.social, AVA, FlagTerms("child_in_need", date(2025, 3, 1)))  # recorded in the app
        request = record_request(session, world.ig_lead, AVA, TODAY)
        name, data = subject_access_export(session, world.ig_lead, request.id)
    assert name == f"subject-access-{request.id}-{AVA}.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == {"README.txt", "person.json", "source_records.json", "golden_record.json",
                                       "links.json", "relationships.json", "involvements.json", "flags.json",
                                       "consents.json", "sharing_decisions.json", "access_history.json", "report.pdf"}
    records = json.loads(archive.read("source_records.json"))
    assert {record["local_id"] for record in records} == {"C1", "P1"}  # both agencies', every field
    everything = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".json"))
    assert "Mary Stone" not in everything and "Tom" not in everything
    assert "[another person]" in everything and "[removed: about another person]" in everything
    assert "Sam Socialworker" not in everything and "sam.social" not in everything
    assert json.loads(archive.read("relationships.json")) == [
        {"record_id": world.ava_records[0], "kind": "sibling", "direction": "this record is the related person's",
         "other_person": "[another person]"}]
    assert json.loads(archive.read("involvements.json")) == [
        {"organisation": "Joinford Children's Services", "team": "Children in Need Team 2",
         "role": "Allocated social worker", "starts_on": "2025-01-06", "ends_on": None, "status": "current",
         "recorded_from": "app"}]
    assert "Wendy Worker" not in everything
    # A flag recorded in the app is held nowhere else: it is in the copy (who recorded it is staff, not named).
    assert json.loads(archive.read("flags.json")) == [
        {"flag": "Child in need", "legal_status": None, "starts_on": "2025-03-01", "ends_on": None,
         "status": "current", "organisation": "Joinford Children's Services", "recorded_from": "app"}]
    history = json.loads(archive.read("access_history.json"))
    assert any(entry["who"] == "Practitioner at Joinford Police" for entry in history)
    text = _text(archive.read("report.pdf"))
    assert "Your information held by JoinedUp" in text and "Who has seen your record" in text
    assert "Tom" not in text and "Mary Stone" not in text and "Ava lives with [another person]" in text
    assert "Flags agencies hold about you" in text and "Child in need" in text
    with transaction(world.engine) as session:
        (event,) = _events(session, "subject_access.download")
        assert event.details["records"] == 2 and event.details["redacted"] >= 3
        decisions = session.scalars(select(SharingDecision).where(SharingDecision.action == "subject_access.export"))
        assert {row.policy_ids[0] for row in decisions} == {"subject-access"}


def test_the_export_is_made_only_for_an_open_request(world):
    with transaction(world.engine) as session:
        request = record_request(session, world.ig_lead, AVA, TODAY)
        move_request(session, world.ig_lead, request.id, "refuse", reason="Withdrawn by the person")
        with pytest.raises(Conflict):
            subject_access_export(session, world.ig_lead, request.id)
        with pytest.raises(Forbidden):
            subject_access_export(session, world.social, request.id)


def test_the_subject_access_rule_opens_nothing_without_an_open_request_or_to_anyone_else(world):
    with transaction(world.engine) as session:
        records = list(session.scalars(select(SourceRecord).where(SourceRecord.id.in_(world.ava_records))))
        closed = decide_record_access(session, world.ig_lead, records, action="subject_access.export")
        practitioner = decide_record_access(session, world.social, records, action="subject_access.export",
                                            subject_access_open=True)
        open_ = decide_record_access(session, world.ig_lead, records, action="subject_access.export",
                                     subject_access_open=True)
    assert not any(decision.allowed for decision in closed)
    # A practitioner sees their own organisation's record as always, never the other by this rule.
    assert [(decision.allowed, decision.policy_ids) for decision in practitioner] == [
        (True, ("own-organisation",)), (False, ())]
    assert all(decision.allowed and "facts" in decision.fields for decision in open_)
