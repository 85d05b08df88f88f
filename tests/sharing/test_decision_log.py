"""The decision log as an IG lead reads it: by day, by person, with names rather than ids,
and with a request's refusals summed up in one row."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import organisation, person_of, source_record, source_system
from sqlalchemy import select, update

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.disclosure.governance import decision_log
from joinedup.sharing import decide_record_access
from joinedup.sharing.log import (
    LogFilter,
    LogFilterRefused,
    log_filter,
    search_decisions,
)
from joinedup.sharing.models import SharingDecision


def _requests(engine) -> dict[str, int]:
    """Two requests by a police officer: one on 1 March (their own record, shared), one on
    3 March (three school records, all withheld)."""
    with transaction(engine) as session:
        police = organisation(session, "POL", "Joinford Police", "police")
        school = organisation(session, "SCH", "Joinford Academy", "education")
        niche = source_system(session, "police", "Police records", police)
        register = source_system(session, "school", "Pupil register", school)
        own = source_record(session, niche, "P1", forename="Ava", surname="Own")
        pupils = [source_record(session, register, f"S{n}", forename="Ben", surname="Pupil") for n in range(3)]
        person_of(session, "PAVAOWN0001", [own.id])
        person_of(session, "PBENPUPIL01", [pupil.id for pupil in pupils])
        officer = Actor(username="pc.ray", organisation_id=police.id, roles=frozenset({"practitioner"}), channel="web")
        decide_record_access(session, officer, [own])
        first = session.scalar(select(SharingDecision.id).order_by(SharingDecision.id.desc()))
        session.execute(update(SharingDecision).where(SharingDecision.id == first)
                        .values(at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)))
        decide_record_access(session, officer, pupils)
        second = session.scalar(select(SharingDecision.id).order_by(SharingDecision.id.desc()))
        session.execute(update(SharingDecision).where(SharingDecision.id == second)
                        .values(at=datetime(2026, 3, 3, 0, 5, tzinfo=UTC)))
        return {"shared": first, "withheld": second, "police": police.id, "school": school.id}


def _ids(rows) -> list[int]:
    return [row.id for row in rows]


def test_the_log_is_filtered_by_whole_days(engine):
    ids = _requests(engine)
    with transaction(engine) as session:
        assert _ids(search_decisions(session, LogFilter(since=date(2026, 3, 1), until=date(2026, 3, 1)))[0]) == [
            ids["shared"]]
        assert _ids(search_decisions(session, LogFilter(since=date(2026, 3, 2)))[0]) == [ids["withheld"]]
        assert _ids(search_decisions(session, LogFilter(until=date(2026, 3, 2)))[0]) == [ids["shared"]]
        assert search_decisions(session, LogFilter(since=date(2026, 3, 4)))[1] == 0


def test_a_requests_refusals_are_one_row_found_by_person(engine):
    ids = _requests(engine)
    with transaction(engine) as session:
        rows, total = search_decisions(session, LogFilter(person_id="pbenpupil01"))
        assert total == 1 and rows[0].id == ids["withheld"]
        assert rows[0].outcome == "withheld" and rows[0].record_count == 3 and rows[0].record_id is None
        assert rows[0].source_organisation_id == ids["school"]
        assert sum(rows[0].reasons.values()) == 3


def test_the_log_names_people_and_organisations(engine):
    _requests(engine)
    with transaction(engine) as session:
        rows, _total = decision_log(session, LogFilter(), limit=10, offset=0)
    assert sorted((row.person_name, row.source_organisation) for row in rows) == [
        ("Ava Own", "Joinford Police"), ("Ben Pupil", "Joinford Academy")]


@pytest.mark.parametrize(("since", "until", "field"), [
    ("31/2/2026", "", "since"), ("", "tomorrow", "until"), ("2026-03-05", "2026-03-01", "until")])
def test_a_day_that_cannot_be_searched_for_names_its_field(engine, since, until, field):
    with transaction(engine) as session, pytest.raises(LogFilterRefused) as refused:
        log_filter(session, since=since, until=until)
    assert [name for name, _message in refused.value.problems] == [field]


def test_days_are_read_as_people_type_them(engine):
    with transaction(engine) as session:
        assert log_filter(session, since="1/3/2026", until="2026-03-02") == LogFilter(
            since=date(2026, 3, 1), until=date(2026, 3, 2))
