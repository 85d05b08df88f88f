"""The chronology: events from the records' dated facts and the involvement index, in
date order, filtered, marked significant, merged across the family, and only ever what
the viewer may see (an event from a record they may not see never shows, nor does its
existence); every read and every export audited."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from chronology_support import CHILD, MOTHER, SAFEGUARDING, SECRETS
from pypdf import PdfReader
from sqlalchemy import select

from joinedup.audit import AuditEvent
from joinedup.chronology import (
    CATEGORIES,
    SOURCES,
    Filters,
    chronology_of,
    event_source,
    export_chronology,
)
from joinedup.chronology.events import Event
from joinedup.db import transaction
from joinedup.disclosure import access_action
from joinedup.errors import Forbidden, Refusal
from joinedup.flags.models import Flag
from joinedup.sharing.models import SharingDecision


def _read(world, actor, person=CHILD, **options):
    options.setdefault("purpose", SAFEGUARDING)
    with transaction(world.engine) as session:
        return chronology_of(session, actor, person, action=access_action(actor), **options)


def _social_worker(world):
    return world.actor("CSC", "practitioner")


def _whats(chronology) -> list[str]:
    return [event.what for event in chronology.events]


def test_the_records_dated_facts_make_events_in_words_oldest_first(world):
    chronology = _read(world, _social_worker(world))
    assert chronology.allowed and chronology.name == "Mia Stone"
    assert [(event.on, event.what) for event in chronology.events] == [
        (date(2019, 6, 1), "Tenancy started"),
        (date(2025, 1, 10), "Referred to children's social care"),
        (date(2025, 2, 1), "Child in need plan started"),
        (date(2025, 2, 3), "Allocated social worker started working with them"),
        (date(2025, 3, 15), "Child protection plan started"),
        (date(2025, 4, 2), "Fixed-term exclusion (suspension)"),
        (date(2025, 9, 1), "Allocated social worker stopped working with them"),
    ]
    by_what = {event.what: event for event in chronology.events}
    assert by_what["Child protection plan started"].detail == "Category: Neglect"
    assert by_what["Child protection plan started"].agency == "Children's Social Care"
    assert by_what["Fixed-term exclusion (suspension)"].detail == "School: Hill Primary School. Suspensions this year: 2"
    assert by_what["Fixed-term exclusion (suspension)"].agency == "Hill Primary School"
    assert by_what["Allocated social worker started working with them"].detail == "Ada Lovelace, Child Protection Team"
    assert by_what["Tenancy started"].detail == "On the tenancy as: Daughter"


def test_plans_referrals_incidents_and_exclusions_are_significant_tenancies_and_involvements_not(world):
    chronology = _read(world, _social_worker(world))
    significant = {event.what for event in chronology.events if event.significant}
    assert significant == {"Referred to children's social care", "Child in need plan started",
                           "Child protection plan started", "Fixed-term exclusion (suspension)"}
    assert chronology.significant == 4


def test_the_filters_narrow_by_agency_category_and_significance_and_offer_only_what_is_seen(world):
    social_worker = _social_worker(world)
    everything = _read(world, social_worker)
    assert everything.agencies == ("Children's Social Care", "Hill Primary School", "Joinford Homes")
    assert [code for code, _words in everything.categories] == ["referral", "plan", "exclusion", "tenancy",
                                                                "involvement"]
    school = _read(world, social_worker, filters=Filters(agencies=("Hill Primary School",)))
    assert _whats(school) == ["Fixed-term exclusion (suspension)"] and school.seen == len(everything.events)
    plans = _read(world, social_worker, filters=Filters(categories=("plan",)))
    assert _whats(plans) == ["Child in need plan started", "Child protection plan started"]
    significant = _read(world, social_worker, filters=Filters(significant_only=True))
    assert all(event.significant for event in significant.events) and len(significant.events) == 4
    both = _read(world, social_worker, filters=Filters(agencies=("Children's Social Care",), categories=("plan",),
                                                       significant_only=True))
    assert _whats(both) == ["Child in need plan started", "Child protection plan started"]


def test_a_sensitive_services_events_never_show_nor_does_their_existence(world):
    chronology = _read(world, _social_worker(world))
    shown = repr(chronology)
    assert not any(secret in shown for secret in SECRETS)
    assert "Family Support Network" not in shown and "voluntary" not in shown.lower()
    assert "Referred to a voluntary sector service" not in _whats(chronology)
    assert chronology.shielded  # the page says a service is involved, never which
    # The service's own practitioners see their own record's event and involvement.
    own = _read(world, world.actor("VCS", "practitioner"), purpose=None)
    assert "Referred to a voluntary sector service" in _whats(own)
    assert "Voluntary-sector key worker started working with them" in _whats(own)


def test_without_a_purpose_a_practitioner_sees_their_own_records_events_and_who_is_involved(world):
    # Who is involved needs no purpose (docs/sharing.md); partners' records do.
    school = _read(world, world.actor("EDU", "practitioner"), purpose=None)
    assert [event.what for event in school.events if event.source == "records"] == [
        "Fixed-term exclusion (suspension)"]
    assert {event.source for event in school.events} == {"records", "involvements"}
    assert school.agencies == ("Children's Social Care", "Hill Primary School")
    assert [code for code, _words in school.categories] == ["exclusion", "involvement"]


def test_a_person_the_viewer_may_not_see_has_no_chronology_and_no_count(world):
    police = _read(world, world.actor("POL", "practitioner"), purpose=None)  # no police record of the child
    assert not police.allowed and police.events == () and police.seen == 0 and police.agencies == ()
    with transaction(world.engine) as session:
        assert chronology_of(session, _social_worker(world), "PNOSUCH001", action="record.view") is None


def test_only_practitioners_and_mash_officers_read_chronologies(world):
    for roles in (("data_team",), ("ig_lead",), ("trainer",), ("admin",)):
        with pytest.raises(Forbidden):
            _read(world, world.actor("CSC", *roles), purpose=None)


def test_the_family_chronology_merges_the_family_each_event_naming_whose(world):
    family = _read(world, _social_worker(world), family=True)
    assert [(person_id, name) for person_id, name, _relation in family.members] == [
        (CHILD, "Mia Stone"), (MOTHER, "Lou Stone")]
    mothers = [event for event in family.events if event.person_id == MOTHER]
    assert [(event.on, event.what, event.significant) for event in mothers] == [
        (date(2019, 6, 1), "Tenancy started", False),
        (date(2025, 3, 1), "Domestic abuse incident reported", True),
        (date(2025, 5, 20), "Missing episode reported", True),
        (date(2025, 6, 30), "£136.00 in rent arrears", False),
    ]
    assert {event.person_name for event in mothers} == {"Lou Stone"}
    assert {event.relation for event in mothers} == {"Parent"}
    abuse = next(event for event in mothers if event.what == "Domestic abuse incident reported")
    assert abuse.detail == "Role: Victim. DASH risk: High" and abuse.agency == "Joinford Police"
    # Merged in date order: the mother's incident falls between the child's plans.
    whats = _whats(family)
    assert whats.index("Child in need plan started") < whats.index("Domestic abuse incident reported") < whats.index(
        "Child protection plan started")
    assert _whats(_read(world, _social_worker(world))) == [e.what for e in family.events if e.person_id == CHILD]


def test_the_family_shows_only_members_the_viewer_may_see(world):
    # The school sees only its own record of the child: not the tenancy that relates her
    # to her mother, so no mother and none of her events.
    school = _read(world, world.actor("EDU", "practitioner"), purpose=None, family=True)
    assert [person_id for person_id, _name, _relation in school.members] == [CHILD]
    assert "Lou" not in repr(school) and "Domestic abuse" not in repr(school)


def test_every_read_is_audited_with_every_records_decision(world):
    social_worker = _social_worker(world)
    _read(world, social_worker, family=True, filters=Filters(significant_only=True))
    with transaction(world.engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "chronology.view")).one()
        decided = session.scalar(select(SharingDecision.id).where(SharingDecision.action == "record.view").limit(1))
    assert (event.outcome, event.subject_id, event.actor) == ("allowed", CHILD, social_worker.username)
    assert event.details["family"] is True and event.details["significant_only"] is True
    assert event.details["events_shown"] == 6
    assert decided is not None


def test_the_csv_export_holds_what_is_shown_and_is_audited(world):
    social_worker = _social_worker(world)
    with transaction(world.engine) as session:
        chronology = chronology_of(session, social_worker, CHILD, action="record.view", purpose=SAFEGUARDING,
                                   family=True)
        content = export_chronology(session, social_worker, chronology, "csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == len(chronology.events)
    abuse = next(row for row in rows if row["event"] == "Domestic abuse incident reported")
    assert (abuse["date"], abuse["person"], abuse["agency"], abuse["significant"]) == (
        "2025-03-01", "Lou Stone", "Joinford Police", "yes")
    assert not any(secret in content.decode("utf-8-sig") for secret in SECRETS)
    with transaction(world.engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "chronology.export")).one()
    assert event.details["format"] == "csv" and event.details["events"] == len(rows)


def test_the_pdf_export_reads_as_the_chronology(world):
    social_worker = _social_worker(world)
    with transaction(world.engine) as session:
        chronology = chronology_of(session, social_worker, CHILD, action="record.view", purpose=SAFEGUARDING,
                                   family=True, filters=Filters(significant_only=True))
        content = export_chronology(session, social_worker, chronology, "pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)
    assert "Family chronology: Mia Stone" in text
    assert "Domestic abuse incident reported" in text and "Child protection plan started" in text
    assert "Tenancy started" not in text  # filtered out: not significant
    assert not any(secret in text for secret in SECRETS)
    with transaction(world.engine) as session:
        assert session.scalars(select(AuditEvent.details).where(AuditEvent.action == "chronology.export")).one()[
            "format"] == "pdf"


def test_an_export_in_an_unknown_format_or_of_a_refused_chronology_is_refused(world):
    with transaction(world.engine) as session:
        chronology = chronology_of(session, _social_worker(world), CHILD, action="record.view", purpose=SAFEGUARDING)
        with pytest.raises(Refusal) as refused:
            export_chronology(session, _social_worker(world), chronology, "xlsx")
        assert refused.value.field == "format"
        police = world.actor("POL", "practitioner")
        nothing = chronology_of(session, police, CHILD, action="record.view")
        with pytest.raises(Forbidden):
            export_chronology(session, police, nothing, "csv")


def test_a_new_event_source_plugs_in_with_a_few_lines(world):
    """As flags will: register a source, and its events join the timeline, filterable."""

    @event_source("test_flags", {"test_flag": "Test flags"})
    def flags(session, actor, whose):
        return [Event(date(2025, 3, 16), "Child protection flag set", "", "test_flag", "Children's Social Care", True,
                      "test_flags", whose.person_id, whose.name)]

    try:
        chronology = _read(world, _social_worker(world), filters=Filters(categories=("test_flag",)))
        assert _whats(chronology) == ["Child protection flag set"]
    finally:
        SOURCES.pop("test_flags")
        CATEGORIES.pop("test_flag")


def test_flags_set_and_ended_join_the_timeline_as_the_flags_block_decides_them(world):
    with transaction(world.engine) as session:
        session.add(Flag(source_record_id=world.records["C1"], type="child_protection_plan",
                         category="social_care_status", organisation_id=world.orgs["CSC"],
                         starts_on=date(2025, 3, 16), ends_on=date(2025, 11, 2), status="ended", source="extract:csc"))
    chronology = _read(world, _social_worker(world), filters=Filters(categories=("flag",)))
    assert [(event.on, event.what, event.significant) for event in chronology.events] == [
        (date(2025, 3, 16), "Flag set: Child-protection plan", True),
        (date(2025, 11, 2), "Flag ended: Child-protection plan", True)]
    assert {event.agency for event in chronology.events} == {"Children's Social Care"}
    # The school, without a purpose, is not shown children's social care's record, nor its flag.
    school = _read(world, world.actor("EDU", "practitioner"), purpose=None)
    assert not [event for event in school.events if event.source == "flags"]
