"""The person and address search pages: true counts, and pages that are plain links."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from joinedup.db import transaction
from joinedup.gazetteer import GazetteerAddress
from joinedup.ingest import SourceRecord
from joinedup.partners import SourceSystem
from joinedup.people.models import Person, PersonRecord

LINKS = re.compile(r'class="govuk-link govuk-pagination__link" href="([^"]+)"')


@pytest.fixture
def many(engine, place):
    """25 persons named Zoë O'Brien at Children's Social Care, and 3 the police hold."""
    with transaction(engine) as session:
        systems = {system.code: system.id for system in session.scalars(select(SourceSystem))}
        for number in range(28):
            system = "csc" if number < 25 else "police"
            record = SourceRecord(source_system_id=systems[system], local_id=f"Z{number}", row_hash=f"z{number}",
                                  forename="Zoë", surname="O'Brien", postcode=f"JU{number % 9 + 1} 1AA")
            person = Person(person_id=f"PZ{number:02}", golden={}, record_count=1)
            session.add_all([record, person])
            session.flush()
            session.add(PersonRecord(source_record_id=record.id, person_id=person.id))


def _persons_shown(response) -> list[str]:
    return re.findall(r'href="/persons/(PZ\d\d)\?', response.text)


def test_a_search_counts_every_person_and_pages_them_with_plain_links(signed_in, many):
    first = signed_in.get("/persons", params={"q": "zoe o’brien"})
    assert first.status_code == 200
    assert "25 persons found" in first.text and "Showing 1 to 20 of 25." in first.text
    assert "Only the closest matches" not in first.text and "Only the first" not in first.text
    assert len(_persons_shown(first)) == 20
    links = [unescape(link) for link in LINKS.findall(first.text)]
    assert links == ["/persons?q=zoe+o%E2%80%99brien&page=1", "/persons?q=zoe+o%E2%80%99brien&page=2",
                     "/persons?q=zoe+o%E2%80%99brien&page=2"]  # page 1, page 2, and next
    assert 'aria-current="page"' in first.text and 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = signed_in.get(links[-1])
    assert "Showing 21 to 25 of 25." in second.text and 'rel="prev"' in second.text
    assert len(_persons_shown(second)) == 5
    assert not set(_persons_shown(first)) & set(_persons_shown(second))


def test_a_small_result_has_no_pages_and_no_warning(signed_in, many):
    response = signed_in.get("/persons", params={"q": "zoe obrien JU2 1AA"})
    assert "3 persons found" in response.text
    assert "govuk-pagination" not in response.text and "Only the closest matches" not in response.text
    nothing = signed_in.get("/persons", params={"q": "nobody"})
    assert "No persons found" in nothing.text and "Only the closest matches" not in nothing.text


def test_the_warning_shows_only_when_the_search_stopped(signed_in, many, monkeypatch):
    monkeypatch.setattr("joinedup.disclosure.persons.BATCH_SIZE", 5)
    monkeypatch.setattr("joinedup.disclosure.persons.search_persons.__kwdefaults__",
                        {"purpose": None, "page": 1, "per_page": 20, "count_limit": 4, "scan_limit": 1000})
    response = signed_in.get("/persons", params={"q": "zoe"})
    assert "At least 5 persons found" in response.text and "Only the closest matches" in response.text


def test_closer_names_are_labelled_and_come_first(signed_in, many):
    response = signed_in.get("/persons", params={"q": "zoey"})
    assert "25 persons found" in response.text and "Sounds similar" in response.text
    assert "None has the name as you typed it" in response.text


def test_a_page_number_that_is_not_one_is_page_one(signed_in, many):
    for page in ("x", "0", "-1", "99999999999"):
        response = signed_in.get("/persons", params={"q": "zoe", "page": page})
        assert response.status_code == 200 and "Showing 1 to 20 of 25." in response.text


@pytest.fixture
def street(engine, place):
    with transaction(engine) as session:
        for number in range(1, 26):
            session.add(GazetteerAddress(uprn=str(5000 + number), lpi_status="approved", preferred=True,
                                         pao_start_number=str(number), street="Long Road", town="Joinford",
                                         postcode="JU7 7AA", normalised=f"{number} LONG ROAD JOINFORD",
                                         classification="residential", in_boundary=True))


def test_address_search_counts_pages_and_orders_numbers_as_numbers(signed_in, street):
    first = signed_in.get("/addresses", params={"q": "JU7 7AA"})
    assert "25 addresses found" in first.text and "Showing 1 to 20 of 25." in first.text
    numbers = re.findall(r'href="/addresses/50(\d\d)"', first.text)
    assert [int(number) for number in numbers] == list(range(1, 21))
    second = signed_in.get(unescape(LINKS.findall(first.text)[-1]))  # next
    assert [int(number) for number in re.findall(r'href="/addresses/50(\d\d)"', second.text)] == list(range(21, 26))
