"""The review list and decisions: accept, choose another UPRN, out of area, unmatchable; audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.gazetteer import (
    AddressDecision,
    DecisionError,
    decide_address,
    get_match,
    load_gazetteer,
    match_addresses,
    review_queue,
    search_gazetteer,
)

CLERK = Actor(user_id=None, username="dev.data", roles=frozenset({"data_team"}), channel="web")


@pytest.fixture
def queued(engine, gazetteer_csv, sources):
    load_gazetteer(engine, gazetteer_csv)
    sources.add("police", "N1", "5 Mill Lane, Joinford")              # ambiguous
    sources.add("police", "N2", "99 Nowhere Street, Joinford", "JU1 1AA")  # unmatched
    sources.add("housing", "T1", "5 Mill Lane, Joinford")             # ambiguous
    sources.add("housing", "T2", "12 High Street", "JU1 1AA")         # matched
    sources.add("housing", "T3", "5 Mill Lane, Joinford", record_ref="2")  # same address as T1
    match_addresses(engine, address_engine=None)
    return engine


def test_the_review_list_pages_filters_and_loads_what_a_reviewer_needs(queued):
    with transaction(queued) as session:
        page, total = review_queue(session, limit=2)
        assert total == 4 and len(page) == 2
        assert [match.status for match in page] == ["ambiguous", "ambiguous"]
        first = page[0]
        assert first.source_record.address_text == "5 Mill Lane, Joinford"
        assert first.candidate is not None and first.runner_up is not None
        assert {first.candidate.uprn, first.runner_up.uprn} == {"120", "130"}
        rest, _ = review_queue(session, limit=10, offset=2)
        assert [match.status for match in rest] == ["ambiguous", "unmatched"]
        police, police_total = review_queue(session, source_code="police")
        assert police_total == 2 and {m.source_system.code for m in police} == {"police"}
        unmatched, unmatched_total = review_queue(session, statuses=("unmatched",))
        assert unmatched_total == 1 and unmatched[0].reason


def test_get_match_loads_the_record_and_both_candidates(queued):
    with transaction(queued) as session:
        (match,), _ = review_queue(session, source_code="police", statuses=("ambiguous",))
        found = get_match(session, match.id)
        assert found.source_record.local_id == "N1"
        assert found.candidate.single_line.startswith("5 Mill Lane")
        assert get_match(session, 999_999) is None


@pytest.mark.parametrize(("text", "uprns"), [
    ("JU1 1AA", {"100", "101", "102", "103", "110"}),
    ("ju11aa", {"100", "101", "102", "103", "110"}),
    ("102", {"102"}),
    ("flat 2 10 high st", {"102"}),
    ("mill lane JU3", {"130"}),
    ("old mill lane", {"120"}),
    ("rose cottage", {"111"}),
])
def test_the_gazetteer_is_searched_by_postcode_uprn_or_words(queued, text, uprns):
    with transaction(queued) as session:
        assert {address.uprn for address in search_gazetteer(session, text)} == uprns


def test_accepting_the_candidate_decides_every_record_of_that_source_with_that_address(queued):
    with transaction(queued) as session:
        (target, *_), _ = review_queue(session, source_code="housing")
        decided = decide_address(session, CLERK, target.id, action="accept", reason="Checked the tenancy")
        assert (decided.status, decided.method, decided.uprn, decided.score) == ("matched", "manual", target.uprn, 1.0)
        _, housing_left = review_queue(session, source_code="housing")
        _, police_left = review_queue(session, source_code="police")
        assert housing_left == 0 and police_left == 2
        decision = session.scalar(select(AddressDecision))
        assert (decision.action, decision.uprn, decision.decided_by) == ("accept", target.uprn, "dev.data")
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "address.decide"))
        assert event.subject_id == str(target.id) and event.details["records"] == 2
        assert event.reason == "Checked the tenancy"


def test_choosing_another_uprn_out_of_area_and_unmatchable(queued):
    with transaction(queued) as session:
        page, _ = review_queue(session, source_code="police", limit=10)
        ambiguous = next(m for m in page if m.status == "ambiguous")
        unmatched = next(m for m in page if m.status == "unmatched")
        chosen = decide_address(session, CLERK, ambiguous.id, action="choose", uprn="000000000130")
        assert (chosen.uprn, chosen.status, chosen.candidate.uprn) == ("130", "matched", "130")
        away = decide_address(session, CLERK, unmatched.id, action="out_of_area", reason="Lives in Leeds")
        assert (away.status, away.uprn, away.method) == ("out_of_area", None, "manual")
        again = decide_address(session, CLERK, unmatched.id, action="unmatchable")
        assert again.status == "unmatchable"
        assert len(session.scalars(select(AddressDecision)).all()) == 2


@pytest.mark.parametrize(("action", "uprn", "message"), [
    ("delete", None, "not a decision"),
    ("choose", None, "enter the UPRN"),
    ("choose", "999", "not a current address"),
])
def test_decisions_that_cannot_be_made_say_why(queued, action, uprn, message):
    with transaction(queued) as session:
        (match, *_), _ = review_queue(session)
        with pytest.raises(DecisionError, match=message):
            decide_address(session, CLERK, match.id, action=action, uprn=uprn)


def test_accepting_needs_a_candidate_and_only_the_data_team_decides(queued):
    with transaction(queued) as session:
        (empty,), _ = review_queue(session, statuses=("unmatched",))
        assert empty.uprn is None
        with pytest.raises(DecisionError, match="no candidate"):
            decide_address(session, CLERK, empty.id, action="accept")
        practitioner = Actor(user_id=7, username="sam", roles=frozenset({"practitioner"}))
        with pytest.raises(PermissionError):
            decide_address(session, practitioner, empty.id, action="unmatchable")


def _street(engine, numbers, *, flats=()):
    from joinedup.gazetteer import GazetteerAddress

    with transaction(engine) as session:
        for index, number in enumerate(numbers):
            session.add(GazetteerAddress(uprn=str(900 + index), lpi_status="approved", preferred=True,
                                         pao_start_number=number, street="Long Road", town="Joinford",
                                         postcode="JU9 9AA", normalised=f"{number} LONG ROAD JOINFORD",
                                         classification="residential", in_boundary=True))
        for index, (flat, number) in enumerate(flats):
            session.add(GazetteerAddress(uprn=str(950 + index), lpi_status="approved", preferred=True,
                                         sao_start_number=flat, pao_start_number=number, street="Long Road",
                                         town="Joinford", postcode="JU9 9AA", classification="residential",
                                         normalised=f"FLAT {flat} {number} LONG ROAD JOINFORD", in_boundary=True))
            session.add(GazetteerAddress(uprn=str(950 + index), lpi_status="alternative", preferred=False,
                                         sao_start_number=flat, pao_start_number=number, street="Long Road",
                                         town="Joinford", postcode="JU9 9AA", classification="residential",
                                         normalised=f"{flat} {number} LONG ROAD ANNEXE JOINFORD", in_boundary=True))


def test_addresses_are_found_in_number_order_a_page_at_a_time(engine):
    from joinedup.gazetteer import find_addresses

    _street(engine, ["11", "2", "10", "1", "3", "20"], flats=[("10", "4"), ("2", "4")])
    with transaction(engine) as session:
        first = find_addresses(session, "JU9 9AA", per_page=5)
        second = find_addresses(session, "JU9 9AA", per_page=5, page=2)
        beyond = find_addresses(session, "JU9 9AA", per_page=5, page=7)
        by_words = find_addresses(session, "annexe")
    shown = [(address.pao_start_number, address.sao_start_number) for address in first.addresses + second.addresses]
    assert shown == [("1", ""), ("2", ""), ("3", ""), ("4", "2"), ("4", "10"), ("10", ""), ("11", ""), ("20", "")]
    assert (first.total, first.pages, second.page, len(second.addresses)) == (8, 2, 2, 3)
    assert beyond.page == 2
    # Found by an alternative form, shown once, in its preferred form.
    assert [(address.uprn, address.preferred) for address in by_words.addresses] == [("951", True), ("950", True)]
    assert by_words.total == 2
