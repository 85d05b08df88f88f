"""Flags: the mapping's [flags] section, reading flags from extract rows (each bad row
named, the rest kept), and which flags each practitioner sees, decided by the records
they came from. On SQLite and PostgreSQL."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date

import pytest
from factories import organisation, person_of, source_record, source_system
from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.disclosure import access_action, view_person
from joinedup.errors import Conflict, Forbidden, NotFound, Refusal
from joinedup.flags import (
    FLAG_TYPES,
    Flag,
    FlagTerms,
    correct_flag,
    end_flag,
    flags_on_page,
    index_flags,
    legal_status_in_words,
    record_flag,
)
from joinedup.ingest import sections
from joinedup.ingest.mapping import MappingError, load_mapping, parse_mapping
from joinedup.ingest.models import SourceRecord
from joinedup.involvements import load_directory
from joinedup.partners.models import SourceSystem
from joinedup.sharing import StatedPurpose
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.rules import create_agreement, set_status, sign

SYSTEM = Actor.system("cli", "flags-test")
CHILD = "PFLAGGED001"
TODAY = date(2026, 1, 1)
#: The domestic-abuse service: a sensitive service, never named to a partner.
SECRET_ORG = "Haven Domestic Abuse Service"
CSC_DIRECTORY = ("team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
                 "Child Protection Team,0306 999 0100,cpt@csc.example,,Ada Lovelace,allocated_social_worker,"
                 "0306 999 0101,ada.lovelace@csc.example\n")


def _mapping(flags: str) -> dict:
    return tomllib.loads(f'''
[source]
code = "x"
format = "csv"
organisation = "X"
local_id = "Id"
[facts]
status = "Status"
starts = "Start"
ends = "End"
{flags}''')


def test_a_flags_table_and_an_array_of_them_are_read_and_a_fact_not_in_the_mapping_refused():
    one = parse_mapping(_mapping('[flags]\ntype = "status"\nvalues = { CP = "child_protection_plan", X = "" }\n'
                                 'starts = { child_protection_plan = "starts" }\nends = "ends"\n'))
    assert one.flags[0].values == {"CP": "child_protection_plan", "X": ""}
    assert one.flags[0].fact_for("starts", "child_protection_plan") == "starts"
    assert one.flags[0].fact_for("ends", "looked_after") == "ends"
    two = parse_mapping(_mapping('[[flags]]\ntype = "status"\n[[flags]]\ntype = "status"\nwhen = { starts = ["a"] }\n'))
    assert len(two.flags) == 2 and two.flags[1].when == {"starts": ("a",)}
    with pytest.raises(MappingError, match=r"\[flags\] type: 'nope' is not a fact"):
        parse_mapping(_mapping('[flags]\ntype = "nope"\n'))
    with pytest.raises(MappingError, match="unknown key 'colour'"):
        parse_mapping(_mapping('[flags]\ntype = "status"\ncolour = "red"\n'))


def test_every_shipped_flag_is_in_the_catalogue():
    for source in ("csc", "police", "education", "voluntary"):
        for spec in load_mapping(source).flags:
            assert {code for code in spec.values.values() if code} <= set(FLAG_TYPES), source


def test_legal_statuses_in_words():
    assert legal_status_in_words("C1 Interim care order") == "Interim care order"
    assert legal_status_in_words("V2") == "Accommodated under section 20"
    assert legal_status_in_words("Something else") == "Something else"


def _world(engine) -> dict:
    """A child known to children's social care (a plan), the police (a domestic-abuse
    victim), the school (an EHC plan) and a domestic-abuse service (sensitive); an
    agreement sharing social care and police incidents with the school for safeguarding,
    and only identity for early help."""
    with transaction(engine) as session:
        ensure_catalogue(session, SYSTEM)
        orgs = {code: organisation(session, code, name, "other") for code, name in (
            ("CSC", "Joinford Children's Social Care"), ("POL", "Joinford Police"), ("EDU", "Joinford Schools"),
            ("VCS", SECRET_ORG))}
        systems = {source: source_system(session, source, f"{source} system", orgs[code])
                   for source, code in (("csc", "CSC"), ("police", "POL"), ("education", "EDU"),
                                        ("voluntary", "VCS"))}
        load_directory(session, SYSTEM, "CSC", CSC_DIRECTORY)
        rows = {
            "csc": source_record(session, systems["csc"], "C1", forename="Mia", surname="Stone",
                                 facts={"case_status": "CP", "cin_start": "2025-01-10", "cp_start": "2025-05-03",
                                        "worker_team": "Child Protection Team"}),
            "police": source_record(session, systems["police"], "P1", record_ref="INC1", forename="Mia",
                                    surname="Stone", facts={"role": "VICTIM", "domestic_abuse": True,
                                                            "incident_type": "DOMESTIC ABUSE",
                                                            "incident_date": "2025-06-01T21:10:00"}),
            "education": source_record(session, systems["education"], "E1", forename="Mia", surname="Stone",
                                       facts={"sen_status": "ehc_plan"}),
            "voluntary": source_record(session, systems["voluntary"], "V1", forename="Mia", surname="Stone",
                                       facts={"need": "Domestic abuse support", "referral_date": "2025-07-01"}),
        }
        person_of(session, CHILD, [row.id for row in rows.values()])
        version = create_agreement(
            session, SYSTEM, "SAFE", "Safeguarding",
            parties=[{"organisation": code, "provides": True, "receives": True} for code in orgs],
            datasets={"safeguarding_child": ["identity", "social_care_status", "police_incidents"],
                      "early_help": ["identity", "education"]},
            lawful_basis={"article6": ["6(1)(e) public task"]}, consent_required=False, safeguarding_overrides=True)
        for code in orgs:
            sign(session, SYSTEM, version, organisation=code, name=f"Signatory {code}")
        set_status(session, SYSTEM, version, "active")
        for source in ("csc", "police", "education", "voluntary"):
            index_flags(session, SYSTEM, load_mapping(source), today=TODAY)
        return {"orgs": {code: org.id for code, org in orgs.items()}, "rows": {k: r.id for k, r in rows.items()},
                "systems": {k: s.id for k, s in systems.items()}}


def _seen(engine, world, org: str, purpose: str = "") -> dict[str, object]:
    actor = Actor(username=f"{org.lower()}.worker", organisation_id=world["orgs"][org],
                  roles=frozenset({"practitioner"}), channel="test")
    with transaction(engine) as session:
        view = view_person(session, actor, CHILD, action=access_action(actor),
                           purpose=StatedPurpose(purpose) if purpose else None)
        return {flag.type: flag for flag in flags_on_page(session, actor, view, today=TODAY)}


def test_flags_are_read_from_the_rows_with_dates_legal_status_and_the_directory_team(engine):
    world = _world(engine)
    with transaction(engine) as session:
        flags = {flag.type: flag for flag in session.scalars(select(Flag))}
        assert set(flags) == {"child_protection_plan", "domestic_abuse_victim", "send_ehc_plan"}
        plan = flags["child_protection_plan"]
        assert (plan.starts_on, plan.status, plan.category) == (date(2025, 5, 3), "current", "social_care_status")
        assert plan.team.name == "Child Protection Team" and plan.source == "extract:csc"
        by_source = {flag.source: flag for flag in session.scalars(select(Flag))}
        assert by_source["extract:police"].starts_on == date(2025, 6, 1)
        assert by_source["extract:voluntary"].category == "sensitive_services"
        assert len(by_source) == 4 and set(world["rows"]) == {"csc", "police", "education", "voluntary"}


@pytest.mark.parametrize("chunk", [sections.CHUNK, 2])
def test_bad_rows_are_refused_naming_row_and_field_and_the_rest_kept(engine, chunk, monkeypatch):
    """Whether the rows are read (and written) in one chunk or in several."""
    monkeypatch.setattr(sections, "CHUNK", chunk)
    world = _world(engine)
    with transaction(engine) as session:
        system = session.get(SourceSystem, world["systems"]["csc"])
        for local_id, facts in (
            ("C2", {"case_status": "Unheard", "cin_start": "2025-01-01"}),
            ("C3", {"case_status": "CP", "cp_start": "2025-05-03", "case_closed": "2025-04-01"}),
            ("C4", {"case_status": "CP", "cp_start": "2025-05-03", "worker_team": "No Such Team"}),
            ("C5", {"case_status": "LAC", "lac_start": "2025-02-02", "legal_status": "C1 Interim care order",
                    "cp_start": "2025-01-01"}),
            ("C6", {"case_status": "CIN", "cin_start": "not a date"}),
        ):
            source_record(session, system, local_id, forename="Kid", surname=local_id, facts=facts)
        report = index_flags(session, SYSTEM, load_mapping("csc"), today=TODAY)
        refused = {row.row: (row.field, row.reason) for row in report.refused}
        assert refused["C2"][0] == "case_status" and "'Unheard'" in refused["C2"][1]
        assert refused["C3"] == ("case_closed", "ends on 2025-04-01, before it starts on 2025-05-03")
        assert refused["C4"][0] == "worker_team" and "No Such Team" in refused["C4"][1]
        assert refused["C6"] == ("cin_start", "'not a date' is not a date")
        assert (report.created, report.unchanged) == (1, 1)
        looked_after = session.scalar(select(Flag).where(Flag.type == "looked_after"))
        assert (looked_after.legal_status, looked_after.starts_on) == ("Interim care order", date(2025, 2, 2))
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "flag.index")
                                .order_by(AuditEvent.id.desc())).first()
        assert event.details["refused"] == 4 and any("row C3, case_closed" in r for r in event.details["reasons"])
    with transaction(engine) as session:
        again = index_flags(session, SYSTEM, load_mapping("csc"), today=TODAY)
        assert (again.created, again.updated, again.ended, again.unchanged) == (0, 0, 0, 2)
        row = session.get(SourceRecord, world["rows"]["csc"])
        row.facts = {**row.facts, "case_status": "Closed", "case_closed": "2025-12-01"}
    with transaction(engine) as session:
        closed = index_flags(session, SYSTEM, load_mapping("csc"), today=TODAY)
        assert closed.ended == 1
        plan = session.scalar(select(Flag).where(Flag.source_record_id == world["rows"]["csc"]))
        assert (plan.status, plan.ends_on) == ("ended", TODAY)


def test_a_flag_type_not_in_the_catalogue_is_refused_naming_the_row_and_the_rest_kept(engine):
    """A mapping without ``values``: the fact holds the codes, and a code the catalogue does
    not have refuses its row alone."""
    world = _world(engine)
    csc = load_mapping("csc")
    codes = replace(csc, flags=(replace(csc.flags[0], values={}),))
    with transaction(engine) as session:
        system = session.get(SourceSystem, world["systems"]["csc"])
        source_record(session, system, "C7", forename="Kid", surname="Seven",
                      facts={"case_status": "child_in_need", "cin_start": "2025-02-01"})
        source_record(session, system, "C8", forename="Kid", surname="Eight",
                      facts={"case_status": "wellbeing_watch", "cin_start": "2025-02-01"})
        report = index_flags(session, SYSTEM, codes, today=TODAY)
        refused = {row.row: (row.field, row.reason) for row in report.refused}
        assert refused["C8"] == ("case_status", "'wellbeing_watch' is not a flag type in the catalogue")
        kept = session.scalar(select(Flag).join(SourceRecord, SourceRecord.id == Flag.source_record_id)
                              .where(SourceRecord.local_id == "C7"))
        assert kept is not None and kept.type == "child_in_need"


def test_without_a_purpose_a_practitioner_sees_only_their_own_organisations_flags(engine):
    world = _world(engine)
    seen = _seen(engine, world, "CSC")
    assert set(seen) == {"child_protection_plan"}
    plan = seen["child_protection_plan"]
    assert plan.summary == "Child-protection plan since 3 May 2025"
    assert (plan.organisation, plan.team, plan.contact) == ("Joinford Children's Social Care",
                                                            "Child Protection Team", ("Duty line", "0306 999 0100"))


def test_a_partners_flags_show_for_a_purpose_whose_agreement_shares_their_category(engine):
    world = _world(engine)
    assert set(_seen(engine, world, "EDU", "safeguarding_child")) == {"child_protection_plan",
                                                                       "domestic_abuse_victim", "send_ehc_plan"}
    # Early help shares identity only: the school sees its own flag and no partner's.
    assert set(_seen(engine, world, "EDU", "early_help")) == {"send_ehc_plan"}


def test_a_sensitive_services_flag_is_never_shown_nor_named_to_a_partner_but_is_to_its_own(engine):
    world = _world(engine)
    seen = _seen(engine, world, "EDU", "safeguarding_child")
    assert all(flag.organisation != SECRET_ORG for flag in seen.values())
    own = _seen(engine, world, "VCS")
    assert own["domestic_abuse_victim"].organisation == SECRET_ORG


def test_every_read_of_flags_is_audited_with_the_flags_shown_and_a_count_of_those_withheld(engine):
    world = _world(engine)
    _seen(engine, world, "EDU", "early_help")
    with transaction(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "flag.view")
                                .order_by(AuditEvent.id.desc())).first()
        shown = session.scalar(select(Flag.id).where(Flag.type == "send_ehc_plan"))
        assert event.subject_id == CHILD and event.details["shown"] == [shown]
        # The CSC and police records were disclosed (identity) but not their categories.
        assert event.details["withheld"] == 2


def test_nobody_who_may_not_see_the_person_is_told_of_a_flag(engine):
    world = _world(engine)
    with transaction(engine) as session:
        stranger = organisation(session, "HSG", "Joinford Homes", "housing")
        actor = Actor(username="hsg.worker", organisation_id=stranger.id, roles=frozenset({"practitioner"}),
                      channel="test")
        view = view_person(session, actor, CHILD, action=access_action(actor), purpose=None)
        assert not view.allowed and flags_on_page(session, actor, view, today=TODAY) == ()
    assert world


def _frontline(world, org: str) -> Actor:
    return Actor(username=f"{org.lower()}.worker", organisation_id=world["orgs"][org],
                 roles=frozenset({"practitioner"}), channel="test")


def test_a_practitioner_records_their_organisations_flag_each_field_refused_named(engine):
    world = _world(engine)
    actor = _frontline(world, "CSC")
    with transaction(engine) as session:
        with pytest.raises(Refusal) as refused:
            record_flag(session, actor, CHILD, FlagTerms("not_a_flag", date(2026, 2, 1), "C1", 999_999), today=TODAY)
        assert [field for field, _message in refused.value.problems] == ["type", "starts_on", "team"]
        with pytest.raises(Refusal) as refused:
            record_flag(session, actor, CHILD, FlagTerms("child_in_need", date(2025, 2, 1), "C1"), today=TODAY)
        assert refused.value.field == "legal_status"
        with pytest.raises(Forbidden):
            record_flag(session, Actor(username="d", organisation_id=world["orgs"]["CSC"],
                                       roles=frozenset({"data_team"})), CHILD,
                        FlagTerms("exploitation_concern", date(2025, 2, 1)), today=TODAY)
        with pytest.raises(NotFound):
            record_flag(session, actor, "PNOSUCH0001", FlagTerms("exploitation_concern", date(2025, 2, 1)),
                        today=TODAY)
        flag = record_flag(session, actor, CHILD, FlagTerms("exploitation_concern", date(2025, 9, 1)), today=TODAY)
        assert (flag.source, flag.category, flag.recorded_by) == ("app", "social_care_status", "csc.worker")
        flag_id = flag.id
    with transaction(engine) as session:
        with pytest.raises(NotFound):
            end_flag(session, _frontline(world, "EDU"), flag_id, date(2025, 12, 1), today=TODAY)
        with pytest.raises(Refusal, match="on or after"):
            end_flag(session, actor, flag_id, date(2025, 8, 1), today=TODAY)
        ended = end_flag(session, actor, flag_id, date(2025, 12, 1), today=TODAY)
        assert (ended.status, ended.ends_on) == ("ended", date(2025, 12, 1))
        with pytest.raises(Conflict):
            end_flag(session, actor, flag_id, date(2025, 12, 2), today=TODAY)
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(flag_id))))
        assert {"flag.record", "flag.end"} <= actions


def test_a_practitioner_corrects_their_organisations_flag_and_the_audit_names_each_change(engine):
    """Issue 13 item 1 for flags: "record, end and correct"."""
    world = _world(engine)
    actor = _frontline(world, "CSC")
    with transaction(engine) as session:
        flag_id = record_flag(session, actor, CHILD, FlagTerms("child_in_need", date(2025, 9, 1)), today=TODAY).id
    with transaction(engine) as session:
        with pytest.raises(Refusal) as refused:  # checked as when recorded, each field named
            correct_flag(session, actor, flag_id, FlagTerms("not_a_flag", date(2099, 1, 1), "", 999_999), today=TODAY)
        assert [field for field, _message in refused.value.problems] == ["type", "starts_on", "team"]
        with pytest.raises(NotFound):  # another organisation's flag is not theirs to correct
            correct_flag(session, _frontline(world, "EDU"), flag_id, FlagTerms("child_in_need", date(2025, 9, 1)),
                         today=TODAY)
        flag = correct_flag(session, actor, flag_id, FlagTerms("looked_after", date(2025, 8, 15), "Interim care order"),
                            today=TODAY)
        assert (flag.type, flag.starts_on, flag.legal_status, flag.category) == (
            "looked_after", date(2025, 8, 15), "Interim care order", "social_care_status")
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "flag.correct",
                                                            AuditEvent.subject_id == str(flag_id)))
        assert event.details["changed"] == {"type": ["child_in_need", "looked_after"],
                                            "starts_on": ["2025-09-01", "2025-08-15"],
                                            "legal_status": ["", "Interim care order"]}
        end_flag(session, actor, flag_id, date(2025, 12, 1), today=TODAY)
        with pytest.raises(Conflict):  # an ended flag is not corrected: a new one is recorded
            correct_flag(session, actor, flag_id, FlagTerms("child_in_need", date(2025, 9, 1)), today=TODAY)


def test_a_flag_recorded_in_the_app_is_shared_as_its_organisations_records_of_the_person_are(engine):
    world = _world(engine)
    with transaction(engine) as session:
        record_flag(session, _frontline(world, "CSC"), CHILD, FlagTerms("exploitation_concern", date(2025, 9, 1)),
                    today=TODAY)
        record_flag(session, _frontline(world, "POL"), CHILD, FlagTerms("marac_case", date(2025, 9, 2)), today=TODAY)
    assert {"exploitation_concern"} <= set(_seen(engine, world, "CSC"))
    assert "marac_case" not in _seen(engine, world, "CSC")  # the police's records need a purpose
    safeguarding = _seen(engine, world, "EDU", "safeguarding_child")
    assert {"exploitation_concern", "marac_case"} <= set(safeguarding)
    assert safeguarding["exploitation_concern"].recorded is None  # not the school's to end
    early_help = _seen(engine, world, "EDU", "early_help")
    assert not {"exploitation_concern", "marac_case"} & set(early_help)
    own = _seen(engine, world, "POL")
    assert own["marac_case"].recorded is not None and own["marac_case"].summary == "MARAC case since 2 September 2025"
