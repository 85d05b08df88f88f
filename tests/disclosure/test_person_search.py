"""Person search on both backends: names folded when written, true counts, pages, ranking."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from joinedup.audit import Actor
from joinedup.db import transaction, utcnow
from joinedup.disclosure import parse_search, search_persons, search_records
from joinedup.disclosure.search import BEGINS, EXACT, NICKNAME, SOUNDS_LIKE, matching_records
from joinedup.ingest import SourceRecord, ingest_file, load_mapping
from joinedup.partners import Organisation, SourceSystem
from joinedup.people.models import Person, PersonRecord

MAPPING = """
[source]
code = "names"
name = "Names register"
organisation = "NAMESLA"
organisation_name = "Names Borough Council"
organisation_type = "local_authority"
format = "csv"
local_id = "PersonID"

[fields]
forename = "Forename"
surname = "Surname"
"""


def _ingest(engine, tmp_path, rows: str):
    mapping_file = tmp_path / "names.toml"
    mapping_file.write_text(MAPPING)
    extract = tmp_path / "names.csv"
    extract.write_text("PersonID,Forename,Surname\n" + rows, encoding="utf-8")
    load = ingest_file(engine, load_mapping(mapping_file), extract)
    assert load.status == "completed", load.error


def _keys(engine) -> dict[str, tuple]:
    with transaction(engine) as session:
        return {record.local_id: (record.forename_key, record.surname_key, record.surname_sound)
                for record in session.scalars(select(SourceRecord))}


def test_a_load_folds_the_names_it_adds_and_changes(engine, tmp_path):
    _ingest(engine, tmp_path, "N1,Zoë,O’Brien\nN2,Seán,Smyth\nN3,Ann,Lee\n")
    assert _keys(engine) == {"N1": ("zoe", "obrien", "OBRN"), "N2": ("sean", "smyth", "SM0"),
                             "N3": ("ann", "lee", "L")}
    _ingest(engine, tmp_path, "N1,Zoë,O’Brien\nN2,Seán,Smith-Jones\nN3,Ann,Lee\nN4,José,García\n")
    assert _keys(engine)["N2"] == ("sean", "smith jones", "SM0JNS")
    assert _keys(engine)["N4"] == ("jose", "garcia", "KRX")
    with transaction(engine) as session:
        organisation = session.scalar(select(Organisation.id).where(Organisation.code == "NAMESLA"))
        actor = Actor(username="ana", organisation_id=organisation, roles=frozenset({"practitioner"}), channel="web")
        for typed, expected in (("zoe obrien", {"N1"}), ("ZOE O'BRIEN", {"N1"}), ("Jose Garcia", {"N4"}),
                                ("smith", {"N2"}), ("jones", set())):
            found = search_records(session, actor, parse_search(typed))
            assert {record.fields["local_id"] for record in found.records} == expected, typed


@pytest.fixture
def world(engine):
    """Council records: 12 Smiths, 3 named Smithson, 2 Smyths, a William Smith known as
    Bill, a retired person and a record in no person; the police hold 4 more Smiths."""
    with transaction(engine) as session:
        council = Organisation(code="LA", name="Council", type="local_authority")
        police = Organisation(code="POL", name="Police", type="police")
        session.add_all([council, police])
        session.flush()
        systems = {code: SourceSystem(code=code, name=code, owner_organisation_id=owner.id)
                   for code, owner in (("csc", council), ("niche", police))}
        session.add_all(systems.values())
        session.flush()
        people = ([("csc", f"Ann{chr(65 + n)}", "Smith") for n in range(12)]
                  + [("csc", f"Bea{chr(65 + n)}", "Smithson") for n in range(3)]
                  + [("csc", "Cal", "Smyth"), ("csc", "Dee", "Smyth"), ("csc", "William", "Smith")]
                  + [("niche", f"Pol{chr(65 + n)}", "Smith") for n in range(4)])
        for number, (system, forename, surname) in enumerate(people):
            record = SourceRecord(source_system_id=systems[system].id, local_id=f"R{number}", row_hash=str(number),
                                  forename=forename, surname=surname, date_of_birth=date(2000, 1, 1 + number % 28))
            person = Person(person_id=f"P{number:03}", golden={}, record_count=1)
            session.add_all([record, person])
            session.flush()
            session.add(PersonRecord(source_record_id=record.id, person_id=person.id))
        retired = SourceRecord(source_system_id=systems["csc"].id, local_id="OLD", row_hash="old", forename="Old",
                               surname="Smith")
        gone = Person(person_id="PGONE", golden={}, record_count=1, retired_at=utcnow())
        loose = SourceRecord(source_system_id=systems["csc"].id, local_id="LOOSE", row_hash="loose",
                             forename="Loose", surname="Smith")
        session.add_all([retired, gone, loose])
        session.flush()
        session.add(PersonRecord(source_record_id=retired.id, person_id=gone.id))
        return Actor(username="sam", organisation_id=council.id, roles=frozenset({"practitioner"}), channel="web")


def _search(engine, actor, typed, **options):
    with transaction(engine) as session:
        return search_persons(session, actor, parse_search(typed), action="record.search", **options)


def test_the_count_is_every_person_the_reader_may_see_and_no_other(engine, world):
    result = _search(engine, world, "smith")
    # 13 Smiths (William too), 3 Smithsons, 2 Smyths; not the police's 4, not the retired person.
    assert (result.total, result.exact, result.pages, result.truncated) == (18, 13, 1, False)
    assert result.unlinked_total == 1 and [record.fields["local_id"] for record in result.unlinked] == ["LOOSE"]
    assert [card.closeness for card in result.persons] == [EXACT] * 13 + [BEGINS] * 3 + [SOUNDS_LIKE] * 2
    none = _search(engine, world, "nobody")
    assert (none.total, none.persons, none.pages, none.truncated) == (0, [], 1, False)


def test_pages_hold_every_person_once_in_rank_order(engine, world):
    whole = [card.person_id for card in _search(engine, world, "smith").persons]
    pages = [_search(engine, world, "smith", per_page=5, page=number) for number in range(1, 5)]
    assert [page.pages for page in pages] == [4] * 4
    assert [card.person_id for page in pages for card in page.persons] == whole
    assert [(page.first, page.last) for page in pages] == [(1, 5), (6, 10), (11, 15), (16, 18)]


def test_exact_names_come_before_nicknames_beginnings_and_sounds(engine, world):
    result = _search(engine, world, "bill smith")
    assert [card.closeness for card in result.persons] == [NICKNAME]
    assert result.persons[0].values["forename"] == "William" and result.exact == 0
    assert [card.closeness for card in _search(engine, world, "smyth").persons] == [EXACT, EXACT] + [SOUNDS_LIKE] * 13


def test_past_the_count_limit_the_search_stops_and_says_so(engine, world, monkeypatch):
    monkeypatch.setattr("joinedup.disclosure.persons.BATCH_SIZE", 5)
    result = _search(engine, world, "smith", count_limit=4)
    assert result.truncated and result.total == 5 and result.pages == 1
    assert [card.closeness for card in result.persons] == [EXACT] * 5
    scanned = _search(engine, world, "smith", scan_limit=3)
    assert scanned.truncated and scanned.total == 3
    # Every record considered in a batch is counted: the count stays true past the limit.
    whole = _search(engine, world, "smith", count_limit=4, scan_limit=1000, per_page=50)
    assert whole.total == 5 and whole.truncated


def test_finding_a_record_by_an_identifier_is_an_index_lookup_on_each_store(engine):
    """An identifier typed with spaces or in lower case is compared upper case without
    spaces, through an index of each identifier written that way (migration 0027), not by
    reading every record."""
    statement = matching_records(parse_search("401 023 2137 ab123456c"))
    compiled = statement.compile(engine)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())))
        else:
            connection.exec_driver_sql("set enable_seqscan = off")  # an empty table: ask whether an index can serve
            plan = " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
    for column in ("nhs_number", "ni_number", "upn", "local_id", "record_ref"):
        assert f"ix_source_records_{column}_compact" in plan, plan
    assert "SCAN source_records" not in plan and "Seq Scan" not in plan, plan


def test_an_identifier_is_found_however_it_was_sent_or_typed(engine, tmp_path):
    _ingest(engine, tmp_path, "ab 12 34,Ann,Lee\nCD5678,Bob,Lee\n")
    with transaction(engine) as session:
        found = session.scalars(matching_records(parse_search("AB1234"))).all()
        assert [record.local_id for record in found] == ["ab 12 34"]
