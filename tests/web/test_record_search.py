"""Reading a one-box search, and finding records through the sharing decision in batches."""

from __future__ import annotations

from datetime import date

import pytest
from decisions import per_record
from sqlalchemy import func, select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.disclosure import fetch_record, parse_search, search_records


@pytest.mark.parametrize(
    "text, names, born, postcode, identifiers",
    [
        ("Jo Smith 14/03/2011", ("jo", "smith"), date(2011, 3, 14), None, ()),
        ("smith, jo 2011-03-14", ("smith", "jo"), date(2011, 3, 14), None, ()),
        ("O'Brien-Kelly 1.2.2003", ("o'brien-kelly",), date(2003, 2, 1), None, ()),
        ("ng1 5aa", (), None, "NG1 5AA", ()),
        ("Ann NG15AA", ("ann",), None, "NG1 5AA", ()),
        ("943 476 5919", (), None, None, ("9434765919",)),
        ("AB 12 34 56 C", (), None, None, ("AB123456C",)),
        ("a123456789012", (), None, None, ("A123456789012",)),
        ("CSC-0012 Lee", ("lee",), None, None, ("CSC-0012",)),
        ("  - , ", (), None, None, ()),
        ("Mrs Jane Smith", ("jane", "smith"), None, None, ()),
        ("Dr. Lee 1.2.2003", ("lee",), date(2003, 2, 1), None, ()),
        ("Lord", ("lord",), None, None, ()),
        ("John Lord", ("john", "lord"), None, None, ()),
        ("Smith, Mrs Jane", ("smith", "jane"), None, None, ()),
    ],
)
def test_parse_search(text, names, born, postcode, identifiers):
    query = parse_search(text)
    assert (query.names, query.date_of_birth, query.postcode, query.identifiers, query.problems) == (
        names,
        born,
        postcode,
        identifiers,
        (),
    )


@pytest.mark.parametrize(
    "text, problem",
    [
        ("31/02/2011", "31/02/2011 is not a real date"),
        ("01/01/2000 02/02/2001", "Enter one date of birth."),
        ("NG1 5AA JU1 1AA", "Enter one postcode."),
    ],
)
def test_parse_search_reports_what_it_cannot_use(text, problem):
    assert any(found.startswith(problem) for found in parse_search(text).problems)


def test_an_empty_search_finds_nothing_and_asks_nothing(engine, place):
    actor = Actor(user_id=None, username="sam", organisation_id=place.council_org, roles=frozenset({"practitioner"}), channel="web")
    with transaction(engine) as session:
        assert search_records(session, actor, parse_search("")).records == []
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_like_wildcards_in_names_are_literal(engine, place):
    actor = Actor(username="sam", organisation_id=place.council_org, roles=frozenset({"practitioner"}), channel="web")
    with transaction(engine) as session:
        assert search_records(session, actor, parse_search("%")).records == []
        assert search_records(session, actor, parse_search("jor_an")).records == []


def _crowd(engine, place, theirs: int, mine: int) -> None:
    """Many Smiths: ``theirs`` held by the police sort first, then ``mine`` by the council."""
    with transaction(engine) as session:
        police = session.scalar(select(SourceSystem).where(SourceSystem.code == "police"))
        csc = session.scalar(select(SourceSystem).where(SourceSystem.code == "csc"))
        session.add_all(
            SourceRecord(
                source_system_id=police.id, local_id=f"P{n}", forename="Aaron", surname="Smith", row_hash="p"
            )
            for n in range(theirs)
        )
        session.add_all(
            SourceRecord(
                source_system_id=csc.id, local_id=f"C{n}", forename="Zed", surname="Smith", row_hash="c"
            )
            for n in range(mine)
        )


def test_records_beyond_a_batch_of_refusals_are_still_found(engine, place):
    _crowd(engine, place, theirs=150, mine=3)
    actor = Actor(username="sam", organisation_id=place.council_org, roles=frozenset({"practitioner"}), channel="web")
    with transaction(engine) as session:
        result = search_records(session, actor, parse_search("zed smith"), limit=10)
        assert len(result.records) == 3 and not result.truncated
        broad = search_records(session, actor, parse_search("smith"), limit=10)
        assert {record.fields["forename"] for record in broad.records} == {"Zed", "Jordan", "Jordana"}
        assert len(broad.records) == 5 and not broad.truncated
    # Every record the searches looked at was decided and logged; the refusals are counted per request.
    assert len(per_record(engine, "record.search")) == 3 + (150 + 1) + 5


def test_a_long_result_is_cut_and_says_so(engine, place):
    _crowd(engine, place, theirs=0, mine=12)
    actor = Actor(username="sam", organisation_id=place.council_org, roles=frozenset({"practitioner"}), channel="web")
    with transaction(engine) as session:
        result = search_records(session, actor, parse_search("zed"), limit=10)
    assert len(result.records) == 10 and result.truncated


def test_the_scan_stops_at_its_limit_and_says_there_may_be_more(engine, place):
    _crowd(engine, place, theirs=30, mine=1)
    actor = Actor(username="sam", organisation_id=place.council_org, roles=frozenset({"practitioner"}), channel="web")
    with transaction(engine) as session:
        result = search_records(session, actor, parse_search("smith"), scan_limit=20)
    assert result.records == [] and result.truncated


def test_fetch_returns_a_refusal_as_a_value_so_its_audit_is_kept(engine, place):
    actor = Actor(username="sam", organisation_id=place.council_org, roles=frozenset({"practitioner"}), channel="api")
    with transaction(engine) as session:
        refused = fetch_record(session, actor, place.police_record)
        assert fetch_record(session, actor, 999999) is None
    assert not refused.allowed and refused.fields == {} and refused.source_name is None
    with transaction(engine) as session:
        assert (
            session.scalar(select(AuditEvent.outcome).where(AuditEvent.action == "record.view")) == "denied"
        )
